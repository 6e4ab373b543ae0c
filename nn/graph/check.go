package graph

// Bounds on a graph's tensors: far above a classifier's largest (MobileNetV2's is 112x112x96), far below what a
// browser tab holds, so a hostile graph fails to compile instead of exhausting memory.
const (
	maxDim      = 1 << 24
	maxElements = 1 << 26
)

// Check is what every executor requires of a graph before it compiles it: one input and one output, both
// activations; known types; shapes within bounds; quantization that fits its tensor; every operator naming
// tensors that exist (-1 for an absent optional input) and writing one activation. What each operator needs of
// its own tensors, its executor checks when it compiles it.
func Check(g *Graph) error {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return errorf("graph has %d inputs and %d outputs, want 1 and 1", len(g.Inputs), len(g.Outputs))
	}
	for i, t := range g.Tensors {
		if t.Type.Size() == 0 {
			return errorf("tensor %d %q: unsupported type %q", i, t.Name, t.Type)
		}
		n := 1
		for _, d := range t.Shape {
			if d <= 0 || d > maxDim {
				return errorf("tensor %d %q: bad shape %v", i, t.Name, t.Shape)
			}
			if n *= d; n > maxElements {
				return errorf("tensor %d %q: shape %v is too large", i, t.Name, t.Shape)
			}
		}
		if len(t.Scale) != len(t.ZeroPoint) {
			return errorf("tensor %d %q: %d scales, %d zero points", i, t.Name, len(t.Scale), len(t.ZeroPoint))
		}
		if len(t.Scale) > 1 && (t.Axis < 0 || t.Axis >= len(t.Shape) || t.Shape[t.Axis] != len(t.Scale)) {
			return errorf("tensor %d %q: %d scales do not match axis %d of %v", i, t.Name, len(t.Scale), t.Axis, t.Shape)
		}
		for _, s := range t.Scale {
			if !(s > 0) {
				return errorf("tensor %d %q: scale %v", i, t.Name, s)
			}
		}
		if t.Bits != 0 && (t.Bits < 1 || t.Bits > 7 || t.Type != Uint8 || t.Const || len(t.ZeroPoint) != 1 || t.ZeroPoint[0] != 0) {
			return errorf("tensor %d %q: %d bits needs a uint8 activation with zero point 0", i, t.Name, t.Bits)
		}
	}
	for _, x := range []int{g.Inputs[0], g.Outputs[0]} {
		if x < 0 || x >= len(g.Tensors) || g.Tensors[x].Const {
			return errorf("graph input %d or output %d is not an activation tensor", g.Inputs[0], g.Outputs[0])
		}
	}
	for i, op := range g.Ops {
		for _, x := range op.Inputs {
			if x < -1 || x >= len(g.Tensors) {
				return errorf("op %d %s: tensor index %d out of range", i, op.Op, x)
			}
		}
		if len(op.Outputs) != 1 {
			return errorf("op %d %s: %d outputs, want 1", i, op.Op, len(op.Outputs))
		}
		if x := op.Outputs[0]; x < 0 || x >= len(g.Tensors) || g.Tensors[x].Const {
			return errorf("op %d %s: output %d is not an activation tensor", i, op.Op, x)
		}
	}
	return nil
}

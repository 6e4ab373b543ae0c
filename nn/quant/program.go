package quant

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"
)

// Activations are stored as bytes in one arena. An int8 tensor is stored as
// uint8 with 128 added (and 128 added to its zero point): q-zp is unchanged, so
// every kernel runs the same uint8 code for both types; the few kernels whose
// rounding depends on the sign of q itself (pooling, mean) undo the offset.

// Program is a compiled Graph: kernels with their repacked weights and
// precomputed multipliers, and the arena their activations live in.
type Program struct {
	arena    []byte
	acc      []int32 // GEMM/depthwise accumulators
	cols     []byte  // im2col rows
	steps    []step
	ops      []string // each step's operator, for Profile
	input    slot
	output   slot
	outBuf   []byte       // output in the model's own type
	outFloat []float32    // a float32 output
	kept     map[int]slot // tensors Compile was asked to keep readable after Run
	kernels  KernelSet    // the kernel set when the program was compiled: its packings are made for it
}

type step interface {
	run(p *Program)
}

// slot is where a tensor lives in the arena and how it is quantized.
type slot struct {
	off, size int
	shape     []int
	signed    bool // int8, stored with +128
	scale     []float32
	zp        int32 // stored-domain zero point (declared + 128 for int8)
	max       int32 // the largest stored value the tensor may hold (255, or 2^Bits-1)
	float     bool  // float32 (the graph's input, or a classifier's logits)
}

func (s slot) data(p *Program) []byte { return p.arena[s.off : s.off+s.size : s.off+s.size] }

// float32s is a float32 slot's values, in place: the arena and every offset in it are 16-byte aligned.
func (s slot) float32s(p *Program) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&p.arena[s.off])), s.size/4)
}

// declaredZP is the zero point in the tensor's declared type.
func (s slot) declaredZP() int32 {
	if s.signed {
		return s.zp - 128
	}
	return s.zp
}

// activation returns the stored-domain clamp bounds of a fused activation.
func (s slot) activation(act string) (int32, int32, error) {
	off := int32(0)
	if s.signed {
		off = 128
	}
	lo, hi, err := activationRange(act, s.scale[0], s.declaredZP(), -off, s.max-off)
	return lo + off, hi + off, err
}

const arenaAlign = 16

// Compile checks g, loads its constants through consts (raw little-endian
// bytes of the named tensor) and builds a Program. The activation tensors in
// keep stay readable after Run (see Dequantize): their bytes are not reused.
func Compile(g *Graph, consts func(name string) ([]byte, error), keep ...int) (*Program, error) {
	c := &compiler{g: g, consts: consts, p: &Program{kernels: Kernels}, keep: keep}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c.p, nil
}

type compiler struct {
	g       *Graph
	consts  func(string) ([]byte, error)
	p       *Program
	slots   []slot
	keep    []int
	remote  []bool // per op: its outputs come from another part, it runs nothing (CompilePart)
	maxAcc  int
	maxCols int
}

func (c *compiler) compile() error {
	g := c.g
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return errorf("graph has %d inputs and %d outputs, want 1 and 1", len(g.Inputs), len(g.Outputs))
	}
	for i, t := range g.Tensors {
		if t.Type.size() == 0 {
			return errorf("tensor %d %q: unsupported type %q", i, t.Name, t.Type)
		}
		n := 1
		for _, d := range t.Shape {
			if d <= 0 || d > 1<<24 {
				return errorf("tensor %d %q: bad shape %v", i, t.Name, t.Shape)
			}
			// Far above a classifier's largest tensor, far below what a browser tab holds.
			if n *= d; n > 1<<26 {
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
	for i, op := range g.Ops {
		for _, x := range append(append([]int(nil), op.Inputs...), op.Outputs...) {
			if x < -1 || x >= len(g.Tensors) {
				return errorf("op %d %s: tensor index %d out of range", i, op.Op, x)
			}
		}
		for _, x := range op.Outputs {
			if x < 0 || g.Tensors[x].Const {
				return errorf("op %d %s: output %d is not an activation tensor", i, op.Op, x)
			}
		}
	}
	if err := checkRules(g); err != nil {
		return err
	}
	if err := c.planArena(); err != nil {
		return err
	}
	for i, op := range g.Ops {
		if c.remote != nil && c.remote[i] {
			// Another part computes its outputs (see CompilePart).
			c.p.steps = append(c.p.steps, nop{})
			c.p.ops = append(c.p.ops, op.Op)
			continue
		}
		s, err := c.build(op)
		if err != nil {
			return fmt.Errorf("quant: op %d %s: %w", i, op.Op, err)
		}
		c.p.steps = append(c.p.steps, s)
		c.p.ops = append(c.p.ops, op.Op)
	}
	c.p.kept = map[int]slot{}
	for _, x := range c.keep {
		c.p.kept[x] = c.slots[x]
	}
	c.p.input = c.slots[g.Inputs[0]]
	c.p.output = c.slots[g.Outputs[0]]
	c.p.outBuf = make([]byte, c.p.output.size)
	if c.p.output.float {
		c.p.outFloat = make([]float32, c.p.output.size/4)
	}
	c.p.acc = make([]int32, c.maxAcc)
	c.p.cols = make([]byte, c.maxCols)
	return nil
}

// planArena gives every activation tensor an arena offset. Tensors whose
// lifetimes (first write to last read, in op order) do not overlap may share
// bytes; placement is first fit.
func (c *compiler) planArena() error {
	g := c.g
	n := len(g.Tensors)
	first := make([]int, n)
	last := make([]int, n)
	for i := range first {
		first[i], last[i] = -2, -2
	}
	in, out := g.Inputs[0], g.Outputs[0]
	if in < 0 || in >= n || out < 0 || out >= n || g.Tensors[in].Const || g.Tensors[out].Const {
		return errorf("graph input %d or output %d is not an activation tensor", in, out)
	}
	first[in], last[in] = -1, -1
	for i, op := range g.Ops {
		for _, x := range op.Outputs {
			if first[x] != -2 {
				return errorf("tensor %d %q is written twice", x, g.Tensors[x].Name)
			}
			first[x], last[x] = i, i
		}
		for _, x := range op.Inputs {
			if x < 0 || g.Tensors[x].Const {
				continue
			}
			if first[x] == -2 || first[x] >= i {
				return errorf("op %d %s reads tensor %d %q before it is written", i, op.Op, x, g.Tensors[x].Name)
			}
			last[x] = i
		}
	}
	if first[out] == -2 {
		return errorf("graph output %d is never written", out)
	}
	last[out] = len(g.Ops)
	for _, x := range c.keep {
		if x < 0 || x >= n || first[x] == -2 {
			return errorf("tensor %d to keep is not an activation that is written", x)
		}
		last[x] = len(g.Ops)
	}

	type block struct{ off, end, last int }
	var live []block // sorted by offset
	c.slots = make([]slot, n)
	arenaSize := 0
	place := func(x int) {
		t := g.Tensors[x]
		size := numElements(t.Shape) * t.Type.size()
		off := 0
		pos := 0
		for pos < len(live) && live[pos].off-off < size {
			off = (live[pos].end + arenaAlign - 1) / arenaAlign * arenaAlign
			pos++
		}
		live = append(live, block{})
		copy(live[pos+1:], live[pos:])
		live[pos] = block{off, off + size, last[x]}
		arenaSize = max(arenaSize, off+size)
		s := slot{off: off, size: size, shape: t.Shape, signed: t.Type == Int8, scale: t.Scale, max: 255, float: t.Type == Float32}
		if t.Bits != 0 {
			s.max = 1<<t.Bits - 1
		}
		if len(t.ZeroPoint) > 0 {
			s.zp = t.ZeroPoint[0]
		}
		if s.signed {
			s.zp += 128
		}
		c.slots[x] = s
	}
	free := func(step int) {
		kept := live[:0]
		for _, b := range live {
			if b.last > step {
				kept = append(kept, b)
			}
		}
		live = kept
	}
	place(in)
	for i, op := range g.Ops {
		for _, x := range op.Outputs {
			place(x)
		}
		free(i)
	}
	c.p.arena = make([]byte, arenaSize)
	return nil
}

// activation returns the slot of a non-constant input or output of an op.
func (c *compiler) activation(x int, want ...DType) (slot, error) {
	if x < 0 || c.g.Tensors[x].Const {
		return slot{}, errorf("tensor %d is not an activation", x)
	}
	t := c.g.Tensors[x]
	if t.Type != Uint8 && t.Type != Int8 {
		return slot{}, errorf("tensor %q: activations must be uint8 or int8, not %s", t.Name, t.Type)
	}
	if len(t.Scale) != 1 {
		return slot{}, errorf("tensor %q: activations need one scale and zero point, have %d", t.Name, len(t.Scale))
	}
	return c.slots[x], nil
}

// constant loads a constant tensor and checks its size against its shape and type.
func (c *compiler) constant(x int) (Tensor, []byte, error) {
	if x < 0 || !c.g.Tensors[x].Const {
		return Tensor{}, nil, errorf("tensor %d is not a constant", x)
	}
	t := c.g.Tensors[x]
	data, err := c.consts(t.Name)
	if err != nil {
		return t, nil, fmt.Errorf("constant %q: %w", t.Name, err)
	}
	if want := numElements(t.Shape) * t.Type.size(); len(data) != want {
		return t, nil, errorf("constant %q: %d bytes, shape %v of %s needs %d", t.Name, len(data), t.Shape, t.Type, want)
	}
	return t, data, nil
}

// int32s decodes an int32 constant.
func int32s(data []byte) []int32 {
	out := make([]int32, len(data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// Run executes the program on one input, given in the model input's own type
// (int8 values as their two's complement bytes).
func (p *Program) Run(input []byte) error {
	if len(input) != p.input.size {
		return errorf("input has %d bytes, want %d (shape %v)", len(input), p.input.size, p.input.shape)
	}
	dst := p.input.data(p)
	if p.input.signed {
		for i, v := range input {
			dst[i] = v ^ 0x80
		}
	} else {
		copy(dst, input)
	}
	p.exec()
	return nil
}

// Profile runs the program on a float32 input like RunFloat and returns the time each kind of operator took
// (a CONV_2D's im2col counts as its own): where an image's time goes.
func (p *Program) Profile(x []float32) (map[string]time.Duration, error) {
	if err := p.RunFloat(x); err != nil {
		return nil, err
	}
	times := map[string]time.Duration{}
	for i, s := range p.steps {
		start := time.Now()
		s.run(p)
		times[p.ops[i]] += time.Since(start)
	}
	return times, nil
}

// exec runs the steps on the input in the arena and leaves the output in outBuf.
func (p *Program) exec() {
	for _, s := range p.steps {
		s.run(p)
	}
	p.copyOutput()
}

// copyOutput copies the output out of the arena into outBuf, in the model output's own type.
func (p *Program) copyOutput() {
	src := p.output.data(p)
	if p.output.signed {
		for i, v := range src {
			p.outBuf[i] = v ^ 0x80
		}
	} else {
		copy(p.outBuf, src)
	}
}

// RunFloat executes a program whose input is float32 (it is quantized by the
// graph's first QUANTIZE).
func (p *Program) RunFloat(x []float32) error {
	if 4*len(x) != p.input.size {
		return errorf("input has %d values, want %d (shape %v)", len(x), p.input.size/4, p.input.shape)
	}
	copy(p.input.float32s(p), x)
	p.exec()
	return nil
}

// OutputFloat32 returns the last Run's output of a graph whose output is
// float32 (a classifier's logits); ok is false for an integer output.
func (p *Program) OutputFloat32() (v []float32, ok bool) {
	if !p.output.float {
		return nil, false
	}
	copy(p.outFloat, p.output.float32s(p))
	return p.outFloat, true
}

// Output returns the last Run's output in the model output's own type (int8
// values as two's complement bytes), with its quantization: real = scale*(q-zeroPoint).
// The slice is reused by the next Run.
func (p *Program) Output() (data []byte, typ DType, scale float32, zeroPoint int32) {
	typ = Uint8
	if p.output.signed {
		typ = Int8
	}
	return p.outBuf, typ, p.output.scale[0], p.output.declaredZP()
}

// InputShape and OutputShape describe the program's single input and output.
func (p *Program) InputShape() []int  { return p.input.shape }
func (p *Program) OutputShape() []int { return p.output.shape }

// inOut checks that op has minIn to maxIn inputs and one output, and returns its first input and its output.
func (c *compiler) inOut(op Op, minIn, maxIn int) (in, out slot, err error) {
	if len(op.Inputs) < minIn || len(op.Inputs) > maxIn || len(op.Outputs) != 1 {
		return in, out, errorf("want %d to %d inputs and 1 output, have %d and %d", minIn, maxIn, len(op.Inputs), len(op.Outputs))
	}
	if in, err = c.activation(op.Inputs[0]); err != nil {
		return in, out, err
	}
	out, err = c.activation(op.Outputs[0])
	return in, out, err
}

// Dequantize writes the real values of a tensor that Compile was asked to keep,
// as the last Run left it, into dst (its number of elements), in the tensor's
// own layout (NHWC).
func (p *Program) Dequantize(x int, dst []float32) error {
	s, ok := p.kept[x]
	if !ok {
		return errorf("tensor %d was not kept", x)
	}
	if len(dst) != s.size {
		return errorf("tensor %d has %d values, not %d", x, s.size, len(dst))
	}
	for i, q := range s.data(p) {
		dst[i] = s.scale[0] * float32(int32(q)-s.zp)
	}
	return nil
}

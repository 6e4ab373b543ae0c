package quant

// requantizeStep is QUANTIZE between integer types (uint8 <-> int8 or a change of scale). An output byte
// depends only on the input byte, so the step is a table of the 256 answers.
type requantizeStep struct {
	in, out slot
	table   [256]uint8
}

func (c *compiler) buildQuantize(op Op) (step, error) {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 {
		return nil, errorf("want 1 input and 1 output")
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if x := op.Inputs[0]; x >= 0 && c.g.Tensors[x].Type == Float32 && len(c.g.Inputs) == 1 && x == c.g.Inputs[0] {
		in := c.slots[x]
		if err := checkShape("output", out.shape, in.shape...); err != nil {
			return nil, err
		}
		return &quantizeFloatStep{in: in, out: out, inv: 1 / out.scale[0]}, nil
	}
	in, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, errorf("only integer inputs and the graph's float32 input are supported: %v", err)
	}
	if err := checkShape("output", out.shape, in.shape...); err != nil {
		return nil, err
	}
	s := &requantizeStep{in: in, out: out}
	mult, shift := QuantizeMultiplier(float64(in.scale[0]) / float64(out.scale[0]))
	for x := range s.table {
		v := MultiplyByQuantizedMultiplier(int32(x)-in.zp, mult, shift) + out.zp
		s.table[x] = uint8(min(max(v, 0), out.max))
	}
	return s, nil
}

func (s *requantizeStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	out = out[:len(in)]
	for i, x := range in {
		out[i] = s.table[x]
	}
}

// quantizeFloatStep is QUANTIZE of the graph's float32 input:
// q = clamp(x/scale + zp) rounded half up, in float32.
type quantizeFloatStep struct {
	in, out slot
	inv     float32
}

func (s *quantizeFloatStep) run(p *Program) {
	a := QuantizeArgs{X: s.in.float32s(p), Out: s.out.data(p), Inv: s.inv,
		Zero: float32(s.out.zp) + 0.5, Top: float32(s.out.max) + 0.5}
	if p.kernels.Quantize != nil {
		p.kernels.Quantize(&a)
	} else {
		QuantizeFloat(&a)
	}
}

// QuantizeArgs is QUANTIZE of float32 values, in float32:
//
//	Out[i] = trunc(clamp(X[i]*Inv + Zero, 0, Top))
//
// for i < len(Out), NaN giving 0; Zero and Top are the zero point and the
// largest value plus 0.5, which makes the truncation round half up.
type QuantizeArgs struct {
	X         []float32
	Out       []uint8
	Inv       float32
	Zero, Top float32
}

// QuantizeFloat is the pure-Go Quantize kernel.
func QuantizeFloat(a *QuantizeArgs) {
	for i, v := range a.X[:len(a.Out)] {
		a.Out[i] = clampByte(v*a.Inv+a.Zero, a.Top)
	}
}

// clampByte is v in [0, top] as a byte, truncated: with 0.5 added to v and top,
// that rounds half up. (Comparisons, not Go's min and max, whose NaN and
// signed-zero rules cost a call per value in wasm.)
func clampByte(v, top float32) uint8 {
	if !(v > 0) {
		return 0
	}
	if v > top {
		v = top
	}
	return uint8(v)
}

// copyStep is RESHAPE: the bytes do not change.
type copyStep struct{ in, out slot }

func (c *compiler) buildReshape(op Op) (step, error) {
	in, out, err := c.inOut(op, 1, 2)
	if err != nil {
		return nil, err
	}
	if in.size != out.size || in.signed != out.signed || in.zp != out.zp || in.scale[0] != out.scale[0] {
		return nil, errorf("output %v must hold the input %v with the same type and quantization", out.shape, in.shape)
	}
	return &copyStep{in: in, out: out}, nil
}

func (s *copyStep) run(p *Program) { copy(s.out.data(p), s.in.data(p)) }

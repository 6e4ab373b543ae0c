package quant

// addStep is ADD of two tensors of the same shape, with TFLite's rescaling:
// both inputs are shifted left 20 bits, brought to a common scale (twice the
// larger input scale), summed and rescaled to the output.
type addStep struct {
	a, b, out           slot
	aMult, bMult, oMult int32
	aShift, bShift, oSh int
	lo, hi              int32
}

const addLeftShift = 20

func (c *compiler) buildAdd(op Op) (step, error) {
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 {
		return nil, errorf("want 2 inputs and 1 output")
	}
	a, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, err
	}
	b, err := c.activation(op.Inputs[1])
	if err != nil {
		return nil, err
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if err := checkShape("second input", b.shape, a.shape...); err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, a.shape...); err != nil {
		return nil, err
	}
	twiceMax := float64(2 * max(a.scale[0], b.scale[0]))
	s := &addStep{a: a, b: b, out: out}
	s.aMult, s.aShift = QuantizeMultiplier(float64(a.scale[0]) / twiceMax)
	s.bMult, s.bShift = QuantizeMultiplier(float64(b.scale[0]) / twiceMax)
	s.oMult, s.oSh = QuantizeMultiplier(twiceMax / float64(float32(1<<addLeftShift)*out.scale[0]))
	if s.lo, s.hi, err = out.activation(op.Params.Activation); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *addStep) run(p *Program) {
	a, b, out := s.a.data(p), s.b.data(p), s.out.data(p)
	b = b[:len(a)]
	out = out[:len(a)]
	for i := range a {
		x := (int32(a[i]) - s.a.zp) << addLeftShift
		y := (int32(b[i]) - s.b.zp) << addLeftShift
		x = MultiplyByQuantizedMultiplier(x, s.aMult, s.aShift)
		y = MultiplyByQuantizedMultiplier(y, s.bMult, s.bShift)
		v := MultiplyByQuantizedMultiplier(x+y, s.oMult, s.oSh) + s.out.zp
		out[i] = uint8(min(max(v, s.lo), s.hi))
	}
}

// requantizeStep is QUANTIZE between integer types (uint8 <-> int8 or a change of scale).
type requantizeStep struct {
	in, out slot
	mult    int32
	shift   int
}

func (c *compiler) buildQuantize(op Op) (step, error) {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 {
		return nil, errorf("want 1 input and 1 output")
	}
	in, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, errorf("only integer inputs are supported: %v", err)
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, in.shape...); err != nil {
		return nil, err
	}
	s := &requantizeStep{in: in, out: out}
	s.mult, s.shift = QuantizeMultiplier(float64(in.scale[0]) / float64(out.scale[0]))
	return s, nil
}

func (s *requantizeStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	out = out[:len(in)]
	for i, x := range in {
		v := MultiplyByQuantizedMultiplier(int32(x)-s.in.zp, s.mult, s.shift) + s.out.zp
		out[i] = uint8(min(max(v, 0), 255))
	}
}

// copyStep is RESHAPE: the bytes do not change.
type copyStep struct{ in, out slot }

func (c *compiler) buildReshape(op Op) (step, error) {
	if len(op.Inputs) < 1 || len(op.Outputs) != 1 {
		return nil, errorf("want an input and 1 output")
	}
	in, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, err
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if in.size != out.size || in.signed != out.signed || in.zp != out.zp || in.scale[0] != out.scale[0] {
		return nil, errorf("output %v must hold the input %v with the same type and quantization", out.shape, in.shape)
	}
	return &copyStep{in: in, out: out}, nil
}

func (s *copyStep) run(p *Program) { copy(s.out.data(p), s.in.data(p)) }

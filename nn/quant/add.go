package quant

import "math"

// addStep is ADD of two tensors of the same shape.
//
// TFLite's rule: both inputs are shifted left 20 bits, brought to a common
// scale (twice the larger input scale) with Q31 multipliers, summed and
// rescaled to the output.
//
// XNNPACK's rule: acc = (a-azp)*aMult + (b-bzp)*bMult with 21-bit multipliers
// for a/out and b/out, then out = (acc + 2^(shift-1)) >> shift.
type addStep struct {
	a, b, out slot
	lo, hi    int32
	xnnpack   bool

	// TFLite's rule.
	aMult, bMult, oMult int32
	aShift, bShift, oSh int

	// XNNPACK's rule.
	xaMult, xbMult int32
	xShift         int
	args           AddArgs
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
	s := &addStep{a: a, b: b, out: out}
	if s.lo, s.hi, err = out.activation(op.Params.Activation); err != nil {
		return nil, err
	}
	if c.g.Add == AddXNNPACK {
		s.xnnpack = s.setXNNPACK(a.scale[0]/out.scale[0], b.scale[0]/out.scale[0])
	}
	twiceMax := float64(2 * max(a.scale[0], b.scale[0]))
	s.aMult, s.aShift = QuantizeMultiplier(float64(a.scale[0]) / twiceMax)
	s.bMult, s.bShift = QuantizeMultiplier(float64(b.scale[0]) / twiceMax)
	s.oMult, s.oSh = QuantizeMultiplier(twiceMax / float64(float32(1<<addLeftShift)*out.scale[0]))
	return s, nil
}

// setXNNPACK derives XNNPACK's multipliers from the float32 ratios a/out and
// b/out, or reports false when XNNPACK would refuse them.
func (s *addStep) setXNNPACK(aRatio, bRatio float32) bool {
	const lo, hi = 1.0 / 1024, 256
	if aRatio < lo || aRatio >= hi || bRatio < lo || bRatio >= hi {
		return false
	}
	// The larger multiplier gets 21 bits: shift = 20 - exponent(larger ratio).
	_, exp := math.Frexp(float64(max(aRatio, bRatio)))
	s.xShift = 20 - (exp - 1)
	s.xaMult = int32(math.RoundToEven(math.Ldexp(float64(aRatio), s.xShift)))
	s.xbMult = int32(math.RoundToEven(math.Ldexp(float64(bRatio), s.xShift)))
	return true
}

func (s *addStep) run(p *Program) {
	a, b, out := s.a.data(p), s.b.data(p), s.out.data(p)
	b = b[:len(a)]
	out = out[:len(a)]
	if s.xnnpack {
		args := &s.args // in the step, so that calling a kernel allocates nothing
		*args = AddArgs{A: a, B: b, Out: out, AZero: s.a.zp, BZero: s.b.zp, AMult: s.xaMult, BMult: s.xbMult,
			Shift: s.xShift, Zero: s.out.zp, Lo: s.lo, Hi: s.hi}
		if p.kernels.Add != nil {
			p.kernels.Add(args)
		} else {
			AddXNNPACKRule(args)
		}
		args.A, args.B, args.Out = nil, nil, nil
		return
	}
	for i := range a {
		x := (int32(a[i]) - s.a.zp) << addLeftShift
		y := (int32(b[i]) - s.b.zp) << addLeftShift
		x = MultiplyByQuantizedMultiplier(x, s.aMult, s.aShift)
		y = MultiplyByQuantizedMultiplier(y, s.bMult, s.bShift)
		v := MultiplyByQuantizedMultiplier(x+y, s.oMult, s.oSh) + s.out.zp
		out[i] = uint8(min(max(v, s.lo), s.hi))
	}
}

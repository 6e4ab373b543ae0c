package quant

import "math"

// concatStep is CONCATENATION along channels (NHWC). An input quantized like
// the output is copied; another is rescaled with the fp32 rule.
type concatStep struct {
	ins    []slot
	out    slot
	pixels int
	scale  []float32 // per input: in/out scale, or 0 to copy
}

func (c *compiler) buildConcat(op Op) (step, error) {
	if len(op.Inputs) < 1 || len(op.Outputs) != 1 {
		return nil, errorf("want inputs and 1 output")
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if op.Params.Axis != 3 || len(out.shape) != 4 || out.shape[0] != 1 {
		return nil, errorf("only NHWC batch-1 concatenation along channels (axis 3) is supported, have axis %d of %v", op.Params.Axis, out.shape)
	}
	s := &concatStep{out: out, pixels: out.shape[1] * out.shape[2]}
	channels := 0
	for _, x := range op.Inputs {
		in, err := c.activation(x)
		if err != nil {
			return nil, err
		}
		if len(in.shape) != 4 || in.shape[0] != 1 || in.shape[1] != out.shape[1] || in.shape[2] != out.shape[2] {
			return nil, errorf("input %v does not match output %v", in.shape, out.shape)
		}
		channels += in.shape[3]
		scale := float32(0)
		if in.scale[0] != out.scale[0] || in.zp != out.zp || in.max > out.max {
			scale = in.scale[0] / out.scale[0]
		}
		s.ins = append(s.ins, in)
		s.scale = append(s.scale, scale)
	}
	if channels != out.shape[3] {
		return nil, errorf("inputs have %d channels, output %d", channels, out.shape[3])
	}
	return s, nil
}

func (s *concatStep) run(p *Program) {
	out := s.out.data(p)
	oc := s.out.shape[3]
	off := 0
	for k, in := range s.ins {
		src := in.data(p)
		ic := in.shape[3]
		for px := 0; px < s.pixels; px++ {
			dst := out[px*oc+off : px*oc+off+ic]
			x := src[px*ic : (px+1)*ic]
			if s.scale[k] == 0 {
				copy(dst, x)
				continue
			}
			for i, v := range x {
				q := int32(math.RoundToEven(float64(float32(int32(v)-in.zp)*s.scale[k]))) + s.out.zp
				dst[i] = uint8(min(max(q, 0), s.out.max))
			}
		}
		off += ic
	}
}

package quant

import "math"

// Pooling and mean round their quotient half away from zero in the tensor's
// declared type, so these kernels undo the int8 storage offset first.

func storageOffset(s slot) int32 {
	if s.signed {
		return 128
	}
	return 0
}

// divRound is TFLite's rounded integer division for pooling and mean.
func divRound(acc, n int32) int32 {
	if acc > 0 {
		return (acc + n/2) / n
	}
	return (acc - n/2) / n
}

// avgPoolStep is AVERAGE_POOL_2D (with max set, MAX_POOL_2D). Padding is
// excluded from the average unless countPad is set, then it counts as zeros.
type avgPoolStep struct {
	in, out        slot
	h, w, c        int
	oh, ow, fh, fw int
	sh, sw         int
	padT, padL     int
	lo, hi         int32
	countPad, max  bool
}

func (c *compiler) buildMaxPool(op Op) (step, error) {
	s, err := c.buildAvgPool(op)
	if err != nil {
		return nil, err
	}
	s.(*avgPoolStep).max = true
	return s, nil
}

func (c *compiler) buildAvgPool(op Op) (step, error) {
	in, out, err := c.inOut(op, 1, 1)
	if err != nil {
		return nil, err
	}
	if len(in.shape) != 4 || in.shape[0] != 1 {
		return nil, errorf("input %v: want NHWC with batch 1", in.shape)
	}
	if in.signed != out.signed || in.zp != out.zp || in.scale[0] != out.scale[0] {
		return nil, errorf("input and output quantization differ")
	}
	pr := op.Params
	s := &avgPoolStep{in: in, out: out, h: in.shape[1], w: in.shape[2], c: in.shape[3],
		fh: pr.FilterH, fw: pr.FilterW, sh: pr.StrideH, sw: pr.StrideW, countPad: pr.CountPadding}
	if s.fh <= 0 || s.fw <= 0 || s.sh <= 0 || s.sw <= 0 {
		return nil, errorf("bad filter %dx%d or strides %d,%d", s.fh, s.fw, s.sh, s.sw)
	}
	if s.oh, s.padT, err = pr.Window(0, s.h, s.fh, s.sh, 1); err != nil {
		return nil, err
	}
	if s.ow, s.padL, err = pr.Window(1, s.w, s.fw, s.sw, 1); err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, 1, s.oh, s.ow, s.c); err != nil {
		return nil, err
	}
	if s.lo, s.hi, err = out.activation(pr.Activation); err != nil {
		return nil, err
	}
	c.maxAcc = max(c.maxAcc, s.c)
	return s, nil
}

func (s *avgPoolStep) run(p *Program) {
	if s.max {
		s.runMax(p)
		return
	}
	in, out := s.in.data(p), s.out.data(p)
	acc := p.acc[:s.c]
	off := storageOffset(s.in)
	for oy := 0; oy < s.oh; oy++ {
		for ox := 0; ox < s.ow; ox++ {
			clear(acc)
			count := int32(0)
			y0, x0 := oy*s.sh-s.padT, ox*s.sw-s.padL
			for iy := max(y0, 0); iy < min(y0+s.fh, s.h); iy++ {
				for ix := max(x0, 0); ix < min(x0+s.fw, s.w); ix++ {
					x := in[(iy*s.w+ix)*s.c : (iy*s.w+ix+1)*s.c]
					for i, v := range x {
						acc[i] += int32(v) - off
					}
					count++
				}
			}
			if s.countPad {
				// A padded tap is a real zero: the zero point in the stored domain.
				pad := int32(s.fh*s.fw) - count
				for i := range acc {
					acc[i] += pad * (s.in.zp - off)
				}
				count += pad
			}
			dst := out[(oy*s.ow+ox)*s.c : (oy*s.ow+ox+1)*s.c]
			for i, a := range acc {
				v := divRound(a, count) + off
				dst[i] = uint8(min(max(v, s.lo), s.hi))
			}
		}
	}
}

// runMax takes the largest stored value of each window; storing int8 with 128
// added keeps the order, and the input and output share their quantization.
func (s *avgPoolStep) runMax(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	for oy := 0; oy < s.oh; oy++ {
		for ox := 0; ox < s.ow; ox++ {
			dst := out[(oy*s.ow+ox)*s.c : (oy*s.ow+ox+1)*s.c]
			clear(dst)
			y0, x0 := oy*s.sh-s.padT, ox*s.sw-s.padL
			for iy := max(y0, 0); iy < min(y0+s.fh, s.h); iy++ {
				for ix := max(x0, 0); ix < min(x0+s.fw, s.w); ix++ {
					x := in[(iy*s.w+ix)*s.c : (iy*s.w+ix+1)*s.c]
					for i, v := range x {
						dst[i] = max(dst[i], v)
					}
				}
			}
			for i, v := range dst {
				dst[i] = uint8(min(max(int32(v), s.lo), s.hi))
			}
		}
	}
}

// meanStep is MEAN over the height and width of an NHWC tensor.
//
// TFLite's reference rule: sum(q-zp), rescale by in/out scale with a Q31
// multiplier, divide by the count rounding half away from zero, add the output
// zero point.
//
// XNNPACK's rule (global average pooling): sum(q-zp) times the float32 scale
// in/(out*count), rounded to nearest even, plus the output zero point.
type meanStep struct {
	in, out slot
	hw, c   int
	fp32    bool
	mult    int32
	shift   int
	scale   float32
}

func (c *compiler) buildMean(op Op) (step, error) {
	in, out, err := c.inOut(op, 1, 2)
	if err != nil {
		return nil, err
	}
	axes := op.Params.Axes
	if len(in.shape) != 4 || in.shape[0] != 1 || len(axes) != 2 || !(axes[0] == 1 && axes[1] == 2 || axes[0] == 2 && axes[1] == 1) {
		return nil, errorf("only the mean of an NHWC batch-1 tensor over axes [1 2] is supported, have %v over %v", in.shape, axes)
	}
	ch := in.shape[3]
	if numElements(out.shape) != ch || out.signed != in.signed {
		return nil, errorf("output %v does not hold %d channels of the input's type", out.shape, ch)
	}
	s := &meanStep{in: in, out: out, hw: in.shape[1] * in.shape[2], c: ch, fp32: c.g.Mean == MeanFP32}
	s.mult, s.shift = QuantizeMultiplier(float64(in.scale[0]) / float64(out.scale[0]))
	s.scale = in.scale[0] / (out.scale[0] * float32(s.hw))
	c.maxAcc = max(c.maxAcc, ch)
	return s, nil
}

func (s *meanStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	acc := p.acc[:s.c]
	clear(acc)
	for px := 0; px < s.hw; px++ {
		x := in[px*s.c : (px+1)*s.c]
		for i, v := range x {
			acc[i] += int32(v)
		}
	}
	n := int32(s.hw)
	for i, a := range acc {
		var v int32
		if s.fp32 {
			v = int32(math.RoundToEven(float64(float32(a-n*s.in.zp) * s.scale)))
		} else {
			v = divRound(MultiplyByQuantizedMultiplier(a-n*s.in.zp, s.mult, s.shift), n)
		}
		out[i] = uint8(min(max(v+s.out.zp, 0), s.out.max))
	}
}

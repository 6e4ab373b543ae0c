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

// avgPoolStep is AVERAGE_POOL_2D (with max set, MAX_POOL_2D), run by
// the program's kernel set's AvgPool or MaxPool when set.
type avgPoolStep struct {
	in, out slot
	a       PoolArgs // In and Out are set by run
	max     bool
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
	a := PoolArgs{H: in.shape[1], W: in.shape[2], C: in.shape[3], KH: pr.FilterH, KW: pr.FilterW,
		SH: pr.StrideH, SW: pr.StrideW, CountPad: pr.CountPadding, Offset: storageOffset(in), Zero: in.zp}
	if a.KH <= 0 || a.KW <= 0 || a.SH <= 0 || a.SW <= 0 {
		return nil, errorf("bad filter %dx%d or strides %d,%d", a.KH, a.KW, a.SH, a.SW)
	}
	if a.OH, a.PadT, err = pr.Window(0, a.H, a.KH, a.SH, 1); err != nil {
		return nil, err
	}
	if a.OW, a.PadL, err = pr.Window(1, a.W, a.KW, a.SW, 1); err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, 1, a.OH, a.OW, a.C); err != nil {
		return nil, err
	}
	if a.Lo, a.Hi, err = out.activation(pr.Activation); err != nil {
		return nil, err
	}
	c.maxAcc = max(c.maxAcc, a.C)
	return &avgPoolStep{in: in, out: out, a: a}, nil
}

func (s *avgPoolStep) run(p *Program) {
	a := &s.a
	a.In, a.Out = s.in.data(p), s.out.data(p)
	switch {
	case s.max && p.kernels.MaxPool != nil:
		p.kernels.MaxPool(a)
	case s.max:
		MaxPool(a)
	case p.kernels.AvgPool != nil:
		p.kernels.AvgPool(a)
	default:
		AvgPoolDivRound(a, p.acc)
	}
}

// PoolArgs is a pooling window over an NHWC image with batch 1. Output pixel
// (oy, ox) reduces, channel by channel, the input pixels at row oy*SH-PadT+ky
// and column ox*SW-PadL+kx for ky < KH and kx < KW, skipping those outside the
// image, and clamps the result to [Lo, Hi].
//
// MaxPool takes the largest byte (0 if no tap is inside). AvgPoolDivRound
// divides
//
//	acc = sum_taps (x-Offset) + pad*(Zero-Offset)
//
// by the number of taps inside, rounding half away from zero (divRound), and
// adds Offset back. With CountPad the pad = KH*KW-inside padded taps count as
// the zero point Zero and the divisor is KH*KW; otherwise pad is 0. Offset is
// the storage offset of int8 tensors (128; 0 for uint8).
type PoolArgs struct {
	In                         []uint8
	H, W, C                    int
	Out                        []uint8
	OH, OW                     int
	KH, KW, SH, SW, PadT, PadL int
	Lo, Hi                     int32
	CountPad                   bool
	Offset, Zero               int32
}

// AvgPoolDivRound is the pure-Go AvgPool kernel; acc holds C accumulators.
func AvgPoolDivRound(a *PoolArgs, acc []int32) {
	acc = acc[:a.C]
	for oy := 0; oy < a.OH; oy++ {
		for ox := 0; ox < a.OW; ox++ {
			clear(acc)
			count := int32(0)
			y0, x0 := oy*a.SH-a.PadT, ox*a.SW-a.PadL
			for iy := max(y0, 0); iy < min(y0+a.KH, a.H); iy++ {
				for ix := max(x0, 0); ix < min(x0+a.KW, a.W); ix++ {
					x := a.In[(iy*a.W+ix)*a.C : (iy*a.W+ix+1)*a.C]
					for i, v := range x {
						acc[i] += int32(v) - a.Offset
					}
					count++
				}
			}
			if a.CountPad {
				// A padded tap is a real zero: the zero point in the stored domain.
				pad := int32(a.KH*a.KW) - count
				for i := range acc {
					acc[i] += pad * (a.Zero - a.Offset)
				}
				count += pad
			}
			dst := a.Out[(oy*a.OW+ox)*a.C : (oy*a.OW+ox+1)*a.C]
			for i, v := range acc {
				q := divRound(v, count) + a.Offset
				dst[i] = uint8(min(max(q, a.Lo), a.Hi))
			}
		}
	}
}

// MaxPool is the pure-Go MaxPool kernel: the largest stored value of each
// window. Storing int8 with 128 added keeps the order, and the input and
// output share their quantization.
func MaxPool(a *PoolArgs) {
	for oy := 0; oy < a.OH; oy++ {
		for ox := 0; ox < a.OW; ox++ {
			dst := a.Out[(oy*a.OW+ox)*a.C : (oy*a.OW+ox+1)*a.C]
			clear(dst)
			y0, x0 := oy*a.SH-a.PadT, ox*a.SW-a.PadL
			for iy := max(y0, 0); iy < min(y0+a.KH, a.H); iy++ {
				for ix := max(x0, 0); ix < min(x0+a.KW, a.W); ix++ {
					x := a.In[(iy*a.W+ix)*a.C : (iy*a.W+ix+1)*a.C]
					for i, v := range x {
						dst[i] = max(dst[i], v)
					}
				}
			}
			for i, v := range dst {
				dst[i] = uint8(min(max(int32(v), a.Lo), a.Hi))
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

package quant

// depthwiseStep is DEPTHWISE_CONV_2D with depth multiplier 1. Weights keep
// TFLite's 1HWO layout (as [kh*kw][c], minus their zero point): each filter tap
// is then a contiguous row of channels, the same stride as an NHWC pixel.
type depthwiseStep struct {
	in, out        slot
	h, w, c        int
	oh, ow         int
	kh, kw         int
	sh, sw, dh, dw int
	padT, padL     int
	weights        []int16 // [kh*kw][c]
	bias           []int32
	xzp            int32
	rq             requant
}

func (c *compiler) buildDepthwise(op Op) (step, error) {
	if len(op.Inputs) < 2 || len(op.Outputs) != 1 {
		return nil, errorf("want 2 or 3 inputs and 1 output")
	}
	in, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, err
	}
	out, err := c.activation(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	pr := op.Params
	if pr.DepthMultiplier > 1 {
		return nil, errorf("depth multiplier %d is not supported", pr.DepthMultiplier)
	}
	fshape := c.g.Tensors[op.Inputs[1]].Shape
	if len(in.shape) != 4 || in.shape[0] != 1 || len(fshape) != 4 || fshape[0] != 1 || fshape[3] != in.shape[3] {
		return nil, errorf("input %v and filter %v: want NHWC batch 1 and [1,kh,kw,channels]", in.shape, fshape)
	}
	s := &depthwiseStep{in: in, out: out, h: in.shape[1], w: in.shape[2], c: in.shape[3], kh: fshape[1], kw: fshape[2],
		sh: pr.StrideH, sw: pr.StrideW, dh: max(pr.DilationH, 1), dw: max(pr.DilationW, 1), xzp: in.zp}
	if s.sh <= 0 || s.sw <= 0 {
		return nil, errorf("bad strides %d,%d", s.sh, s.sw)
	}
	if s.oh, s.padT, err = outputSize(pr.Padding, s.h, s.kh, s.sh, s.dh); err != nil {
		return nil, err
	}
	if s.ow, s.padL, err = outputSize(pr.Padding, s.w, s.kw, s.sw, s.dw); err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, 1, s.oh, s.ow, s.c); err != nil {
		return nil, err
	}
	taps := s.kh * s.kw
	cw, err := c.loadConvWeights(op, in, out, s.c, taps, 3, func(kk, o int) int { return kk*s.c + o })
	if err != nil {
		return nil, err
	}
	s.weights, s.bias = cw.w, cw.bias
	lo, hi, err := out.activation(pr.Activation)
	if err != nil {
		return nil, err
	}
	if s.rq, err = newRequant(c.g.Requantize, cw.scale, out.zp, lo, hi); err != nil {
		return nil, err
	}
	c.maxAcc = max(c.maxAcc, s.c)
	return s, nil
}

func (s *depthwiseStep) run(p *Program) {
	in := s.in.data(p)
	out := s.out.data(p)
	acc := p.acc[:s.c]
	for oy := 0; oy < s.oh; oy++ {
		for ox := 0; ox < s.ow; ox++ {
			copy(acc, s.bias)
			for ky := 0; ky < s.kh; ky++ {
				iy := oy*s.sh - s.padT + ky*s.dh
				if iy < 0 || iy >= s.h {
					continue
				}
				for kx := 0; kx < s.kw; kx++ {
					ix := ox*s.sw - s.padL + kx*s.dw
					if ix < 0 || ix >= s.w {
						continue
					}
					x := in[(iy*s.w+ix)*s.c : (iy*s.w+ix+1)*s.c]
					w := s.weights[(ky*s.kw+kx)*s.c : (ky*s.kw+kx+1)*s.c]
					depthwiseTap(acc, x, w, s.xzp)
				}
			}
			pix := (oy*s.ow + ox) * s.c
			s.rq.row(out[pix:pix+s.c], acc)
		}
	}
}

// depthwiseTap adds (x-xzp)*w channel by channel.
func depthwiseTap(acc []int32, x []uint8, w []int16, xzp int32) {
	x = x[:len(acc)]
	w = w[:len(acc)]
	for i := range acc {
		acc[i] += (int32(x[i]) - xzp) * int32(w[i])
	}
}

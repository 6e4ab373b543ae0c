package quant

// depthwiseStep is DEPTHWISE_CONV_2D with depth multiplier 1. Weights are
// stored minus their zero point in blocks of PanelWidth channels: each block
// holds its channels' weights for every tap, in pairs of taps (see depthwiseIndex).
type depthwiseStep struct {
	in, out        slot
	h, w, c        int
	oh, ow         int
	kh, kw         int
	sh, sw, dh, dw int
	padT, padL     int
	rq             requant
	args           DepthwiseArgs // without In and Out
}

func (c *compiler) buildDepthwise(op Op) (step, error) {
	in, out, err := c.inOut(op, 2, 3)
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
		sh: pr.StrideH, sw: pr.StrideW, dh: max(pr.DilationH, 1), dw: max(pr.DilationW, 1)}
	if s.sh <= 0 || s.sw <= 0 {
		return nil, errorf("bad strides %d,%d", s.sh, s.sw)
	}
	if s.oh, s.padT, err = pr.Window(0, s.h, s.kh, s.sh, s.dh); err != nil {
		return nil, err
	}
	if s.ow, s.padL, err = pr.Window(1, s.w, s.kw, s.sw, s.dw); err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, 1, s.oh, s.ow, s.c); err != nil {
		return nil, err
	}
	taps := s.kh * s.kw
	cw, err := c.loadConvWeights(op, in, out, s.c, 3)
	if err != nil {
		return nil, err
	}
	lo, hi, err := out.activation(pr.Activation)
	if err != nil {
		return nil, err
	}
	if s.rq, err = newRequant(c.g.Requantize, cw.scale, out.zp, lo, hi); err != nil {
		return nil, err
	}
	ld := padN(s.c)
	s.args = DepthwiseArgs{H: s.h, W: s.w, C: s.c, OH: s.oh, OW: s.ow, KH: s.kh, KW: s.kw, SH: s.sh, SW: s.sw,
		DH: s.dh, DW: s.dw, PadT: s.padT, PadL: s.padL, Weights: make([]int16, padK(taps)*ld), Bias: make([]int32, ld),
		Scale: make([]float32, ld), XZero: in.zp, Zero: s.rq.zp, Lo: s.rq.lo, Hi: s.rq.hi}
	// The filter is [1][kh][kw][c]: tap t's row holds every channel's weight, and channel ch of a row is
	// lane ch%PanelWidth of block ch/PanelWidth (see depthwiseIndex).
	block := padK(taps) * PanelWidth
	for t := range taps {
		dst := s.args.Weights[depthwiseIndex(taps, t, 0):]
		for ch, b := range cw.q[t*s.c : (t+1)*s.c] {
			dst[ch/PanelWidth*block+ch%PanelWidth*2] = int16(int32(b^cw.flip) - cw.zero[ch])
		}
	}
	copy(s.args.Bias, cw.bias)
	s.args.SetZBias()
	copy(s.args.Scale, s.rq.scale)
	c.maxAcc = max(c.maxAcc, ld)
	return s, nil
}

func (s *depthwiseStep) run(p *Program) {
	a := &s.args
	a.In, a.Out = s.in.data(p), s.out.data(p)
	switch {
	case !s.rq.fp32:
		depthwise(a, p.acc[:s.c], s.rq.row)
	case p.kernels.Depthwise != nil && s.c%PanelWidth == 0:
		p.kernels.Depthwise(a)
	default:
		DepthwiseFP32(a, p.acc)
	}
	a.In, a.Out = nil, nil
}

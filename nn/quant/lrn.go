package quant

import "inceptionweb/nn"

// lrnStep is LOCAL_RESPONSE_NORMALIZATION. Its power of a sum of squares has no
// integer form worth having for the two layers that use it (GoogLeNet's), so it
// dequantizes (a table of the 256 values), runs the float kernel (nn.LRN, with
// Options.Float) and quantizes in float32, rounding half up.
type lrnStep struct {
	in, out slot
	lrn     nn.LRN
	x, y    *nn.Tensor
	real    [256]float32
}

func (c *compiler) buildLRN(op Op) (step, error) {
	in, out, err := c.inOut(op, 1, 1)
	if err != nil {
		return nil, err
	}
	pr := op.Params
	if len(in.shape) != 4 || in.shape[0] != 1 {
		return nil, errorf("input %v: want NHWC with batch 1", in.shape)
	}
	if err := checkShape("output", out.shape, in.shape...); err != nil {
		return nil, err
	}
	if pr.Size < 1 || pr.Size%2 == 0 || pr.Size > 64 || !(pr.Alpha >= 0) || !(pr.Beta >= 0) || !(pr.Bias > 0) {
		return nil, errorf("window %d, alpha %v, beta %v, bias %v: unsupported", pr.Size, pr.Alpha, pr.Beta, pr.Bias)
	}
	h, w, ch := in.shape[1], in.shape[2], in.shape[3]
	s := &lrnStep{in: in, out: out, lrn: nn.LRN{Size: pr.Size, Alpha: pr.Alpha, Beta: pr.Beta, K: pr.Bias, Kernels: &c.p.float},
		x: nn.NewTensor(h, w, ch), y: nn.NewTensor(h, w, ch)}
	for q := range s.real {
		s.real[q] = in.scale[0] * float32(int32(q)-in.zp)
	}
	return s, nil
}

func (s *lrnStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	x := s.x.Data[:len(in)]
	for i, v := range in {
		x[i] = s.real[v]
	}
	s.lrn.Forward(s.x, s.y, 0)
	inv, zp, top := 1/s.out.scale[0], float32(s.out.zp)+0.5, float32(s.out.max)+0.5
	for i, v := range s.y.Data[:len(out)] {
		out[i] = clampByte(v*inv+zp, top)
	}
}

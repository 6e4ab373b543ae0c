package quant

import (
	"math"

	"inceptionweb/nn"
)

// lrnStep is LOCAL_RESPONSE_NORMALIZATION. Its power of a sum of squares has no
// integer form worth having for the two layers that use it (GoogLeNet's), so it
// dequantizes, runs the float kernel (nn.LRN, SIMD where installed) and
// quantizes with round half to even.
type lrnStep struct {
	in, out slot
	lrn     nn.LRN
	x, y    *nn.Tensor
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
	return &lrnStep{in: in, out: out, lrn: nn.LRN{Size: pr.Size, Alpha: pr.Alpha, Beta: pr.Beta, K: pr.Bias},
		x: nn.NewTensor(h, w, ch), y: nn.NewTensor(h, w, ch)}, nil
}

func (s *lrnStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	scale, zp := s.in.scale[0], s.in.zp
	for i, v := range in {
		s.x.Data[i] = scale * float32(int32(v)-zp)
	}
	s.lrn.Forward(s.x, s.y, 0)
	inv := 1 / s.out.scale[0]
	for i, v := range s.y.Data {
		q := int32(math.RoundToEven(float64(v*inv))) + s.out.zp
		out[i] = uint8(min(max(q, 0), s.out.max))
	}
}

package quant

// fcFloatStep is a FULLY_CONNECTED whose output is float32: the int32
// accumulators times input scale times weight scale, with nothing rounded to
// 8 bits. A classifier ends this way, so its logits (and the float softmax the
// caller takes of them) keep their order where 8-bit logits would tie.
type fcFloatStep struct {
	in, out slot
	n, k    int
	w       []int16 // [k][n], weight minus zero point
	bias    []int32 // minus xzp*sum(w)
	scale   []float32
}

func (c *compiler) buildFloatFC(op Op) (step, error) {
	if len(op.Inputs) < 2 || len(op.Inputs) > 3 || len(op.Outputs) != 1 {
		return nil, errorf("want 2 or 3 inputs and 1 output")
	}
	in, err := c.activation(op.Inputs[0])
	if err != nil {
		return nil, err
	}
	out := c.slots[op.Outputs[0]]
	fshape := c.g.Tensors[op.Inputs[1]].Shape
	if len(fshape) != 2 || numElements(in.shape) != fshape[1] || numElements(out.shape) != fshape[0] {
		return nil, errorf("input %v and output %v do not fit filter %v", in.shape, out.shape, fshape)
	}
	n, k := fshape[0], fshape[1]
	unit := slot{scale: []float32{1}}
	cw, err := c.loadConvWeights(op, in, unit, n, k, 0, func(kk, o int) int { return o*k + kk })
	if err != nil {
		return nil, err
	}
	s := &fcFloatStep{in: in, out: out, n: n, k: k, w: cw.w, bias: make([]int32, n), scale: make([]float32, n)}
	c.maxAcc = max(c.maxAcc, n)
	for o := range n {
		sum := int32(0)
		for kk := range k {
			sum += int32(cw.w[kk*n+o])
		}
		s.bias[o] = cw.bias[o] - in.zp*sum
		s.scale[o] = float32(cw.scale[o])
	}
	return s, nil
}

func (s *fcFloatStep) run(p *Program) {
	x := s.in.data(p)[:s.k]
	out := s.out.float32s(p)
	acc := p.acc[:s.n]
	copy(acc, s.bias)
	for kk, v := range x {
		w := s.w[kk*s.n : (kk+1)*s.n]
		xv := int32(v)
		for o := range acc {
			acc[o] += xv * int32(w[o])
		}
	}
	for o, a := range acc {
		out[o] = float32(a) * s.scale[o]
	}
}

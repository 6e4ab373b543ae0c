package quant

// fcFloatStep is a FULLY_CONNECTED whose output is float32: the int32
// accumulators times input scale times weight scale, with nothing rounded to
// 8 bits. A classifier ends this way, so its logits (and the float softmax the
// caller takes of them) keep their order where 8-bit logits would tie.
type fcFloatStep struct {
	in, out slot
	n, k    int
	w       []int16 // [n][k], weight minus zero point
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
	cw, err := c.loadConvWeights(op, in, unit, n, 0)
	if err != nil {
		return nil, err
	}
	s := &fcFloatStep{in: in, out: out, n: n, k: k, w: make([]int16, n*k), bias: make([]int32, n), scale: make([]float32, n)}
	for o := range n {
		// The filter is [out][in]: channel o's weights are row o, kept in that order.
		w, sum := s.w[o*k:(o+1)*k], int32(0)
		for kk, b := range cw.q[o*k : (o+1)*k] {
			v := int32(b^cw.flip) - cw.zero[o]
			w[kk] = int16(v)
			sum += v
		}
		s.bias[o] = cw.bias[o] - in.zp*sum
		s.scale[o] = float32(cw.scale[o])
	}
	return s, nil
}

func (s *fcFloatStep) run(p *Program) {
	x := s.in.data(p)[:s.k]
	out := s.out.float32s(p)
	for o := range s.n {
		acc := s.bias[o]
		for kk, v := range s.w[o*s.k : (o+1)*s.k] {
			acc += int32(x[kk]) * int32(v)
		}
		out[o] = float32(acc) * s.scale[o]
	}
}

package quant

// rowBlock is how many output pixels one GEMM call covers: enough rows to
// amortise a weight panel, few enough that their accumulators stay in cache.
const rowBlock = 32

// colsBytes bounds the im2col rows made at a time (at least rowBlock rows):
// fewer, larger GEMM calls, with the rows still in cache.
const colsBytes = 32 << 10

// colsRows is how many im2col rows of kp bytes are made at a time.
func colsRows(kp int) int { return max(rowBlock, colsBytes/kp) }

// convStep is CONV_2D (and FULLY_CONNECTED, a 1x1 convolution over rows).
type convStep struct {
	in, out        slot
	h, w, c        int // input
	oh, ow, n      int // output
	kh, kw         int
	sh, sw, dh, dw int
	padT, padL     int
	k              int  // kh*kw*c
	pointwise      bool // 1x1, stride 1, even c: the input rows are the GEMM's left matrix
	xzp            uint8
	rq             requant
	// args holds the weights minus their zero point in panels, the bias
	// minus xzp*sum(w) and the requantization; In and Out are set per call.
	args GemmArgs
	// dot, when set, holds the weights as int8 panels for GemmDot instead
	// (args.Panels is nil).
	dot *GemmDotArgs
}

func checkShape(what string, got []int, want ...int) error {
	if len(got) != len(want) {
		return errorf("%s has shape %v, want %v", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			return errorf("%s has shape %v, want %v", what, got, want)
		}
	}
	return nil
}

// convWeights is the filter of a convolution-like op as the file stores it, read in place (packing copies
// what a step keeps), with its bias and the real per-channel output multipliers. A weight minus its zero
// point is int32(q^flip) - zero[o]: int8 bytes are read as uint8 plus 128, as the arena stores int8
// activations, so both types take the same loops.
type convWeights struct {
	q     []byte  // [out][k] (OHWI, or FULLY_CONNECTED's [out][in]); DEPTHWISE_CONV_2D's [1][kh][kw][out] is [k][out]
	flip  byte    // 0x80 for int8 weights, else 0
	zero  []int32 // per output channel, in the flipped domain
	bias  []int32
	scale []float64
}

// packRows packs the k weights of each of n channels into zero-padded panels of width channels and kpad
// rows, walking the file's bytes in order, a channel at a time: channel o's place starts lane*(o%width)
// into panel o/width, and put writes the channel's weights minus its zero point there and returns their sum.
func packRows[T int8 | int16](cw *convWeights, k, n, width, kpad, lane int,
	put func(dst []T, row []byte, flip byte, zero int32) int32) (packed []T, sums []int32) {
	packed = make([]T, (n+width-1)/width*width*kpad)
	sums = make([]int32, n)
	for o := range n {
		dst := packed[o/width*width*kpad+o%width*lane:]
		sums[o] = put(dst, cw.q[o*k:(o+1)*k], cw.flip, cw.zero[o])
	}
	return packed, sums
}

// loadConvWeights loads filter and bias of a convolution-like op whose filter has n output channels along axis.
func (c *compiler) loadConvWeights(op Op, in, out slot, n, axis int) (convWeights, error) {
	ft, fdata, err := c.constant(op.Inputs[1])
	if err != nil {
		return convWeights{}, err
	}
	if ft.Type != Uint8 && ft.Type != Int8 {
		return convWeights{}, errorf("filter %q: type %s, want uint8 or int8", ft.Name, ft.Type)
	}
	if len(ft.Scale) != 1 && len(ft.Scale) != n || (len(ft.Scale) > 1 && ft.Axis != axis) {
		return convWeights{}, errorf("filter %q: %d scales along axis %d, want 1 or %d along %d", ft.Name, len(ft.Scale), ft.Axis, n, axis)
	}
	perChannel := func(v []float32, o int) float32 {
		if len(v) == 1 {
			return v[0]
		}
		return v[o]
	}
	cw := convWeights{q: fdata, zero: make([]int32, n), bias: make([]int32, n), scale: make([]float64, n)}
	if ft.Type == Int8 {
		cw.flip = 0x80
	}
	for o := 0; o < n; o++ {
		cw.zero[o] = ft.ZeroPoint[0]
		if len(ft.ZeroPoint) > 1 {
			cw.zero[o] = ft.ZeroPoint[o]
		}
		cw.zero[o] += int32(cw.flip)
		// input_scale * filter_scale / output_scale: TFLite computes it in
		// double, XNNPACK in float32, and the last bit matters.
		if c.g.Requantize == RequantizeFP32 {
			cw.scale[o] = float64(in.scale[0] * perChannel(ft.Scale, o) / out.scale[0])
		} else {
			cw.scale[o] = float64(in.scale[0]) * float64(perChannel(ft.Scale, o)) / float64(out.scale[0])
		}
	}
	if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
		bt, bdata, err := c.constant(op.Inputs[2])
		if err != nil {
			return convWeights{}, err
		}
		if bt.Type != Int32 || numElements(bt.Shape) != n {
			return convWeights{}, errorf("bias %q: %s %v, want int32 [%d]", bt.Name, bt.Type, bt.Shape, n)
		}
		cw.bias = int32s(bdata)
	}
	return cw, nil
}

func (c *compiler) buildConv(op Op, fullyConnected bool) (step, error) {
	in, out, err := c.inOut(op, 2, 3)
	if err != nil {
		return nil, err
	}
	fshape := c.g.Tensors[op.Inputs[1]].Shape
	s := &convStep{in: in, out: out}
	pr := op.Params
	if fullyConnected {
		if len(fshape) != 2 {
			return nil, errorf("filter shape %v, want [out, in]", fshape)
		}
		s.n, s.c = fshape[0], fshape[1]
		rows := numElements(in.shape) / s.c
		if rows*s.c != numElements(in.shape) || numElements(out.shape) != rows*s.n {
			return nil, errorf("input %v and output %v do not fit filter %v", in.shape, out.shape, fshape)
		}
		s.h, s.w, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw = 1, rows, 1, rows, 1, 1, 1, 1, 1, 1
	} else {
		if len(in.shape) != 4 || in.shape[0] != 1 || len(fshape) != 4 {
			return nil, errorf("input %v and filter %v: want NHWC with batch 1 and OHWI", in.shape, fshape)
		}
		s.h, s.w, s.c = in.shape[1], in.shape[2], in.shape[3]
		s.n, s.kh, s.kw = fshape[0], fshape[1], fshape[2]
		if fshape[3] != s.c {
			return nil, errorf("filter %v does not match %d input channels", fshape, s.c)
		}
		s.sh, s.sw, s.dh, s.dw = pr.StrideH, pr.StrideW, max(pr.DilationH, 1), max(pr.DilationW, 1)
		if s.sh <= 0 || s.sw <= 0 {
			return nil, errorf("bad strides %d,%d", s.sh, s.sw)
		}
		if s.oh, s.padT, err = pr.Window(0, s.h, s.kh, s.sh, s.dh); err != nil {
			return nil, err
		}
		if s.ow, s.padL, err = pr.Window(1, s.w, s.kw, s.sw, s.dw); err != nil {
			return nil, err
		}
		if err := checkShape("output", out.shape, 1, s.oh, s.ow, s.n); err != nil {
			return nil, err
		}
	}
	s.k = s.kh * s.kw * s.c
	cw, err := c.loadConvWeights(op, in, out, s.n, 0)
	if err != nil {
		return nil, err
	}
	s.xzp = uint8(in.zp)
	kp, ld := padK(s.k), padN(s.n)
	s.pointwise = s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && kp == s.k
	lo, hi, err := out.activation(pr.Activation)
	if err != nil {
		return nil, err
	}
	if s.rq, err = newRequant(c.g.Requantize, cw.scale, out.zp, lo, hi); err != nil {
		return nil, err
	}
	// int8 panels where the kernel set runs them on this input, else int16 ones.
	var dot []int8
	var panels []int16
	var sums, xsumMult []int32
	if s.rq.fp32 && useDot(c.p.kernels, in) {
		dot, sums, xsumMult = packDot(&cw, s.k, s.n, kp)
	}
	if dot == nil {
		panels, sums = packPanels(&cw, s.k, s.n)
	}
	// sum (x-xzp)*w = sum x*w - xzp*sum w: fold the input zero point into the bias.
	// Padding is filled with xzp so that it contributes nothing.
	bias := make([]int32, ld)
	for o := range s.n {
		bias[o] = cw.bias[o] - in.zp*sums[o]
	}
	s.args = GemmArgs{OutStride: s.n, K: kp, N: s.n, Panels: panels, Bias: bias,
		Scale: make([]float32, ld), Zero: s.rq.zp, Lo: lo, Hi: hi}
	copy(s.args.Scale, s.rq.scale)
	if dot != nil {
		s.dot = newGemmDot(&s.args, dot, xsumMult)
		c.maxAcc = max(c.maxAcc, rowBlock*len(s.dot.Bias))
	}
	c.maxAcc = max(c.maxAcc, rowBlock*ld)
	if !s.pointwise {
		c.maxCols = max(c.maxCols, colsRows(kp)*kp)
	}
	return s, nil
}

func (s *convStep) run(p *Program) {
	in := s.in.data(p)
	out := s.out.data(p)
	a := &s.args
	pixels := s.oh * s.ow
	if s.pointwise {
		a.X, a.Rows, a.Out = in, pixels, out
		s.gemm(p)
	} else {
		block := colsRows(a.K)
		for r0 := 0; r0 < pixels; r0 += block {
			rows := min(block, pixels-r0)
			cols := p.cols[:rows*a.K]
			s.im2col(cols, in, r0, rows)
			a.X, a.Rows, a.Out = cols, rows, out[r0*s.n:]
			s.gemm(p)
		}
	}
	a.X, a.Out = nil, nil
}

// gemm runs s.args through the kernel set, or the pure-Go loops.
func (s *convStep) gemm(p *Program) {
	a := &s.args
	switch {
	case s.dot != nil:
		s.gemmDot(p)
	case !s.rq.fp32:
		ld := len(a.Bias)
		for r0 := 0; r0 < a.Rows; r0 += rowBlock {
			rows := min(rowBlock, a.Rows-r0)
			acc := p.acc[:rows*ld]
			gemmPanels(acc, a.X[r0*a.K:], rows, a.K, a.Panels, a.Bias)
			for r := 0; r < rows; r++ {
				s.rq.row(a.Out[(r0+r)*s.n:(r0+r+1)*s.n], acc[r*ld:])
			}
		}
	case p.kernels.Gemm != nil:
		p.kernels.Gemm(a)
	default:
		GemmFP32(a, p.acc)
	}
}

// im2col writes the receptive fields of output pixels r0..r0+rows-1, one row
// of kh*kw*c bytes each (and a zero to make the length even), with the input
// zero point for padding.
func (s *convStep) im2col(cols, in []byte, r0, rows int) {
	kp := padK(s.k)
	span := s.kw * s.c // one filter row
	for r := 0; r < rows; r++ {
		oy, ox := (r0+r)/s.ow, (r0+r)%s.ow
		row := cols[r*kp : (r+1)*kp]
		row[kp-1] = 0
		ix0 := ox*s.sw - s.padL
		for ky := 0; ky < s.kh; ky++ {
			iy := oy*s.sh - s.padT + ky*s.dh
			dst := row[ky*span : (ky+1)*span]
			switch {
			case iy < 0 || iy >= s.h:
				for i := range dst {
					dst[i] = s.xzp
				}
			case s.dw == 1 && ix0 >= 0 && ix0+s.kw <= s.w:
				// The filter row's inputs are adjacent pixels: one copy.
				copy(dst, in[(iy*s.w+ix0)*s.c:])
			default:
				for kx := 0; kx < s.kw; kx++ {
					ix := ix0 + kx*s.dw
					d := dst[kx*s.c : (kx+1)*s.c]
					if ix < 0 || ix >= s.w {
						for i := range d {
							d[i] = s.xzp
						}
						continue
					}
					copy(d, in[(iy*s.w+ix)*s.c:])
				}
			}
		}
	}
}

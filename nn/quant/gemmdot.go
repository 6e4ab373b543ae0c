package quant

// A convolution whose inputs fit in 7 bits (a ReLU output declared Bits 7), or
// any 8-bit input where the engine takes it (GemmDotUnsigned), keeps its
// weights as int8 (minus their zero point, or minus 128 with a correction by
// the inputs' sum, see packDot), packed for relaxed SIMD's i32x4.relaxed_dot_i8x16_i7x16_add_s: sixteen
// int8 x 7-bit products summed four at a time into four int32 lanes, exact on
// every engine when the 7-bit operand's top bit is clear. The sums are the
// same exact int32 sums as the int16 panels', so the outputs are identical.
//
// The layout is XNNPACK's "c4": panels of DotPanelWidth output channels; in a
// panel, for each group of four consecutive reduction indices 4g..4g+3, the
// group's four weights of channel 0, then of channel 1, and so on. One 16-byte
// vector of a panel is thus four channels' weights for one group, and a row's
// four inputs of that group, broadcast, meet them in one instruction. The
// reduction is padded to whole groups with zero weights.

// DotPanelWidth is the number of output channels in one int8 weight panel
// (the SIMD kernel's register tile width).
const DotPanelWidth = 8

// padK4 rounds a reduction length up to whole groups of four.
func padK4(k int) int { return (k + 3) &^ 3 }

// padDotN rounds a channel count up to whole int8 panels.
func padDotN(n int) int { return (n + DotPanelWidth - 1) / DotPanelWidth * DotPanelWidth }

// fitsInt8 reports whether every weight of n channels of k (the filter's rows) minus its zero point fits in
// int8. A zero point of 128 in the flipped domain (int8's 0, uint8's 128) holds every byte; others need a look,
// which stops at the first weight that does not fit.
func fitsInt8(cw *convWeights, k, n int) bool {
	for o := range n {
		if cw.zero[o] != 128 && !rowFitsInt8(cw.q[o*k:(o+1)*k], cw.flip, cw.zero[o]) {
			return false
		}
	}
	return true
}

func rowFitsInt8(row []byte, flip byte, zero int32) bool {
	for _, b := range row {
		if v := int32(b^flip) - zero; v < -128 || v > 127 {
			return false
		}
	}
	return true
}

// packDot packs the k weights of each of n channels (the filter's rows minus their zero points) into
// zero-padded int8 panels for rows of kx >= k inputs, and returns each channel's sum of weights. Weights that
// do not all fit in int8 minus their zero point (uint8 filters with a zero point far from 128) are packed
// minus 128 instead, which always fits, and xsumMult is set: sum x*(w-zero) = sum x*(w-128) + (128-zero)*sum x,
// so the kernel adds xsumMult[o] times the row's input sum (gemmlowp's and XNNPACK's zero-point terms).
func packDot(cw *convWeights, k, n, kx int) (packed []int8, sums, xsumMult []int32) {
	if fitsInt8(cw, k, n) {
		packed, sums = packRows(cw, k, n, DotPanelWidth, padK4(kx), 4, dotRow)
		return packed, sums, nil
	}
	shifted := *cw
	shifted.zero = make([]int32, n)
	for o := range shifted.zero {
		shifted.zero[o] = 128
	}
	packed, sums = packRows(&shifted, k, n, DotPanelWidth, padK4(kx), 4, dotRow)
	xsumMult = make([]int32, padDotN(n))
	for o := range n {
		xsumMult[o] = 128 - cw.zero[o]
		sums[o] += int32(k) * xsumMult[o] // the sum of the weights minus their own zero point
	}
	return packed, sums, xsumMult
}

// dotRow writes one channel's weights, int8(int32(row^flip) - zero), into its place in an int8 panel, which
// starts at dst: the group of four kk..kk+3 (kk a multiple of 4) is kk*DotPanelWidth further on. It returns
// their sum. (A function per row, as panelRow.)
func dotRow(dst []int8, row []byte, flip byte, zero int32) int32 {
	sum := int32(0)
	kk := 0
	for ; kk+4 <= len(row); kk += 4 {
		g := (*[4]byte)(row[kk:])
		v0, v1, v2, v3 := int32(g[0]^flip)-zero, int32(g[1]^flip)-zero, int32(g[2]^flip)-zero, int32(g[3]^flip)-zero
		d := (*[4]int8)(dst[kk*DotPanelWidth:])
		d[0], d[1], d[2], d[3] = int8(v0), int8(v1), int8(v2), int8(v3)
		sum += v0 + v1 + v2 + v3
	}
	for i, b := range row[kk:] { // the last 1-3 weights, in a group padded with zeros
		v := int32(b^flip) - zero
		dst[kk*DotPanelWidth+i] = int8(v)
		sum += v
	}
	return sum
}

// GemmDotArgs is GemmArgs for int8 weights (inputs in [0, 127] unless the
// kernel set says GemmDotUnsigned):
//
//	Out[p*OutStride+o] = clamp(roundEven(float32(Bias[o] + XSumMult[o]*sum_kk X[p*K+kk] + sum_kk X[p*K+kk]*w[kk][o]) * Scale[o]) + Zero, Lo, Hi)
//
// for p < Rows and o < N, where w[kk][o] is the weight in Weights (see
// packDot) and the XSumMult term is there only when XSumMult is not nil.
// K may be any length; the result is the exact int32 sum.
type GemmDotArgs struct {
	Out       []uint8
	OutStride int
	X         []uint8 // Rows rows of K inputs
	Rows, K   int
	N         int
	Weights   []int8    // padDotN(N)*padK4(K) weights
	Bias      []int32   // padDotN(N)
	Scale     []float32 // padDotN(N)
	XSumMult  []int32   // padDotN(N), or nil
	Zero      int32
	Lo, Hi    int32
}

// GemmDotFP32 is the pure-Go GemmDot kernel; acc holds rowBlock*len(a.Bias)
// accumulators.
func GemmDotFP32(a *GemmDotArgs, acc []int32) {
	ld := len(a.Bias)
	for r0 := 0; r0 < a.Rows; r0 += rowBlock {
		rows := min(rowBlock, a.Rows-r0)
		gemmDotPanels(acc[:rows*ld], a.X[r0*a.K:], rows, a.K, a.Weights, a.Bias)
		for r := 0; r < rows; r++ {
			if a.XSumMult != nil {
				addXSum(acc[r*ld:(r+1)*ld], a.X[(r0+r)*a.K:(r0+r+1)*a.K], a.XSumMult)
			}
			o := (r0 + r) * a.OutStride
			requantFP32(a.Out[o:o+a.N], acc[r*ld:], a.Scale, a.Zero, a.Lo, a.Hi)
		}
	}
}

// addXSum adds mult[o] times the sum of the row's inputs to each acc[o].
func addXSum(acc []int32, row []uint8, mult []int32) {
	sum := int32(0)
	for _, x := range row {
		sum += int32(x)
	}
	mult = mult[:len(acc)]
	for o := range acc {
		acc[o] += sum * mult[o]
	}
}

// gemmDotPanels computes acc[p*ldAcc+o] = bias[o] + sum_kk x[p*k+kk]*w[kk][o]
// for p < rows and o < ldAcc = len(bias), a whole number of int8 panels, with
// 2 rows x 4 channels at a time.
func gemmDotPanels(acc []int32, x []uint8, rows, k int, weights []int8, bias []int32) {
	ld := len(bias)
	k4 := padK4(k)
	full := k &^ 3
	for o := 0; o < ld; o += 4 {
		// Channels o..o+3: 16 bytes per group, 4*DotPanelWidth bytes apart.
		wp := weights[o/DotPanelWidth*DotPanelWidth*k4+o%DotPanelWidth*4:]
		b := bias[o : o+4 : o+4]
		for p := 0; p < rows; p += 2 {
			x0 := x[p*k : p*k+k]
			x1 := x0 // a lone last row is computed twice and stored once
			if p+1 < rows {
				x1 = x[(p+1)*k : (p+1)*k+k]
			}
			a00, a01, a02, a03 := b[0], b[1], b[2], b[3]
			a10, a11, a12, a13 := b[0], b[1], b[2], b[3]
			for i := 0; i < full; i += 4 {
				w := wp[i*DotPanelWidth : i*DotPanelWidth+16 : i*DotPanelWidth+16]
				u := x0[i : i+4 : i+4]
				v := x1[i : i+4 : i+4]
				u0, u1, u2, u3 := int32(u[0]), int32(u[1]), int32(u[2]), int32(u[3])
				v0, v1, v2, v3 := int32(v[0]), int32(v[1]), int32(v[2]), int32(v[3])
				a00 += u0*int32(w[0]) + u1*int32(w[1]) + u2*int32(w[2]) + u3*int32(w[3])
				a01 += u0*int32(w[4]) + u1*int32(w[5]) + u2*int32(w[6]) + u3*int32(w[7])
				a02 += u0*int32(w[8]) + u1*int32(w[9]) + u2*int32(w[10]) + u3*int32(w[11])
				a03 += u0*int32(w[12]) + u1*int32(w[13]) + u2*int32(w[14]) + u3*int32(w[15])
				a10 += v0*int32(w[0]) + v1*int32(w[1]) + v2*int32(w[2]) + v3*int32(w[3])
				a11 += v0*int32(w[4]) + v1*int32(w[5]) + v2*int32(w[6]) + v3*int32(w[7])
				a12 += v0*int32(w[8]) + v1*int32(w[9]) + v2*int32(w[10]) + v3*int32(w[11])
				a13 += v0*int32(w[12]) + v1*int32(w[13]) + v2*int32(w[14]) + v3*int32(w[15])
			}
			for i := full; i < k; i++ { // the last 1-3 inputs
				w := wp[full*DotPanelWidth+i-full:]
				u, v := int32(x0[i]), int32(x1[i])
				a00 += u * int32(w[0])
				a01 += u * int32(w[4])
				a02 += u * int32(w[8])
				a03 += u * int32(w[12])
				a10 += v * int32(w[0])
				a11 += v * int32(w[4])
				a12 += v * int32(w[8])
				a13 += v * int32(w[12])
			}
			r0 := acc[p*ld+o : p*ld+o+4 : p*ld+o+4]
			r0[0], r0[1], r0[2], r0[3] = a00, a01, a02, a03
			if p+1 < rows {
				r1 := acc[(p+1)*ld+o : (p+1)*ld+o+4 : (p+1)*ld+o+4]
				r1[0], r1[1], r1[2], r1[3] = a10, a11, a12, a13
			}
		}
	}
}

// useDot reports whether a convolution over input in that requantizes with the fp32 rule keeps int8 panels
// for GemmDot: the kernel set is the pure-Go one, or runs GemmDot exactly on this input (below 128, or any with GemmDotUnsigned).
func useDot(k KernelSet, in slot) bool {
	if k.Gemm == nil {
		return true // pure Go: exact for any input
	}
	return k.GemmDot != nil && (in.max <= 127 || k.GemmDotUnsigned)
}

// newGemmDot is the GemmDot call of a's convolution over the int8 panels weights (see packDot), with a's bias,
// scales and output parameters padded to whole int8 panels.
func newGemmDot(a *GemmArgs, weights []int8, xsumMult []int32) *GemmDotArgs {
	ld := padDotN(a.N)
	d := &GemmDotArgs{OutStride: a.OutStride, K: a.K, N: a.N, Weights: weights, XSumMult: xsumMult,
		Bias: make([]int32, ld), Scale: make([]float32, ld), Zero: a.Zero, Lo: a.Lo, Hi: a.Hi}
	copy(d.Bias, a.Bias[:a.N])
	copy(d.Scale, a.Scale[:a.N])
	return d
}

// gemmDot runs the call that s.args describes on the int8 panels.
func (s *convStep) gemmDot(p *Program) {
	d := s.dot
	d.X, d.Rows, d.Out = s.args.X, s.args.Rows, s.args.Out
	if p.kernels.GemmDot != nil {
		p.kernels.GemmDot(d)
	} else {
		GemmDotFP32(d, p.acc)
	}
	d.X, d.Out = nil, nil
}

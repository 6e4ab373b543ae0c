package quant

import "math"

// KernelSet holds the hot loops of the integer engine as function values, so
// that a faster implementation (the wasm SIMD module) can replace them. A nil
// function means the pure-Go code.
type KernelSet struct {
	Name string
	// Gemm computes a.Rows rows of a convolution with the fp32 requantization
	// rule, exactly as GemmFP32 does.
	Gemm func(a *GemmArgs)
	// GemmDot computes a.Rows rows of a convolution over int8 weight panels
	// and inputs below 128 (any, with GemmDotUnsigned), exactly as
	// GemmDotFP32 does. Compile packs the weights of such a convolution for it
	// when it is set, and also when Gemm is nil (the pure-Go code runs either
	// packing); otherwise it keeps the int16 panels that Gemm reads.
	GemmDot func(a *GemmDotArgs)
	// GemmDotUnsigned says GemmDot is exact for inputs up to 255 as well: the
	// engine takes the dot product's second operand as unsigned bytes without
	// saturating (x86's AVX-VNNI), so 8-bit activations use it too.
	GemmDotUnsigned bool
	// Depthwise computes a depthwise convolution with the fp32 rule, exactly as
	// DepthwiseFP32 does.
	Depthwise func(a *DepthwiseArgs)
	// Add adds two tensors with XNNPACK's rule, exactly as AddXNNPACKRule does.
	Add func(a *AddArgs)
	// MaxPool is MAX_POOL_2D, exactly as MaxPool does.
	MaxPool func(a *PoolArgs)
	// AvgPool is AVERAGE_POOL_2D, exactly as AvgPoolDivRound does.
	AvgPool func(a *PoolArgs)
	// Quantize is QUANTIZE of the float32 input, exactly as QuantizeFloat does.
	Quantize func(a *QuantizeArgs)
}

// GemmArgs is a block of a convolution as a GEMM over weight panels:
//
//	Out[p*OutStride+o] = clamp(roundEven(float32(Bias[o] + sum_kk X[p*K+kk]*w[kk][o]) * Scale[o]) + Zero, Lo, Hi)
//
// for p < Rows and o < N, where w[kk][o] is the weight in Panels (see
// packPanels) and roundEven rounds half to even. The products and sums are
// exact in int32.
type GemmArgs struct {
	Out       []uint8
	OutStride int
	X         []uint8 // Rows rows of K inputs
	Rows, K   int     // K is even
	N         int
	Panels    []int16   // padN(N)*K weights
	Bias      []int32   // padN(N)
	Scale     []float32 // padN(N)
	Zero      int32
	Lo, Hi    int32
}

// GemmFP32 is the pure-Go Gemm kernel.
func GemmFP32(a *GemmArgs, acc []int32) {
	ld := len(a.Bias)
	for r0 := 0; r0 < a.Rows; r0 += rowBlock {
		rows := min(rowBlock, a.Rows-r0)
		gemmPanels(acc[:rows*ld], a.X[r0*a.K:], rows, a.K, a.Panels, a.Bias)
		for r := 0; r < rows; r++ {
			o := (r0 + r) * a.OutStride
			requantFP32(a.Out[o:o+a.N], acc[r*ld:], a.Scale, a.Zero, a.Lo, a.Hi)
		}
	}
}

// requantFP32 is XNNPACK's fp32 requantization of one row of accumulators.
func requantFP32(out []uint8, acc []int32, scale []float32, zp, lo, hi int32) {
	acc = acc[:len(out)]
	scale = scale[:len(out)]
	for i, a := range acc {
		v := int32(math.RoundToEven(float64(float32(a)*scale[i]))) + zp
		out[i] = uint8(min(max(v, lo), hi))
	}
}

// DepthwiseArgs is a depthwise convolution (depth multiplier 1) of an NHWC
// image with batch 1:
//
//	Out[(oy*OW+ox)*C+c] = clamp(roundEven(float32(Bias[c] + sum_taps (x-XZero)*w) * Scale[c]) + Zero, Lo, Hi)
//
// where the taps of output pixel (oy, ox) are ky < KH, kx < KW at input row
// oy*SH-PadT+ky*DH and column ox*SW-PadL+kx*DW, skipping those outside the
// image, x is the input there and w = Weights[depthwiseIndex(KH*KW, ky*KW+kx, c)].
type DepthwiseArgs struct {
	In                 []uint8
	H, W, C            int
	Out                []uint8
	OH, OW             int
	KH, KW, SH, SW     int
	DH, DW, PadT, PadL int
	Weights            []int16   // padN(C)*padK(KH*KW), see depthwiseIndex
	Bias               []int32   // padN(C)
	Scale              []float32 // padN(C)
	XZero              int32
	// ZBias is Bias minus XZero times the sum of the channel's weights over all
	// taps: a kernel that reads XZero for the taps outside the image can add
	// x*w for every tap and start from ZBias.
	ZBias        []int32 // padN(C)
	Zero, Lo, Hi int32
}

// SetZBias sets a.ZBias from a.Bias, a.Weights and a.XZero.
func (a *DepthwiseArgs) SetZBias() {
	taps := a.KH * a.KW
	a.ZBias = make([]int32, len(a.Bias))
	for ch := range a.C {
		sum := int32(0)
		for t := range taps {
			sum += int32(a.Weights[depthwiseIndex(taps, t, ch)])
		}
		a.ZBias[ch] = a.Bias[ch] - a.XZero*sum
	}
}

// DepthwiseFP32 is the pure-Go Depthwise kernel; acc holds C accumulators.
func DepthwiseFP32(a *DepthwiseArgs, acc []int32) {
	depthwise(a, acc[:a.C], func(out []uint8, acc []int32) { requantFP32(out, acc, a.Scale, a.Zero, a.Lo, a.Hi) })
}

// depthwiseIndex is where channel ch's weight for tap t lives: blocks of
// PanelWidth channels, each a GEMM panel (see packPanels) of the taps, so that
// a SIMD kernel multiplies two taps' inputs and weights in one instruction.
func depthwiseIndex(taps, t, ch int) int { return panelIndex(padK(taps), t, ch) }

// depthwise runs a's loops with the given requantization of a pixel.
func depthwise(a *DepthwiseArgs, acc []int32, rq func(out []uint8, acc []int32)) {
	taps := a.KH * a.KW
	for oy := 0; oy < a.OH; oy++ {
		for ox := 0; ox < a.OW; ox++ {
			copy(acc, a.Bias)
			for ky := 0; ky < a.KH; ky++ {
				iy := oy*a.SH - a.PadT + ky*a.DH
				if iy < 0 || iy >= a.H {
					continue
				}
				for kx := 0; kx < a.KW; kx++ {
					ix := ox*a.SW - a.PadL + kx*a.DW
					if ix < 0 || ix >= a.W {
						continue
					}
					x := a.In[(iy*a.W+ix)*a.C : (iy*a.W+ix+1)*a.C]
					depthwiseTap(acc, x, a.Weights, taps, ky*a.KW+kx, a.XZero)
				}
			}
			pix := (oy*a.OW + ox) * a.C
			rq(a.Out[pix:pix+a.C], acc)
		}
	}
}

// depthwiseTap adds (x-xzp)*w channel by channel for tap t of weights.
func depthwiseTap(acc []int32, x []uint8, weights []int16, taps, t int, xzp int32) {
	x = x[:len(acc)]
	block := padK(taps) * PanelWidth // weights per block of channels
	w := weights[depthwiseIndex(taps, t, 0):]
	c0 := 0
	for ; c0+PanelWidth <= len(acc); c0 += PanelWidth {
		wb := w[c0/PanelWidth*block:]
		wb = wb[:15]
		xb := x[c0 : c0+8 : c0+8]
		ab := acc[c0 : c0+8 : c0+8]
		ab[0] += (int32(xb[0]) - xzp) * int32(wb[0])
		ab[1] += (int32(xb[1]) - xzp) * int32(wb[2])
		ab[2] += (int32(xb[2]) - xzp) * int32(wb[4])
		ab[3] += (int32(xb[3]) - xzp) * int32(wb[6])
		ab[4] += (int32(xb[4]) - xzp) * int32(wb[8])
		ab[5] += (int32(xb[5]) - xzp) * int32(wb[10])
		ab[6] += (int32(xb[6]) - xzp) * int32(wb[12])
		ab[7] += (int32(xb[7]) - xzp) * int32(wb[14])
	}
	for i := c0; i < len(acc); i++ {
		acc[i] += (int32(x[i]) - xzp) * int32(w[c0/PanelWidth*block+2*(i-c0)])
	}
}

// AddArgs is an element-wise ADD with XNNPACK's rule:
//
//	acc = (A[i]-AZero)*AMult + (B[i]-BZero)*BMult
//	Out[i] = clamp((acc + 2^(Shift-1)) >> Shift + Zero, Lo, Hi)
//
// for i < len(Out); A and B are at least as long. The multipliers are below
// 2^21, so acc fits in int32.
type AddArgs struct {
	A, B, Out    []uint8
	AZero, BZero int32
	AMult, BMult int32
	Shift        int
	Zero, Lo, Hi int32
}

// AddXNNPACKRule is the pure-Go Add kernel.
func AddXNNPACKRule(a *AddArgs) {
	x, y := a.A[:len(a.Out)], a.B[:len(a.Out)]
	rounding := int32(1) << (a.Shift - 1)
	for i := range a.Out {
		acc := (int32(x[i])-a.AZero)*a.AMult + (int32(y[i])-a.BZero)*a.BMult
		v := (acc+rounding)>>a.Shift + a.Zero
		a.Out[i] = uint8(min(max(v, a.Lo), a.Hi))
	}
}

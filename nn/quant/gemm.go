package quant

import "math"

// The convolution inner loops are an integer GEMM with int32 accumulation
// followed by a separate requantize step, so that a SIMD kernel can replace
// either one on its own.
//
// Weights are repacked once, at compile time, into panels of panelWidth output
// channels: panel j holds w[kk][4j..4j+3] for kk = 0..k-1 contiguously. The GEMM
// then reads each panel sequentially while a block of input rows stays in cache,
// and 2x4 register tiles fit the 16 general registers Go has on amd64 and wasm.

const panelWidth = 4

// packPanels repacks w (k rows of n columns, row-major) into zero-padded panels.
func packPanels(w []int16, k, n int) []int16 {
	np := (n + panelWidth - 1) / panelWidth
	out := make([]int16, np*k*panelWidth)
	for kk := 0; kk < k; kk++ {
		for o := 0; o < n; o++ {
			out[((o/panelWidth)*k+kk)*panelWidth+o%panelWidth] = w[kk*n+o]
		}
	}
	return out
}

// gemmPanels computes acc[p*ldAcc+o] = bias[o] + sum_kk x[p*xStride+kk]*w[kk][o]
// for p < rows and o < ldAcc, where ldAcc = len(bias) is n rounded up to panelWidth.
func gemmPanels(acc []int32, x []uint8, xStride, rows, k int, panels []int16, bias []int32) {
	ld := len(bias)
	for ob := 0; ob*panelWidth < ld; ob++ {
		wp := panels[ob*k*panelWidth : (ob+1)*k*panelWidth]
		o := ob * panelWidth
		b := bias[o : o+4 : o+4]
		p := 0
		for ; p+1 < rows; p += 2 {
			x0 := x[p*xStride : p*xStride+k]
			x1 := x[(p+1)*xStride : (p+1)*xStride+k]
			x1 = x1[:len(x0)]
			a00, a01, a02, a03 := b[0], b[1], b[2], b[3]
			a10, a11, a12, a13 := b[0], b[1], b[2], b[3]
			for kk, xv := range x0 {
				w := wp[kk*4 : kk*4+4 : kk*4+4]
				v0, v1 := int32(xv), int32(x1[kk])
				w0, w1, w2, w3 := int32(w[0]), int32(w[1]), int32(w[2]), int32(w[3])
				a00 += v0 * w0
				a01 += v0 * w1
				a02 += v0 * w2
				a03 += v0 * w3
				a10 += v1 * w0
				a11 += v1 * w1
				a12 += v1 * w2
				a13 += v1 * w3
			}
			r0 := acc[p*ld+o : p*ld+o+4 : p*ld+o+4]
			r0[0], r0[1], r0[2], r0[3] = a00, a01, a02, a03
			r1 := acc[(p+1)*ld+o : (p+1)*ld+o+4 : (p+1)*ld+o+4]
			r1[0], r1[1], r1[2], r1[3] = a10, a11, a12, a13
		}
		if p < rows {
			x0 := x[p*xStride : p*xStride+k]
			a00, a01, a02, a03 := b[0], b[1], b[2], b[3]
			for kk, xv := range x0 {
				w := wp[kk*4 : kk*4+4 : kk*4+4]
				v0 := int32(xv)
				a00 += v0 * int32(w[0])
				a01 += v0 * int32(w[1])
				a02 += v0 * int32(w[2])
				a03 += v0 * int32(w[3])
			}
			r0 := acc[p*ld+o : p*ld+o+4 : p*ld+o+4]
			r0[0], r0[1], r0[2], r0[3] = a00, a01, a02, a03
		}
	}
}

// requant holds per-channel output rescaling of convolution accumulators, all
// in the stored (uint8) domain. With the gemmlowp rule (TFLite's reference
// kernels) out = clamp(MBQM(acc, mult, shift) + zp, lo, hi); with the fp32 rule
// (XNNPACK, which the TFLite runtime delegates convolutions to)
// out = clamp(roundEven(float32(acc)*scale) + zp, lo, hi).
type requant struct {
	fp32        bool
	scale       []float32
	mult        []int32
	left, right []uint8 // shift split into its left and right parts
	zp, lo, hi  int32
}

func newRequant(rule string, realScale []float64, zp, lo, hi int32) (requant, error) {
	r := requant{mult: make([]int32, len(realScale)), left: make([]uint8, len(realScale)),
		right: make([]uint8, len(realScale)), scale: make([]float32, len(realScale)), zp: zp, lo: lo, hi: hi}
	switch rule {
	case RequantizeGemmlowp:
	case RequantizeFP32:
		r.fp32 = true
	default:
		return r, errorf("unknown requantization rule %q", rule)
	}
	for i, s := range realScale {
		r.scale[i] = float32(s)
		q, shift := QuantizeMultiplier(s)
		r.mult[i] = q
		if shift > 0 {
			r.left[i] = uint8(shift)
		} else {
			r.right[i] = uint8(-shift)
		}
	}
	return r, nil
}

// row requantizes len(out) accumulators of one pixel.
func (r *requant) row(out []uint8, acc []int32) {
	acc = acc[:len(out)]
	mult := r.mult[:len(out)]
	left := r.left[:len(out)]
	right := r.right[:len(out)]
	if r.fp32 {
		scale := r.scale[:len(out)]
		for i, a := range acc {
			v := int32(math.RoundToEven(float64(float32(a)*scale[i]))) + r.zp
			out[i] = uint8(min(max(v, r.lo), r.hi))
		}
		return
	}
	for i, a := range acc {
		v := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(a<<left[i], mult[i]), int(right[i])) + r.zp
		v = min(max(v, r.lo), r.hi)
		out[i] = uint8(v)
	}
}

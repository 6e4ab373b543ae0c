package quant

import "math"

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

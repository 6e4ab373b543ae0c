package quant

import (
	"math"

	"inceptionweb/nn/graph"
)

// This file holds TFLite's integer arithmetic (tensorflow/lite/kernels/internal/common.h,
// quantization_util.cc and gemmlowp's fixedpoint.h), reproduced bit for bit.

// QuantizeMultiplier splits a positive real multiplier m into a Q31 fixed-point
// multiplier and a power-of-two exponent: m ≈ q * 2^(shift-31).
func QuantizeMultiplier(m float64) (q int32, shift int) {
	if m == 0 {
		return 0, 0
	}
	frac, exp := math.Frexp(m)
	fixed := int64(math.Round(frac * (1 << 31)))
	if fixed == 1<<31 {
		fixed /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(fixed), exp
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2*a*b, rounded to nearest.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT divides by 2^exponent, rounding half away from zero.
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(uint32(1)<<exponent - 1)
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exponent
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier computes x * q * 2^(shift-31) with TFLite's double rounding.
func MultiplyByQuantizedMultiplier(x, q int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(1<<left), q), right)
}

// saturatingShiftLeft is gemmlowp's SaturatingRoundingMultiplyByPOT for a positive exponent.
func saturatingShiftLeft(x int32, exponent int) int32 {
	threshold := int32(1)<<(31-exponent) - 1
	switch {
	case x > threshold:
		return math.MaxInt32
	case x < -threshold:
		return math.MinInt32
	}
	return x << exponent
}

// quantizeValue is TFLite's Quantize for a float constant: zp + round(f/scale) in float32.
func quantizeValue(f, scale float32, zp int32) int32 {
	return zp + int32(math.Round(float64(f/scale)))
}

// activationRange is CalculateActivationRangeQuantized: the clamp bounds of a
// fused activation for an output of the given quantization and type range.
func activationRange(act graph.Activation, scale float32, zp, qmin, qmax int32) (int32, int32, error) {
	lo, hi, err := act.Bounds()
	if err != nil {
		return 0, 0, err
	}
	if !math.IsInf(float64(lo), -1) {
		qmin = max(qmin, quantizeValue(lo, scale, zp))
	}
	if !math.IsInf(float64(hi), 1) {
		qmax = min(qmax, quantizeValue(hi, scale, zp))
	}
	return qmin, qmax, nil
}

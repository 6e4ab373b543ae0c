package quant

import (
	"math"
	"math/bits"
)

// softmaxStep is TFLite's quantized SOFTMAX. The output has scale 1/256 and
// the type's lowest value as zero point.
//
// The fixed-point rule (reference_ops::Softmax): input differences from the row
// maximum are scaled to Q5.26, exponentiated with gemmlowp's fixed-point exp,
// summed in Q12.19 and divided by a fixed-point reciprocal.
//
// The table rule (optimized_ops::Softmax): exp(-scale*beta*d) for each
// difference d in 0..255 is a float32 table; the row's float32 sum gives
// probabilities that are scaled by 256 and rounded.
type softmaxStep struct {
	in, out    slot
	rows, cols int
	inputMult  int32
	inputShift int
	diffMin    int32
	table      []float32 // table rule: table[255-d] = exp(-scale*beta*d)
}

const (
	softmaxDiffIntegerBits  = 5
	softmaxAccumIntegerBits = 12
)

func (c *compiler) buildSoftmax(op Op) (step, error) {
	in, out, err := c.inOut(op, 1, 1)
	if err != nil {
		return nil, err
	}
	if err := checkShape("output", out.shape, in.shape...); err != nil {
		return nil, err
	}
	if out.scale[0] != 1.0/256 || out.zp != 0 {
		return nil, errorf("output quantization (scale %v, zero point %d) must be 1/256 and the type's minimum", out.scale[0], out.declaredZP())
	}
	beta := float64(op.Params.Beta)
	if beta == 0 {
		beta = 1
	}
	s := &softmaxStep{in: in, out: out, cols: in.shape[len(in.shape)-1]}
	s.rows = numElements(in.shape) / s.cols
	if c.g.Softmax == SoftmaxTable {
		// PopulateSoftmaxLookupTable.
		s.table = make([]float32, 256)
		scale := -in.scale[0] * float32(beta)
		for d := 0; d < 256; d++ {
			s.table[255-d] = float32(math.Exp(float64(scale * float32(d))))
		}
		return s, nil
	}
	// PreprocessSoftmaxScaling and CalculateInputRadius.
	real := math.Min(beta*float64(in.scale[0])*float64(int64(1)<<(31-softmaxDiffIntegerBits)), float64(int64(1)<<31)-1)
	s.inputMult, s.inputShift = QuantizeMultiplier(real)
	if s.inputShift < 0 {
		return nil, errorf("input scale %v too small for the fixed-point softmax", in.scale[0])
	}
	radius := float64((1<<softmaxDiffIntegerBits)-1) * float64(int64(1)<<(31-softmaxDiffIntegerBits)) / float64(int64(1)<<s.inputShift)
	s.diffMin = -int32(math.Floor(radius))
	return s, nil
}

func (s *softmaxStep) run(p *Program) {
	in, out := s.in.data(p), s.out.data(p)
	if s.table != nil {
		s.runTable(in, out)
		return
	}
	for r := 0; r < s.rows; r++ {
		x := in[r*s.cols : (r+1)*s.cols]
		y := out[r*s.cols : (r+1)*s.cols]
		maxv := uint8(0)
		for _, v := range x {
			maxv = max(maxv, v)
		}
		sum := int32(0) // Q12.19
		for _, v := range x {
			if d := int32(v) - int32(maxv); d >= s.diffMin {
				sum += RoundingDivideByPOT(expOnNegativeValues(s.scaleDiff(d)), softmaxAccumIntegerBits)
			}
		}
		recip, bitsOverUnit := reciprocal(sum, softmaxAccumIntegerBits)
		for i, v := range x {
			d := int32(v) - int32(maxv)
			if d < s.diffMin {
				y[i] = 0
				continue
			}
			e := expOnNegativeValues(s.scaleDiff(d))
			o := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(recip, e), bitsOverUnit+31-8)
			y[i] = uint8(min(max(o, 0), 255))
		}
	}
}

// scaleDiff is MultiplyByQuantizedMultiplierGreaterThanOne: a Q5.26 value.
func (s *softmaxStep) scaleDiff(d int32) int32 {
	return SaturatingRoundingDoublingHighMul(d*(1<<s.inputShift), s.inputMult)
}

// reciprocal is TFLite's GetReciprocal: 1/x for x in Q(integerBits), as a Q0.31
// value and the number of bits x exceeds one by.
func reciprocal(x int32, integerBits int) (int32, int) {
	headroomPlusOne := bits.LeadingZeros32(uint32(x))
	bitsOverUnit := integerBits - headroomPlusOne
	shiftedMinusOne := int32((uint32(x) << headroomPlusOne) - (uint32(1) << 31))
	return oneOverOnePlusX(shiftedMinusOne), bitsOverUnit
}

// oneOverOnePlusX is gemmlowp's one_over_one_plus_x_for_x_in_0_1 (Q0.31 in and out),
// Newton-Raphson in Q2.29.
func oneOverOnePlusX(a int32) int32 {
	sum := int64(a) + math.MaxInt32
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	halfDenominator := int32((sum + sign) / 2)
	const c48over17 = 1515870810
	const cNeg32over17 = -1010580540
	const oneQ2 = 1 << 29
	x := c48over17 + SaturatingRoundingDoublingHighMul(halfDenominator, cNeg32over17)
	for range 3 {
		hx := SaturatingRoundingDoublingHighMul(halfDenominator, x)
		oneMinus := oneQ2 - hx
		x += saturatingShiftLeft(SaturatingRoundingDoublingHighMul(x, oneMinus), 2)
	}
	return saturatingShiftLeft(x, 1)
}

// expOnNegativeValues is gemmlowp's exp_on_negative_values for a Q5.26 input
// a <= 0, giving a Q0.31 result.
func expOnNegativeValues(a int32) int32 {
	const fractionalBits = 31 - softmaxDiffIntegerBits
	const oneQuarter = int32(1) << (fractionalBits - 2)
	const mask = oneQuarter - 1
	aModQuarterMinusQuarter := (a & mask) - oneQuarter
	result := expOnInterval(saturatingShiftLeft(aModQuarterMinusQuarter, softmaxDiffIntegerBits))
	remainder := aModQuarterMinusQuarter - a
	barrel := [...]struct {
		exponent   int
		multiplier int32
	}{{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308}, {2, 39332535}, {3, 720401}, {4, 242}}
	for _, b := range barrel {
		if softmaxDiffIntegerBits > b.exponent && remainder&(1<<(fractionalBits+b.exponent)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, b.multiplier)
		}
	}
	if a == 0 {
		return math.MaxInt32
	}
	return result
}

// expOnInterval is exp_on_interval_between_negative_one_quarter_and_0_excl:
// a Taylor expansion around -1/8, all in Q0.31.
func expOnInterval(a int32) int32 {
	const constantTerm = 1895147668 // exp(-1/8)
	const oneThird = 715827883
	x := a + 1<<28
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4over4 := RoundingDivideByPOT(x4, 2)
	poly := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x4over4+x3, oneThird)+x2, 1)
	return constantTerm + SaturatingRoundingDoublingHighMul(constantTerm, x+poly)
}

// runTable is the table rule. Stored bytes keep the differences of the
// declared values, so the table is indexed the same way for both types.
func (s *softmaxStep) runTable(in, out []byte) {
	for r := 0; r < s.rows; r++ {
		x := in[r*s.cols : (r+1)*s.cols]
		y := out[r*s.cols : (r+1)*s.cols]
		maxv := uint8(0)
		for _, v := range x {
			maxv = max(maxv, v)
		}
		t := s.table[255-int(maxv):]
		sum := float32(0)
		for _, v := range x {
			sum += t[v]
		}
		inv := 1 / (sum * (1.0 / 256))
		for i, v := range x {
			p := t[v] * inv
			var q int32
			if s.out.signed {
				q = int32(math.Round(float64(p))) // std::round, then + zero point -128 (+128 stored)
			} else {
				q = int32(p + 0.5) // QuantizeSoftmaxOutput<uint8_t>: add a half, truncate
			}
			y[i] = uint8(min(max(q, 0), 255))
		}
	}
}

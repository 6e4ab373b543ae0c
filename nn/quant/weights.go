package quant

import "math"

// QuantizeInt8 quantizes a tensor whose first dimension is the output channel, symmetrically per channel:
// q = round(v / scale), clamped to [-127, 127]. Each channel's scale is the one of max|v|/n, n in [16, 254], with
// the least squared error: n = 127 covers the range exactly, a larger n clips rare outliers for finer steps, a
// smaller one lands on the grid of weights that were quantized before (then the result is exact).
func QuantizeInt8(v []float32, outC int) (q []byte, scales []float32) {
	per := len(v) / outC
	q = make([]byte, len(v))
	scales = make([]float32, outC)
	for o := 0; o < outC; o++ {
		row := v[o*per : (o+1)*per]
		var m float32
		for _, x := range row {
			m = max(m, x, -x)
		}
		if m == 0 {
			continue
		}
		scales[o] = bestScale(row, m)
		for i, x := range row {
			q[o*per+i] = byte(int8(quantize(x, scales[o])))
		}
	}
	return q, scales
}

// bestScale searches the scales m/n, n in [16, 254], for the least squared error. Every candidate's error is
// given up once it exceeds the best so far, so the order matters for speed only: every 8th n first, then outwards
// from the best of those (the error is smooth in n), so that a tight bound is known early.
func bestScale(row []float32, m float32) float32 {
	best, bestN, bestErr := m/127, 127, sqErr(row, m/127, math.Inf(1))
	try := func(n int) {
		if n < 16 || n > 254 || n == 127 || bestErr == 0 {
			return
		}
		if e := sqErr(row, m/float32(n), bestErr); e < bestErr || (e == bestErr && n < bestN) {
			best, bestN, bestErr = m/float32(n), n, e
		}
	}
	const step = 8
	for n := 16; n <= 254; n += step {
		try(n)
	}
	centre := bestN
	for d := 1; d <= 254-16; d++ {
		for _, n := range []int{centre - d, centre + d} {
			if (n-16)%step != 0 {
				try(n)
			}
		}
	}
	return best
}

func quantize(x, scale float32) float32 {
	return max(-127, min(127, roundHalfAwayF(x/scale)))
}

// sqErr is the squared error of quantizing row with scale, given up once it exceeds limit.
func sqErr(row []float32, scale float32, limit float64) float64 {
	var e float64
	for _, x := range row {
		d := float64(quantize(x, scale)*scale - x)
		e += d * d
		if e >= limit {
			break
		}
	}
	return e
}

func roundHalfAwayF(x float32) float32 {
	if x < 0 {
		return -float32(int32(-x + 0.5))
	}
	return float32(int32(x + 0.5))
}

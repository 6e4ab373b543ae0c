// Package parity compares the engine's outputs with PyTorch's as the parity fixtures record them (written by
// tools/torchref): for each recorded step its shape, max |x|, sum and evenly spaced samples, and the logits.
package parity

import (
	"math"
	"testing"
)

// Layer is one recorded step output.
type Layer struct {
	Name    string    `json:"name"`
	Shape   []int     `json:"shape"` // NCHW
	MaxAbs  float32   `json:"max_abs"`
	Sum     float64   `json:"sum"`
	Stride  int       `json:"stride"`
	Samples []float32 `json:"samples"` // x at flat NCHW index i*Stride
}

// Tolerance is the largest error allowed, relative to max |torch|.
const Tolerance = 1e-4

// CheckLayer compares x (NCHW, batch 1) with a recorded layer: every sample and max |x| within Tolerance of
// max |torch|, and the sum, which sees every element.
func CheckLayer(t testing.TB, what string, x []float32, l Layer) {
	t.Helper()
	if len(l.Shape) != 4 || len(x) != l.Shape[1]*l.Shape[2]*l.Shape[3] {
		t.Errorf("%s: %d values, torch has shape %v", what, len(x), l.Shape)
		return
	}
	tol := Tolerance * float64(l.MaxAbs)
	var worst, maxAbs, sum float64
	for i, s := range l.Samples {
		worst = max(worst, math.Abs(float64(x[i*l.Stride]-s)))
	}
	for _, v := range x {
		maxAbs = max(maxAbs, math.Abs(float64(v)))
		sum += float64(v)
	}
	if worst > tol || math.Abs(maxAbs-float64(l.MaxAbs)) > tol {
		t.Errorf("%s: max sample error %.3g, max|x| %g vs %g (tolerance %.3g)", what, worst, maxAbs, l.MaxAbs, tol)
	}
	if math.Abs(sum-l.Sum) > tol*float64(len(x))*1e-2+1e-3*math.Abs(l.Sum) {
		t.Errorf("%s: sum %g vs %g", what, sum, l.Sum)
	}
	t.Logf("%-24s max sample error %.2e of max|x| %.4g (%.1e)", what, worst, l.MaxAbs, worst/float64(l.MaxAbs))
}

// CheckLogits compares logits with PyTorch's: max error within Tolerance of max |logit|.
func CheckLogits(t testing.TB, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d logits, torch has %d", what, len(got), len(want))
		return
	}
	var worst, maxAbs float64
	for i, w := range want {
		worst = max(worst, math.Abs(float64(got[i]-w)))
		maxAbs = max(maxAbs, math.Abs(float64(w)))
	}
	if worst > Tolerance*maxAbs {
		t.Errorf("%s: max error %.3g, max|logit| %.3g", what, worst, maxAbs)
	}
	t.Logf("%s: max error %.2e of max|logit| %.3g (%.1e)", what, worst, maxAbs, worst/maxAbs)
}

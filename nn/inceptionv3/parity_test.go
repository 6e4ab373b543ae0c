package inceptionv3

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"inceptionweb/nn"
)

// parity is testdata/parity.json, written by tools/torchref/gen_inception.py from torchvision's own
// inception_v3 filled with the same deterministic weights (see ARCHITECTURE.md).
type parity struct {
	Torch, Torchvision string
	Runs               []struct {
		TransformInput bool      `json:"transform_input"`
		Logits         []float32 `json:"logits"`
		Layers         []struct {
			Name    string    `json:"name"`
			Shape   []int     `json:"shape"`
			MaxAbs  float32   `json:"max_abs"`
			Sum     float64   `json:"sum"`
			SumSq   float64   `json:"sum_sq"`
			Stride  int       `json:"stride"`
			Samples []float32 `json:"samples"`
		} `json:"layers"`
	} `json:"runs"`
}

// TestParityWithPyTorch runs the network on the deterministic weights and input and compares every recorded
// block and the logits with PyTorch: max |Go - torch| <= 1e-4 * max |torch| for each.
func TestParityWithPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var want parity
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if len(want.Runs) != 2 {
		t.Fatalf("parity.json has %d runs, want 2", len(want.Runs))
	}
	input := SyntheticInput()
	for _, run := range want.Runs {
		net, err := New(SyntheticParams{}, Config{TransformInput: run.TransformInput})
		if err != nil {
			t.Fatal(err)
		}
		net.Input().FromNCHW(input)
		got := map[string][]float32{}
		logits := net.Forward(func(name string, x *nn.Tensor) {
			nchw := make([]float32, len(x.Data))
			x.ToNCHW(nchw)
			got[name] = nchw
		})
		for _, l := range run.Layers {
			x, ok := got[l.Name]
			if !ok {
				t.Errorf("transform_input=%v: no block %s", run.TransformInput, l.Name)
				continue
			}
			if len(x) != l.Shape[1]*l.Shape[2]*l.Shape[3] {
				t.Errorf("%s: %d values, torch has shape %v", l.Name, len(x), l.Shape)
				continue
			}
			tol := 1e-4 * float64(l.MaxAbs)
			var worst, maxAbs, sum float64
			for i, s := range l.Samples {
				worst = max(worst, math.Abs(float64(x[i*l.Stride]-s)))
			}
			for _, v := range x {
				maxAbs = max(maxAbs, math.Abs(float64(v)))
				sum += float64(v)
			}
			if worst > tol || math.Abs(maxAbs-float64(l.MaxAbs)) > tol {
				t.Errorf("transform_input=%v %s: max sample error %.3g, max|x| %g vs %g (tolerance %.3g)",
					run.TransformInput, l.Name, worst, maxAbs, l.MaxAbs, tol)
			}
			// The sum checks every element, not just the samples.
			if math.Abs(sum-l.Sum) > tol*float64(len(x))*1e-2+1e-3*math.Abs(l.Sum) {
				t.Errorf("transform_input=%v %s: sum %g vs %g", run.TransformInput, l.Name, sum, l.Sum)
			}
			t.Logf("transform_input=%v %-13s max sample error %.2e of max|x| %.3g", run.TransformInput, l.Name, worst, l.MaxAbs)
		}
		var worst, maxAbs float64
		for i, w := range run.Logits {
			worst = max(worst, math.Abs(float64(logits[i]-w)))
			maxAbs = max(maxAbs, math.Abs(float64(w)))
		}
		if worst > 1e-4*maxAbs {
			t.Errorf("transform_input=%v logits: max error %.3g, max|logit| %.3g", run.TransformInput, worst, maxAbs)
		}
		t.Logf("transform_input=%v logits: max error %.2e of max|logit| %.3g", run.TransformInput, worst, maxAbs)
	}
}

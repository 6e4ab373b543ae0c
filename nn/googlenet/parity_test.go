package googlenet_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"inceptionweb/internal/testmodels"
	"inceptionweb/nn"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/inception"
	"inceptionweb/weights"
)

// parity is testdata/parity.json, written by tools/torchref/googlenet.py: a PyTorch implementation of BVLC
// GoogLeNet with Caffe's semantics, on the mirror's real weights and a deterministic input.
type parity struct {
	Format string `json:"format"`
	Layers []struct {
		Name    string    `json:"name"`
		Shape   []int     `json:"shape"`
		MaxAbs  float32   `json:"max_abs"`
		Sum     float64   `json:"sum"`
		Stride  int       `json:"stride"`
		Samples []float32 `json:"samples"`
	} `json:"layers"`
	Logits []float32 `json:"logits"`
}

func mirrorModel(t *testing.T) *weights.Model {
	m, err := weights.Read("googlenet", testmodels.GoogLeNet(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestParityWithPyTorch runs the network on the real weights and compares every step's output, the pooled
// features and the logits with PyTorch's: max |Go - torch| <= 1e-4 * max |torch| for each.
func TestParityWithPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var want parity
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if want.Format != "googlenet-parity/1" {
		t.Fatalf("format %q", want.Format)
	}
	net, err := googlenet.New(mirrorModel(t), googlenet.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// The input is u*128 for the formula's values u of "input": exact in float32.
	input := inception.Uniform("input", 3*googlenet.InputSize*googlenet.InputSize)
	for i := range input {
		input[i] *= 128
	}
	net.Input().FromNCHW(input)
	got := map[string][]float32{}
	logits := net.Forward(func(name string, x *nn.Tensor) {
		nchw := make([]float32, len(x.Data))
		x.ToNCHW(nchw)
		got[name] = nchw
	})
	got["pool5/7x7_s1"] = net.Features()
	if len(want.Layers) != len(googlenet.Arch.Blocks)+1 {
		t.Errorf("parity.json has %d layers, the network %d steps and the pool", len(want.Layers), len(googlenet.Arch.Blocks))
	}
	for _, l := range want.Layers {
		x, ok := got[l.Name]
		if !ok {
			t.Errorf("no step %s", l.Name)
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
			t.Errorf("%s: max sample error %.3g, max|x| %g vs %g (tolerance %.3g)", l.Name, worst, maxAbs, l.MaxAbs, tol)
		}
		// The sum checks every element, not just the samples.
		if math.Abs(sum-l.Sum) > tol*float64(len(x))*1e-2+1e-3*math.Abs(l.Sum) {
			t.Errorf("%s: sum %g vs %g", l.Name, sum, l.Sum)
		}
		t.Logf("%-16s max sample error %.2e of max|x| %.4g (%.1e)", l.Name, worst, l.MaxAbs, worst/float64(l.MaxAbs))
	}
	var worst, maxAbs float64
	for i, w := range want.Logits {
		worst = max(worst, math.Abs(float64(logits[i]-w)))
		maxAbs = max(maxAbs, math.Abs(float64(w)))
	}
	if worst > 1e-4*maxAbs {
		t.Errorf("logits: max error %.3g, max|logit| %.3g", worst, maxAbs)
	}
	t.Logf("logits: max error %.2e of max|logit| %.3g (%.1e)", worst, maxAbs, worst/maxAbs)
}

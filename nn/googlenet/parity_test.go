package googlenet_test

import (
	"encoding/json"
	"os"
	"testing"

	"inceptionweb/internal/parity"
	"inceptionweb/internal/testmodels"
	"inceptionweb/nn"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/inception"
	"inceptionweb/weights"
)

// parity is testdata/parity.json, written by tools/torchref/googlenet.py: a PyTorch implementation of BVLC
// GoogLeNet with Caffe's semantics, on the mirror's real weights and a deterministic input.
type fixture struct {
	Format string         `json:"format"`
	Layers []parity.Layer `json:"layers"`
	Logits []float32      `json:"logits"`
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
	var want fixture
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
		parity.CheckLayer(t, l.Name, x, l)
	}
	parity.CheckLogits(t, "logits", logits, want.Logits)
}

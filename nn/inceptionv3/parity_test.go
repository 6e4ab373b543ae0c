package inceptionv3

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"inceptionweb/internal/parity"
	"inceptionweb/nn"
)

// parity is testdata/parity.json, written by tools/torchref/gen_inception.py from torchvision's own
// inception_v3 filled with the same deterministic weights (see ARCHITECTURE.md).
type fixture struct {
	Torch, Torchvision string
	Runs               []struct {
		TransformInput bool           `json:"transform_input"`
		Logits         []float32      `json:"logits"`
		Layers         []parity.Layer `json:"layers"`
	} `json:"runs"`
}

// TestParityWithPyTorch runs the network on the deterministic weights and input and compares every recorded
// block and the logits with PyTorch: max |Go - torch| <= 1e-4 * max |torch| for each.
func TestParityWithPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var want fixture
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
			parity.CheckLayer(t, fmt.Sprintf("transform_input=%v %s", run.TransformInput, l.Name), x, l)
		}
		parity.CheckLogits(t, fmt.Sprintf("transform_input=%v logits", run.TransformInput), logits, run.Logits)
	}
}

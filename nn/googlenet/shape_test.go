package googlenet

import (
	"testing"
)

// TestParams checks the table against the mirror's README: 57 convolutions and the classifier, 6,998,552
// parameters, and the work of one forward pass.
func TestParams(t *testing.T) {
	specs := ParamSpecs()
	n := 0
	for _, s := range specs {
		k := 1
		for _, d := range s.Shape {
			k *= d
		}
		n += k
	}
	if len(specs) != 2*58 || n != 6998552 {
		t.Errorf("%d tensors, %d parameters; want 116 and 6998552", len(specs), n)
	}
	t.Logf("%.3f GFLOP per image", float64(Arch.FLOPs())/1e9)
}

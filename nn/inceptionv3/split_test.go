package inceptionv3

import (
	"testing"
)

// TestSplit runs the network as 2 and 3 parts that swap channels after every step, as workers do, and checks
// each part ends with exactly the whole network's logits.
func TestSplit(t *testing.T) {
	whole, err := New(SyntheticParams{}, Config{TransformInput: true})
	if err != nil {
		t.Fatal(err)
	}
	whole.Input().FromNCHW(SyntheticInput())
	want := append([]float32(nil), whole.Forward(nil)...)
	if FLOPs() != 11426432192 {
		t.Errorf("FLOPs = %d", FLOPs())
	}
	for _, parts := range []int{2, 3} {
		nets := make([]*Net, parts)
		for k := range nets {
			if nets[k], err = New(SyntheticParams{}, Config{TransformInput: true, Split: Split{Part: k, Parts: parts}}); err != nil {
				t.Fatal(err)
			}
			nets[k].Input().FromNCHW(SyntheticInput())
		}
		shared := 0
		for i := 0; i < nets[0].Steps(); i++ {
			bufs := make([][]float32, parts)
			for k, n := range nets {
				n.Step(i)
				bufs[k] = make([]float32, n.ShareSize(i, k))
				n.Share(i, bufs[k])
				shared += len(bufs[k])
			}
			for k, n := range nets {
				for from := range nets {
					if from != k {
						n.Receive(i, from, bufs[from])
					}
				}
			}
		}
		for k, n := range nets {
			got := n.Logits()
			for j := range want {
				if got[j] != want[j] {
					t.Fatalf("%d parts, part %d: logit %d = %g, whole network %g", parts, k, j, got[j], want[j])
				}
			}
		}
		t.Logf("%d parts: %d values swapped per image", parts, shared)
	}
}

func TestSplitErrors(t *testing.T) {
	if _, err := New(SyntheticParams{}, Config{Split: Split{Part: 2, Parts: 2}}); err == nil {
		t.Error("part 2 of 2 accepted")
	}
}

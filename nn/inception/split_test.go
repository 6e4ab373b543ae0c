package inception_test

import (
	"math"
	"strings"
	"testing"

	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
)

// uniformParams are deterministic weights for any network: He-scaled uniform convolutions, small biases.
type uniformParams struct{}

func (uniformParams) Has(name string) bool { return !strings.Contains(name, ".bn.") }

func (uniformParams) Float32(name string, shape []int) ([]float32, error) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	u := inception.Uniform(name, n)
	s := float32(0.01)
	if len(shape) > 1 {
		s = float32(math.Sqrt(6 / float64(n/shape[0])))
	}
	for i := range u {
		u[i] *= s
	}
	return u, nil
}

// TestSplit runs each network as 2 and 3 parts that swap channels after every step, as workers do, and
// checks each part ends with exactly the whole network's logits.
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		arch *inception.Arch
		p    inception.Params
		cfg  inception.Config
	}{
		{inceptionv3.Arch, inceptionv3.SyntheticParams{}, inceptionv3.Config{TransformInput: true}.Inception()},
		{googlenet.Arch, uniformParams{}, googlenet.Config{}},
	} {
		whole, err := inception.New(tc.arch, tc.p, tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		input := inception.Uniform("input", len(whole.Input().Data))
		whole.Input().FromNCHW(input)
		want := append([]float32(nil), whole.Forward(nil)...)
		for _, parts := range []int{2, 3} {
			nets := make([]*inception.Net, parts)
			for k := range nets {
				cfg := tc.cfg
				cfg.Split = inception.Split{Part: k, Parts: parts}
				if nets[k], err = inception.New(tc.arch, tc.p, cfg); err != nil {
					t.Fatal(err)
				}
				nets[k].Input().FromNCHW(input)
			}
			shared := 0
			for i := 0; i < nets[0].Steps(); i++ {
				bufs := make([][]byte, parts)
				for k, n := range nets {
					n.Step(i)
					bufs[k] = make([]byte, n.ShareSize(i, k))
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
						t.Fatalf("%s, %d parts, part %d: logit %d = %g, whole network %g", tc.arch.Name, parts, k, j, got[j], want[j])
					}
				}
			}
			t.Logf("%s, %d parts: %d bytes swapped per image", tc.arch.Name, parts, shared)
		}
	}
	if inceptionv3.FLOPs() != 11426432192 {
		t.Errorf("InceptionV3 FLOPs = %d", inceptionv3.FLOPs())
	}
}

func TestSplitErrors(t *testing.T) {
	if _, err := inceptionv3.New(inceptionv3.SyntheticParams{}, inceptionv3.Config{Split: inceptionv3.Split{Part: 2, Parts: 2}}); err == nil {
		t.Error("part 2 of 2 accepted")
	}
}

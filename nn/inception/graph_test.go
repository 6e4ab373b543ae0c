package inception_test

import (
	"math"
	"runtime"
	"testing"

	"inceptionweb/internal/parity"
	"inceptionweb/nn"
	"inceptionweb/nn/float"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
)

// TestGraph runs each network's operator graph through the float graph executor and checks it gives the
// network's own logits and probabilities.
func TestGraph(t *testing.T) {
	for _, arch := range []*inception.Arch{googlenet.Arch, inceptionv3.Arch} {
		t.Run(arch.Name, func(t *testing.T) {
			if runtime.GOOS == "js" && arch != googlenet.Arch {
				t.Skip("plain Go: natively and GoogLeNet are enough (minutes under Node)")
			}
			net, err := inception.New(arch, uniformParams{}, inception.Config{})
			if err != nil {
				t.Fatal(err)
			}
			g, consts, err := arch.Graph(uniformParams{}, inception.Config{})
			if err != nil {
				t.Fatal(err)
			}
			want, got, probs := runBoth(t, net, g, consts)
			worst, scale := 0.0, 0.0
			for i := range want {
				worst = max(worst, math.Abs(float64(got[i]-want[i])))
				scale = max(scale, math.Abs(float64(want[i])))
			}
			if worst > 1e-5*scale {
				t.Errorf("logits differ by up to %g (largest %g)", worst, scale)
			}
			sum := 0.0
			for _, p := range probs {
				sum += float64(p)
			}
			if math.Abs(sum-1) > 1e-4 {
				t.Errorf("probabilities sum to %g", sum)
			}
			t.Logf("%d operators, logits within %g of %g", len(g.Ops), worst, scale)
		})
	}
}

// TestGraphTransformInput checks InceptionV3's graph with transform_input folded into its first convolution
// against the network that transforms its input.
func TestGraphTransformInput(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("plain Go: natively is enough (minutes under Node)")
	}
	cfg := inceptionv3.Config{TransformInput: true}
	net, err := inceptionv3.New(uniformParams{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g, consts, err := inceptionv3.Graph(uniformParams{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, got, _ := runBoth(t, net, g, consts)
	parity.CheckLogits(t, "transform_input folded", got, want) // within 1e-4 of the largest logit
}

// runBoth runs the network and its graph (float executor) on the same deterministic input: the network's
// logits, the graph's, and the graph's probabilities.
func runBoth(t *testing.T, net *inception.Net, g *graph.Graph, consts map[string][]float32) (want, got, probs []float32) {
	t.Helper()
	prog, err := float.Compile(g, func(name string, shape []int) ([]float32, error) { return consts[name], nil }, nn.KernelSet{})
	if err != nil {
		t.Fatal(err)
	}
	x := inception.Uniform("input", len(net.Input().Data))
	copy(net.Input().Data, x)
	copy(prog.Input().Data, x)
	want = net.Forward(nil)
	probs = prog.Run()
	return want, prog.Logits(), probs
}

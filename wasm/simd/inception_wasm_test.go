//go:build js && wasm

package simd

import (
	"math"
	"math/rand/v2"
	"testing"

	"inceptionweb/internal/randweights"
	"inceptionweb/nn"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
)

func newInception(tb testing.TB, k nn.KernelSet) *inception.Net {
	return newNet(tb, inceptionv3.Arch, k)
}

// newNet builds a network of inception blocks for the kernel set k with random parameters and a random input.
func newNet(tb testing.TB, arch *inception.Arch, k nn.KernelSet) *inception.Net {
	net, err := inception.New(arch, randweights.Params{}, inception.Config{Kernels: k})
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range net.Input().Data {
		net.Input().Data[i] = 2*r.Float32() - 1
	}
	return net
}

func forward(net *inception.Net) []float32 { return append([]float32(nil), net.Forward(nil)...) }

// TestInceptionV3 compares the logits of the whole network with the pure-Go kernels'.
func TestInceptionV3(t *testing.T) {
	if testing.Short() {
		t.Skip("a pure-Go forward pass takes seconds in wasm")
	}
	want := forward(newInception(t, nn.GoKernels))
	net := newInception(t, nn.KernelSet{Conv: Conv})
	variants(t, func(t *testing.T) {
		got := forward(net)
		if err := relErr(got, want); err > 1e-4 || math.IsNaN(err) {
			t.Errorf("logits: relative error %.3g", err)
		} else {
			t.Logf("logits: relative error %.3g", err)
		}
	})
}

// TestGoogLeNet compares GoogLeNet's logits (its 7x7/2 stem, ceil-mode and padded max pooling, LRN) with the
// pure-Go kernels'.
func TestGoogLeNet(t *testing.T) {
	want := forward(newNet(t, googlenet.Arch, nn.GoKernels))
	net := newNet(t, googlenet.Arch, nn.KernelSet{Conv: Conv, Pool: Pool, LRN: LRN})
	variants(t, func(t *testing.T) {
		got := forward(net)
		if err := relErr(got, want); err > 1e-4 || math.IsNaN(err) {
			t.Errorf("logits: relative error %.3g", err)
		} else {
			t.Logf("logits: relative error %.3g", err)
		}
	})
}

// BenchmarkInceptionV3 times a forward pass (94 convolutions, pooling, fc) with each kernel set:
//
//	GOOS=js GOARCH=wasm go test -run - -bench InceptionV3 -benchtime 5x -exec $PWD/wasm/simd/node_exec.sh ./wasm/simd/
func BenchmarkInceptionV3(b *testing.B) {
	const flops = 2 * 5.7132e9 // InceptionV3 at 299x299: 5.7132 G multiply-adds
	run := func(b *testing.B, k nn.KernelSet, convs bool) {
		net := newInception(b, k)
		forward(net) // packs the weights, and lets V8 tier up the kernel
		b.ResetTimer()
		for range b.N {
			forward(net)
		}
		sec := b.Elapsed().Seconds() / float64(b.N)
		b.ReportMetric(sec*1e3, "ms/image")
		if convs {
			b.ReportMetric(float64(flops)/sec/1e9, "GFLOP/s")
		}
	}
	b.Run("go", func(b *testing.B) { run(b, nn.GoKernels, true) })
	// The layers that are not convolutions (pooling, the classifier), still in Go: the time left to win.
	b.Run("no-conv", func(b *testing.B) {
		run(b, nn.KernelSet{Conv: func(*nn.Conv, *nn.Tensor, *nn.Tensor, int) {}}, false)
	})
	k := nn.KernelSet{Conv: Conv}
	for _, v := range []string{"plain", "relaxed"} {
		b.Run(v, func(b *testing.B) {
			useVariant(b, v)
			defer useVariant(b, "relaxed")
			run(b, k, true)
		})
	}
}

// BenchmarkGoogLeNet times a forward pass with the SIMD kernels, and the LRN layers on their own:
//
//	GOOS=js GOARCH=wasm go test -run - -bench GoogLeNet -benchtime 5x -exec $PWD/wasm/simd/node_exec.sh ./wasm/simd/
func BenchmarkGoogLeNet(b *testing.B) {
	b.Run("simd", func(b *testing.B) {
		net := newNet(b, googlenet.Arch, nn.KernelSet{Conv: Conv, Pool: Pool, LRN: LRN})
		forward(net)
		b.ResetTimer()
		for range b.N {
			forward(net)
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/image")
	})
	lrn := googlenet.Arch.LRN
	in1, out1 := nn.NewTensor(56, 56, 64), nn.NewTensor(56, 56, 64)
	in2, out2 := nn.NewTensor(56, 56, 192), nn.NewTensor(56, 56, 192)
	for name, f := range map[string]func(*nn.LRN, *nn.Tensor, *nn.Tensor, int){"lrn-go": nn.GoKernels.LRN, "lrn-simd": LRN} {
		b.Run(name, func(b *testing.B) {
			for range b.N {
				f(&lrn, in1, out1, 0)
				f(&lrn, in2, out2, 0)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/image")
		})
	}
}

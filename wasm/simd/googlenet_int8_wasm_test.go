//go:build js && wasm

package simd

import (
	"math/rand/v2"
	"slices"
	"testing"

	"inceptionweb/internal/randweights"
	"inceptionweb/nn"
	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/quant"
)

// int8GoogLeNet is GoogLeNet's integer graph (random weights, activation ranges calibrated on two random
// inputs, as tools/quantize does) and a third input.
func int8GoogLeNet(tb testing.TB) (*graph.Graph, func(string) ([]byte, error), []float32) {
	g, consts, err := googlenet.Arch.Graph(randweights.Params{}, inception.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	inputs := make([][]float32, 3)
	for i := range inputs {
		inputs[i] = make([]float32, 224*224*3)
		for k := range inputs[i] {
			inputs[i][k] = 240*r.Float32() - 120 // Caffe's input: pixels minus the mean pixel
		}
	}
	ranges, err := calibrate.Observe(g, consts, inputs[:2], nn.KernelSet{Conv: Conv, Pool: Pool, LRN: LRN, Prepare: Prepare})
	if err != nil {
		tb.Fatal(err)
	}
	q, qc, err := calibrate.Quantize(g, consts, ranges, calibrate.Default)
	if err != nil {
		tb.Fatal(err)
	}
	return q, func(name string) ([]byte, error) { return qc[name].Data, nil }, inputs[2]
}

// int8KernelSets are the integer engine's kernel sets: relaxed SIMD's dot product (for 8-bit activations
// where the engine takes them, see TestQGemmDotUnsignedMatchesGo), the SIMD128 GEMM, pure Go.
func int8KernelSets() []quant.KernelSet {
	dot := quantKernels("simd128-relaxed")
	return []quant.KernelSet{dot, {Name: "simd128", Gemm: QGemm, Depthwise: QDepthwise, Add: QAdd, MaxPool: QMaxPool, AvgPool: QAvgPool}, {Name: "go"}}
}

// int8Options compiles for k, with the float LRN kernel that the integer graph's LRN runs.
func int8Options(k quant.KernelSet) quant.Options {
	return quant.Options{Kernels: k, Float: nn.KernelSet{LRN: LRN}}
}

func runInt8(tb testing.TB, k quant.KernelSet, g *graph.Graph, consts func(string) ([]byte, error), x []float32) (*quant.Program, []float32) {
	prog, err := quant.Compile(g, consts, int8Options(k))
	if err != nil {
		tb.Fatal(err)
	}
	if err := prog.RunFloat(x); err != nil {
		tb.Fatal(err)
	}
	logits, _ := prog.OutputFloat32()
	return prog, slices.Clone(logits)
}

// TestGoogLeNetInt8 runs GoogLeNet's integer graph with each kernel set: the logits are the same bits.
func TestGoogLeNetInt8(t *testing.T) {
	useVariant(t, "relaxed")
	g, consts, x := int8GoogLeNet(t)
	_, want := runInt8(t, quant.KernelSet{Name: "go"}, g, consts, x)
	for _, k := range int8KernelSets()[:2] {
		if _, got := runInt8(t, k, g, consts, x); !slices.Equal(got, want) {
			t.Errorf("%s (dot product for 8-bit inputs: %v): logits differ from pure Go's", k.Name, k.GemmDotUnsigned)
		}
	}
}

// BenchmarkGoogLeNetInt8 times GoogLeNet's integer graph per image with each kernel set:
//
//	wasm/simd/chromium_bench.sh -test.run=- -test.bench=GoogLeNetInt8 -test.benchtime=10x
func BenchmarkGoogLeNetInt8(b *testing.B) {
	useVariant(b, "relaxed")
	g, consts, x := int8GoogLeNet(b)
	// The steps that are not GEMMs (im2col, pooling, concatenation, LRN, quantizing the input): the time left.
	rest := int8KernelSets()[0]
	rest.Name, rest.Gemm, rest.GemmDot = "no-gemm", func(*quant.GemmArgs) {}, func(*quant.GemmDotArgs) {}
	for _, k := range append(int8KernelSets(), rest) {
		b.Run(k.Name, func(b *testing.B) {
			prog, err := quant.Compile(g, consts, int8Options(k))
			if err != nil {
				b.Fatal(err)
			}
			prog.RunFloat(x)
			if times, err := prog.Profile(x); err == nil && testing.Verbose() {
				b.Logf("%s: %v", k.Name, times)
			}
			b.ResetTimer()
			for range b.N {
				prog.RunFloat(x)
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/image")
		})
	}
}

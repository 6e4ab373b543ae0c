//go:build js && wasm

package simd

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/nn/quant"
	"inceptionweb/weights/npy"
	"inceptionweb/weights/tflite"
)

// mobileNets are the TFLite models whose outputs the runtime recorded for the golden photos.
var mobileNets = []string{"mobilenet_v2_1.0_224_quant", "tf2_mobilenet_v2_1.0_224_ptq"}

func mobileNetDir(tb testing.TB) string {
	return filepath.Join(testenv.Shared(tb), "weights-source", "mobilenet_v2")
}

func compileMobileNet(tb testing.TB, name string) *quant.Program {
	data, err := os.ReadFile(filepath.Join(mobileNetDir(tb), name+".tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := tflite.Read(data)
	if err != nil {
		tb.Fatal(err)
	}
	g, consts, err := tflite.FromTFLite(m)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := quant.Compile(g, func(name string) ([]byte, error) {
		c, ok := consts[name]
		if !ok {
			return nil, fmt.Errorf("no constant %q", name)
		}
		return c.Data, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func readNpyUint8(tb testing.TB, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := npy.Read(data)
	if err != nil || a.DType != "|u1" {
		tb.Fatalf("%s: %v (dtype %s, want uint8)", path, err, a.DType)
	}
	return a.Data
}

// useQuantKernels installs the SIMD int8 kernels (or the pure-Go ones) until the test ends.
func useQuantKernels(tb testing.TB, simd bool) {
	saved := quant.Kernels
	tb.Cleanup(func() { quant.Kernels = saved })
	quant.Kernels = quant.KernelSet{}
	if simd {
		quant.Kernels = quant.KernelSet{Name: "simd", Gemm: QGemm, Depthwise: QDepthwise}
	}
}

// TestMobileNetGolden runs both MobileNetV2 models on the SIMD kernels: the outputs must equal the TFLite
// runtime's, byte for byte.
func TestMobileNetGolden(t *testing.T) {
	dir := mobileNetDir(t)
	variants(t, func(t *testing.T) {
		useQuantKernels(t, true)
		for _, model := range mobileNets {
			p := compileMobileNet(t, model)
			for _, photo := range []string{"chelsea", "coffee", "rocket"} {
				input := readNpyUint8(t, filepath.Join(dir, "golden", photo+".input.npy"))
				want := readNpyUint8(t, filepath.Join(dir, "golden", photo+"."+model+".output.npy"))
				if err := p.Run(input); err != nil {
					t.Fatal(err)
				}
				got, _, _, _ := p.Output()
				if len(got) != len(want) {
					t.Fatalf("%s %s: %d outputs, want %d", model, photo, len(got), len(want))
				}
				if i := firstDiff(got, want); i >= 0 {
					t.Errorf("%s %s: output %d = %d, TFLite %d", model, photo, i, got[i], want[i])
				}
			}
		}
	})
}

// BenchmarkMobileNetV2 times one 224x224 image through the uint8 model with the pure-Go and the SIMD
// int8 kernels.
func BenchmarkMobileNetV2(b *testing.B) {
	const model = "mobilenet_v2_1.0_224_quant"
	const multiplyAdds = 300e6
	p := compileMobileNet(b, model)
	input := readNpyUint8(b, filepath.Join(mobileNetDir(b), "golden", "chelsea.input.npy"))
	for _, k := range []string{"go", "simd"} {
		b.Run(k, func(b *testing.B) {
			useQuantKernels(b, k == "simd")
			for b.Loop() {
				if err := p.Run(input); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/image")
			b.ReportMetric(multiplyAdds*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
		})
	}
}

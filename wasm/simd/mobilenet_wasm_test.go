//go:build js && wasm

package simd

import (
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/nn/quant"
	"inceptionweb/weights/npy"
	"inceptionweb/weights/tflite"
)

// mobileNets are the TFLite models whose outputs the runtime recorded for the golden photos.
var mobileNets = []string{"mobilenet_v2_1.0_224_quant", "tf2_mobilenet_v2_1.0_224_ptq"}

// readMobileNetFile reads a file of the MobileNetV2 sources in the shared reference folder.
func readMobileNetFile(tb testing.TB, name string) []byte {
	return testenv.ReadShared(tb, filepath.Join("weights-source", "mobilenet_v2", name))
}

func compileMobileNet(tb testing.TB, name string, k quant.KernelSet) *quant.Program {
	p, err := tflite.Compile(readMobileNetFile(tb, name+".tflite"), k)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func readNpyUint8(tb testing.TB, name string) []byte {
	a, err := npy.Read(readMobileNetFile(tb, name))
	if err != nil || a.DType != "|u1" {
		tb.Fatalf("%s: %v (dtype %s, want uint8)", name, err, a.DType)
	}
	return a.Data
}

// TestMobileNetGolden runs both MobileNetV2 models on the SIMD kernels: the outputs must equal the TFLite
// runtime's, byte for byte.
func TestMobileNetGolden(t *testing.T) {
	variants(t, func(t *testing.T) {
		for _, model := range mobileNets {
			p := compileMobileNet(t, model, quantKernels("simd"))
			for _, photo := range []string{"chelsea", "coffee", "rocket"} {
				input := readNpyUint8(t, "golden/"+photo+".input.npy")
				want := readNpyUint8(t, "golden/"+photo+"."+model+".output.npy")
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
	input := readNpyUint8(b, "golden/chelsea.input.npy")
	for _, k := range []quant.KernelSet{{Name: "go"}, quantKernels("simd")} {
		b.Run(k.Name, func(b *testing.B) {
			p := compileMobileNet(b, model, k)
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

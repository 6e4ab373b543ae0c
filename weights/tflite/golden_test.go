package tflite

import (
	"os"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/quant"
	"inceptionweb/weights/npy"
)

// sourceDir is the mirror of the MobileNetV2 source files in the shared
// reference folder; tests fail without it.
func sourceDir(t testing.TB) string {
	return filepath.Join(testenv.Shared(t), "weights-source", "mobilenet_v2")
}

// readUint8 reads a .npy file that must hold a uint8 array.
func readUint8(t testing.TB, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.Read(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if a.DType != "|u1" {
		t.Fatalf("%s: dtype %s, want uint8 (|u1)", path, a.DType)
	}
	return a.Data
}

func compileFile(t testing.TB, path string) *quant.Program {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(data, quant.KernelSet{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// models and the largest difference from TFLite each must stay within. With
// the Graph's XNNPACK rounding rules both match the runtime bit for bit.
var models = []struct {
	name    string
	maxDiff int
}{{"mobilenet_v2_1.0_224_quant", 0}, {"tf2_mobilenet_v2_1.0_224_ptq", 0}}
var photos = []string{"chelsea", "coffee", "rocket"}

// TestGolden compares the engine with the outputs of the real TFLite runtime.
func TestGolden(t *testing.T) {
	dir := sourceDir(t)
	labels := imagenet.Labels
	for _, mt := range models {
		model := mt.name
		p := compileFile(t, filepath.Join(dir, model+".tflite"))
		for _, photo := range photos {
			input := readUint8(t, filepath.Join(dir, "golden", photo+".input.npy"))
			want := readUint8(t, filepath.Join(dir, "golden", photo+"."+model+".output.npy"))
			if err := p.Run(input); err != nil {
				t.Fatal(err)
			}
			got, _, _, _ := p.Output()
			if len(got) != len(want) {
				t.Fatalf("%s %s: %d outputs, want %d", model, photo, len(got), len(want))
			}
			differ, maxDiff := 0, 0
			for i := range got {
				d := int(got[i]) - int(want[i])
				if d != 0 {
					differ++
				}
				maxDiff = max(maxDiff, d, -d)
			}
			top := argmax(got)
			name := "background"
			if top > 0 && top-1 < len(labels) {
				name = labels[top-1]
			}
			t.Logf("%s %s: %d of %d entries differ, max difference %d; top-1 %d %q p=%.3f (TFLite top-1 %d)",
				model, photo, differ, len(got), maxDiff, top, name, float64(got[top])/256, argmax(want))
			if maxDiff > mt.maxDiff || top != argmax(want) {
				t.Errorf("%s %s: max difference %d from TFLite (want <= %d), top-1 %d (TFLite %d)",
					model, photo, maxDiff, mt.maxDiff, top, argmax(want))
			}
		}
	}
}

func argmax(v []byte) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

func BenchmarkMobileNetV2(b *testing.B) {
	dir := sourceDir(b)
	for _, mt := range models {
		b.Run(mt.name, func(b *testing.B) {
			p := compileFile(b, filepath.Join(dir, mt.name+".tflite"))
			input := readUint8(b, filepath.Join(dir, "golden", "chelsea.input.npy"))
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Run(input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package tflite

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"inceptionweb/nn/quant"
)

// sourceDir is the mirror of the MobileNetV2 source files: ../shared relative
// to the module root.
func sourceDir(t testing.TB) string {
	src := findSource()
	if src == "" {
		t.Skip("MobileNetV2 source files not present at ../shared/weights-source/mobilenet_v2 relative to the module root")
	}
	return src
}

// findSource walks up from the test directory to the module root (the folder
// holding go.mod) and returns its ../shared mirror, or "" when absent.
func findSource() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	src := filepath.Join(dir, "..", "shared", "weights-source", "mobilenet_v2")
	if _, err := os.Stat(src); err != nil {
		return ""
	}
	return src
}

// readNpyUint8 reads a little-endian C-order uint8 .npy file (format 1.0/2.0).
func readNpyUint8(t testing.TB, path string) ([]int, []byte) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 12 || string(data[:6]) != "\x93NUMPY" {
		t.Fatalf("%s: not a .npy file", path)
	}
	var hlen, start int
	if data[6] == 1 {
		hlen, start = int(binary.LittleEndian.Uint16(data[8:])), 10
	} else {
		hlen, start = int(binary.LittleEndian.Uint32(data[8:])), 12
	}
	header := string(data[start : start+hlen])
	if !strings.Contains(header, "'descr': '|u1'") || !strings.Contains(header, "'fortran_order': False") {
		t.Fatalf("%s: want a C-order uint8 array, header %s", path, header)
	}
	i := strings.Index(header, "'shape': (")
	j := strings.Index(header[i:], ")")
	var shape []int
	n := 1
	for _, f := range strings.Split(header[i+len("'shape': ("):i+j], ",") {
		if f = strings.TrimSpace(f); f != "" {
			d, err := strconv.Atoi(f)
			if err != nil {
				t.Fatalf("%s: shape %q", path, header)
			}
			shape = append(shape, d)
			n *= d
		}
	}
	body := data[start+hlen:]
	if len(body) != n {
		t.Fatalf("%s: %d data bytes for shape %v", path, len(body), shape)
	}
	return shape, body
}

func readLabels(t testing.TB) []string {
	f, err := os.Open(filepath.Join("..", "..", "nn", "imagenet", "labels.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var labels []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		labels = append(labels, sc.Text())
	}
	return labels
}

func compileFile(t testing.TB, path string) *quant.Program {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	g, consts, err := FromTFLite(m)
	if err != nil {
		t.Fatal(err)
	}
	p, err := quant.Compile(g, func(name string) ([]byte, error) {
		c, ok := consts[name]
		if !ok {
			return nil, fmt.Errorf("no constant %q", name)
		}
		return c.Data, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// models and the largest difference from TFLite each must stay within. The
// uint8 model matches the runtime bit for bit. The int8 model differs in a few
// entries: the runtime's int8 ADD/MEAN (XNNPACK) round differently from
// TFLite's reference kernels, which this engine implements.
var models = []struct {
	name    string
	maxDiff int
}{{"mobilenet_v2_1.0_224_quant", 1}, {"tf2_mobilenet_v2_1.0_224_ptq", 8}}
var photos = []string{"chelsea", "coffee", "rocket"}

// TestGolden compares the engine with the outputs of the real TFLite runtime.
func TestGolden(t *testing.T) {
	dir := sourceDir(t)
	labels := readLabels(t)
	for _, mt := range models {
		model := mt.name
		p := compileFile(t, filepath.Join(dir, model+".tflite"))
		for _, photo := range photos {
			_, input := readNpyUint8(t, filepath.Join(dir, "golden", photo+".input.npy"))
			_, want := readNpyUint8(t, filepath.Join(dir, "golden", photo+"."+model+".output.npy"))
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
			_, input := readNpyUint8(b, filepath.Join(dir, "golden", "chelsea.input.npy"))
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Run(input); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

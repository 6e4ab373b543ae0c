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
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
	src := filepath.Join(dir, "..", "shared", "weights-source", "mobilenet_v2")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("MobileNetV2 source files not present at %s: %v", src, err)
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
	dir := sourceDir(t)
	f, err := os.Open(filepath.Join(dir, "..", "..", "..", "main", "nn", "imagenet", "labels.txt"))
	if err != nil {
		// The labels live in the module; locate them from the test directory.
		f, err = os.Open(filepath.Join("..", "..", "nn", "imagenet", "labels.txt"))
		if err != nil {
			t.Fatal(err)
		}
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

var models = []string{"mobilenet_v2_1.0_224_quant", "tf2_mobilenet_v2_1.0_224_ptq"}
var photos = []string{"chelsea", "coffee", "rocket"}

// TestGolden compares the engine with the outputs of the real TFLite runtime.
func TestGolden(t *testing.T) {
	dir := sourceDir(t)
	labels := readLabels(t)
	for _, model := range models {
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
			if maxDiff > 1 {
				t.Errorf("%s %s: max difference %d from TFLite, want <= 1", model, photo, maxDiff)
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

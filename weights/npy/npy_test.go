package npy

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNumPyFixtures reads files that NumPy wrote (testdata/make_fixtures.py).
func TestNumPyFixtures(t *testing.T) {
	tests := []struct {
		file  string
		dtype string
		shape []int
		want  []float32
	}{
		{"f4_2x3.npy", "<f4", []int{2, 3}, []float32{1.5, -2, 0, 3.25, 1e-8, -1e30}},
		{"u1_4.npy", "|u1", []int{4}, []float32{0, 1, 128, 255}},
		{"i1_2x2.npy", "|i1", []int{2, 2}, []float32{-128, 127, 0, -1}},
		{"i4_3.npy", "<i4", []int{3}, []float32{-(1 << 31), 7, 1<<31 - 1}},
		{"i8_2.npy", "<i8", []int{2}, []float32{-(1 << 40), 5}},
		{"f8_scalar.npy", "<f8", []int{}, []float32{0.1}},
		{"f4_empty.npy", "<f4", []int{0, 3}, []float32{}},
		{"f4_v2.npy", "<f4", []int{1, 2, 3}, []float32{0, 1, 2, 3, 4, 5}},
		{"u1_v3.npy", "|u1", []int{5}, []float32{0, 1, 2, 3, 4}},
	}
	for _, tc := range tests {
		a, err := Read(readFile(t, filepath.Join("testdata", tc.file)))
		if err != nil {
			t.Errorf("%s: %v", tc.file, err)
			continue
		}
		if a.DType != tc.dtype || !reflect.DeepEqual(a.Shape, tc.shape) {
			t.Errorf("%s: %s %v, want %s %v", tc.file, a.DType, a.Shape, tc.dtype, tc.shape)
		}
		got, err := a.Float32()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Float32() = %v, %v; want %v", tc.file, got, err, tc.want)
		}
	}
}

func TestUnsupportedFixtures(t *testing.T) {
	tests := map[string]string{
		"f4_fortran.npy":    "fortran_order",
		"f2_2.npy":          `dtype "<f2"`,
		"f4_big_endian.npy": `dtype ">f4"`,
	}
	for file, want := range tests {
		_, err := Read(readFile(t, filepath.Join("testdata", file)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %s", file, err, want)
		}
	}
}

// TestWriteMatchesNumPy checks that the writers produce NumPy's exact bytes.
func TestWriteMatchesNumPy(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFloat32(&b, []int{2, 3}, []float32{1.5, -2, 0, 3.25, 1e-8, -1e30}); err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, "testdata/f4_2x3.npy"); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteFloat32 wrote\n%q\nNumPy wrote\n%q", b.Bytes(), want)
	}
	b.Reset()
	if err := WriteUint8(&b, []int{4}, []uint8{0, 1, 128, 255}); err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, "testdata/u1_4.npy"); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteUint8 wrote\n%q\nNumPy wrote\n%q", b.Bytes(), want)
	}
	b.Reset()
	if err := WriteFloat32(&b, []int{0, 3}, nil); err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, "testdata/f4_empty.npy"); !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteFloat32 of shape (0, 3) wrote\n%q\nNumPy wrote\n%q", b.Bytes(), want)
	}
}

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	v := []float32{float32(math.Inf(-1)), 0, -0.5, math.MaxFloat32}
	if err := WriteFloat32(&b, []int{1, 2, 2}, v); err != nil {
		t.Fatal(err)
	}
	a, err := Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := a.Float32()
	if !reflect.DeepEqual(got, v) || !reflect.DeepEqual(a.Shape, []int{1, 2, 2}) {
		t.Errorf("round trip: %v %v", a.Shape, got)
	}
	if _, err := a.Uint8(); err == nil {
		t.Error("Uint8 of a float32 array: no error")
	}

	b.Reset()
	if err := WriteUint8(&b, nil, []uint8{42}); err != nil { // a 0-d array
		t.Fatal(err)
	}
	a, err = Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Uint8()
	if err != nil || len(a.Shape) != 0 || !reflect.DeepEqual(u, []uint8{42}) {
		t.Errorf("0-d round trip: %v %v %v", a.Shape, u, err)
	}
	if len(b.Bytes())-1 != 128 {
		t.Errorf("header is %d bytes, want 128 (aligned to 64)", len(b.Bytes())-1)
	}
}

func TestWriteErrors(t *testing.T) {
	if err := WriteFloat32(&bytes.Buffer{}, []int{2, 2}, make([]float32, 3)); err == nil {
		t.Error("shape mismatch: no error")
	}
	if err := WriteUint8(&bytes.Buffer{}, []int{-1}, nil); err == nil {
		t.Error("negative dimension: no error")
	}
}

func TestReadErrors(t *testing.T) {
	good := readFile(t, "testdata/f4_2x3.npy")
	hdr := func(h string) []byte {
		b := append([]byte(magic), 1, 0, byte(len(h)), byte(len(h)>>8))
		return append(b, h...)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a .npy file"},
		{"wrong magic", []byte("\x93NUMPX\x01\x00\x00\x00"), "not a .npy file"},
		{"version 4", append([]byte(magic), 4, 0, 0, 0), "version 4.0"},
		{"header beyond file", good[:60], "beyond the end"},
		{"v2 header beyond file", append([]byte(magic), 2, 0, 0xff, 0xff, 0xff, 0x7f), "beyond the end"},
		{"truncated data", good[:len(good)-1], "needs 24 bytes of data, the file has 23"},
		{"trailing data", append(append([]byte{}, good...), 0), "the file has 25"},
		{"not a dict", hdr("[1]\n"), "want '{'"},
		{"missing shape", hdr("{'descr': '<f4', 'fortran_order': False}\n"), `missing key "shape"`},
		{"unknown key", hdr("{'descr': '<f4', 'x': False}\n"), `unknown key "x"`},
		{"duplicate key", hdr("{'descr': '<f4', 'descr': '<f4'}\n"), "twice"},
		{"bad bool", hdr("{'fortran_order': 0}\n"), "True or False"},
		{"negative dim", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n"), "non-negative int"},
		{"huge dim", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }\n"), "too large"},
		{"huge shape", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647, 2147483647), }\n"), "needs more than"},
		{"object dtype", hdr("{'descr': '|O', 'fortran_order': False, 'shape': (), }\n"), `dtype "|O"`},
		{"unterminated", hdr("{'descr: 1"), "unterminated string"},
		{"trailing header", hdr("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x"), "data after the dict"},
	}
	for _, tc := range tests {
		_, err := Read(tc.data)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestZeroSizedShapeNeedsNoData(t *testing.T) {
	var b bytes.Buffer
	if err := WriteFloat32(&b, []int{2147483647, 0}, nil); err != nil {
		t.Fatal(err)
	}
	a, err := Read(b.Bytes())
	if err != nil || a.NumElements() != 0 {
		t.Fatalf("got %v, %v", a, err)
	}
}

// TestGolden reads the reference runtime's inputs and outputs in
// ../shared/weights-source/mobilenet_v2/golden: uint8 [1,224,224,3] images
// and uint8 [1,1001] class probabilities (value/256).
func TestGolden(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "weights-source", "mobilenet_v2")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("reference files not present: %v", err)
	}
	labels := strings.Split(strings.TrimSpace(string(readFile(t, filepath.Join(dir, "imagenet_labels.txt")))), "\n")
	top := map[string]string{"chelsea": "tiger cat", "coffee": "espresso", "rocket": "missile"}
	for name, label := range top {
		in, err := Read(readFile(t, filepath.Join(dir, "golden", name+".input.npy")))
		if err != nil {
			t.Fatalf("%s input: %v", name, err)
		}
		if in.DType != "|u1" || !reflect.DeepEqual(in.Shape, []int{1, 224, 224, 3}) {
			t.Errorf("%s input: %s %v", name, in.DType, in.Shape)
		}
		pixels, err := in.Uint8()
		if err != nil {
			t.Fatal(err)
		}
		// Writing the pixels back gives NumPy's file byte for byte.
		var b bytes.Buffer
		if err := WriteUint8(&b, in.Shape, pixels); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), readFile(t, filepath.Join(dir, "golden", name+".input.npy"))) {
			t.Errorf("%s input: rewriting it changed its bytes", name)
		}

		out, err := Read(readFile(t, filepath.Join(dir, "golden", name+".mobilenet_v2_1.0_224_quant.output.npy")))
		if err != nil {
			t.Fatalf("%s output: %v", name, err)
		}
		probs, err := out.Uint8()
		if err != nil || !reflect.DeepEqual(out.Shape, []int{1, 1001}) {
			t.Fatalf("%s output: %v %v", name, out.Shape, err)
		}
		best, sum := 0, 0
		for i, p := range probs {
			sum += int(p)
			if p > probs[best] {
				best = i
			}
		}
		if labels[best] != label {
			t.Errorf("%s: top class %d %q, want %q", name, best, labels[best], label)
		}
		if sum < 240 || sum > 260 { // probabilities*256 sum to about 256
			t.Errorf("%s: outputs sum to %d, want about 256", name, sum)
		}
	}
}

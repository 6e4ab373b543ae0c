package torch

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"inceptionweb/weights/safetensors"
)

// expectedTensor is one entry of testdata/expected.json, which
// testdata/make_fixtures.py writes from PyTorch's own view of each tensor.
type expectedTensor struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
	Hex   string `json:"hex"`
}

func readExpected(t *testing.T) map[string][]expectedTensor {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp map[string][]expectedTensor
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkTensors(t *testing.T, file string, got []safetensors.Tensor, want []expectedTensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d tensors, want %d", file, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		shape := g.Shape
		if shape == nil {
			shape = []int{}
		}
		if g.Name != w.Name || g.DType != w.DType || !reflect.DeepEqual(shape, w.Shape) {
			t.Errorf("%s: tensor %d is %s %s %v, want %s %s %v", file, i, g.Name, g.DType, g.Shape, w.Name, w.DType, w.Shape)
			continue
		}
		if h := hex.EncodeToString(g.Data); h != w.Hex {
			t.Errorf("%s: %s data = %s, want %s", file, w.Name, h, w.Hex)
		}
	}
}

func TestReadFixtures(t *testing.T) {
	exp := readExpected(t)
	for _, file := range []string{"sd_zip.pt", "sd_legacy.pt", "ckpt_zip.pt", "ckpt_legacy.pt"} {
		got, err := ReadStateDict(readFixture(t, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		checkTensors(t, file, got, exp["state_dict"])
	}
	got, err := ReadStateDict(readFixture(t, "big_endian.pt"))
	if err != nil {
		t.Fatal(err)
	}
	checkTensors(t, "big_endian.pt", got, exp["big_endian"])
	if v, _ := got[0].Float32(); !reflect.DeepEqual(v, []float32{1, -2, 3.5, 0.25, 1e-3, -7}) {
		t.Errorf("big_endian.pt: w = %v", v)
	}
}

// TestContiguousAliases checks that a contiguous tensor is not copied.
func TestContiguousAliases(t *testing.T) {
	for _, file := range []string{"sd_zip.pt", "sd_legacy.pt"} {
		data := readFixture(t, file)
		ts, err := ReadStateDict(data)
		if err != nil {
			t.Fatal(err)
		}
		w := ts[0] // 0.weight, a contiguous conv weight
		if w.Name != "0.weight" || len(w.Data) == 0 {
			t.Fatalf("%s: first tensor is %s", file, w.Name)
		}
		if !inside(w.Data, data) {
			t.Errorf("%s: 0.weight was copied, want it to alias the file", file)
		}
	}
}

func inside(b, in []byte) bool {
	if len(b) == 0 || len(in) == 0 {
		return false
	}
	for i := range in {
		if &in[i] == &b[0] {
			return i+len(b) <= len(in)
		}
	}
	return false
}

// TestTruncated cuts each fixture at every length: each cut must give an
// error, never a panic or a result.
func TestTruncated(t *testing.T) {
	for _, file := range []string{"sd_legacy.pt", "sd_zip.pt", "big_endian.pt"} {
		data := readFixture(t, file)
		for n := 0; n < len(data); n++ {
			cut := append([]byte{}, data[:n]...) // a copy, so nothing reads past n
			if _, err := ReadStateDict(cut); err == nil {
				t.Errorf("%s cut to %d of %d bytes: no error", file, n, len(data))
			}
		}
	}
}

func TestTruncatedNamesStorage(t *testing.T) {
	data := readFixture(t, "sd_legacy.pt")
	_, err := ReadStateDict(data[:len(data)-3])
	if err == nil || !strings.Contains(err.Error(), "storage") || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v, want it to name the truncated storage", err)
	}
}

func TestNotTorch(t *testing.T) {
	tests := map[string][]byte{
		"not a PyTorch file":       []byte("hello, world"),
		"empty":                    nil,
		"not a readable zip":       []byte("PK\x03\x04 and nothing else"),
		"magic number":             []byte("\x80\x02K\x01."),
		"tar format":               append(make([]byte, 257), []byte("ustar\x0000")...),
		"not a PyTorch file: pick": []byte("\x80"),
	}
	for name, data := range tests {
		_, err := ReadStateDict(data)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "torch: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

package inceptionv3

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"inceptionweb/nn/inception"
)

// paramCheck is one entry of parity.json's "params": values PyTorch's side computed from the same formula.
type paramCheck struct {
	Name    string    `json:"name"`
	Shape   []int     `json:"shape"`
	Indices []int     `json:"indices"`
	Bits    []string  `json:"bits"`
	Values  []float32 `json:"values"`
}

func loadParamChecks(t *testing.T) []paramCheck {
	t.Helper()
	data, err := os.ReadFile("testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format string       `json:"format"`
		Params []paramCheck `json:"params"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("testdata/parity.json: %v", err)
	}
	if doc.Format != "inceptionv3-parity/1" {
		t.Fatalf("testdata/parity.json: format %q, want inceptionv3-parity/1", doc.Format)
	}
	if len(doc.Params) == 0 {
		t.Fatal("testdata/parity.json: no params")
	}
	return doc.Params
}

// TestSyntheticMatchesPyTorch fails if the Go formula drifts from the one gen_inception.py used.
func TestSyntheticMatchesPyTorch(t *testing.T) {
	sawInput := false
	for _, c := range loadParamChecks(t) {
		if len(c.Bits) != len(c.Indices) || len(c.Values) != len(c.Indices) {
			t.Fatalf("%s: %d indices, %d bits, %d values", c.Name, len(c.Indices), len(c.Bits), len(c.Values))
		}
		var got []float32
		if c.Name == "input" {
			sawInput = true
			if fmt.Sprint(c.Shape) != "[1 3 299 299]" {
				t.Fatalf("input shape %v, want [1 3 299 299]", c.Shape)
			}
			got = SyntheticInput()
		} else {
			got = SyntheticParam(c.Name, c.Shape)
		}
		for k, i := range c.Indices {
			want, err := strconv.ParseUint(c.Bits[k], 16, 32)
			if err != nil {
				t.Fatalf("%s: bits[%d]: %v", c.Name, k, err)
			}
			if math.Float32bits(c.Values[k]) != uint32(want) {
				t.Fatalf("%s: values[%d] = %v does not match bits %s", c.Name, k, c.Values[k], c.Bits[k])
			}
			if g := math.Float32bits(got[i]); g != uint32(want) {
				t.Errorf("%s[%d] = %v (%08x), PyTorch has %v (%s)", c.Name, i, got[i], g, c.Values[k], c.Bits[k])
			}
		}
	}
	if !sawInput {
		t.Error("testdata/parity.json has no check of the input")
	}
}

func TestSyntheticParamRanges(t *testing.T) {
	for _, c := range []struct {
		name   string
		shape  []int
		lo, hi float32
	}{
		{"Mixed_5b.branch1x1.conv.weight", []int{64, 192, 1, 1}, -float32(math.Sqrt(6.0 / 192)), float32(math.Sqrt(6.0 / 192))},
		{"Mixed_5b.branch1x1.bn.weight", []int{64}, 0.9, 1.1},
		{"Mixed_5b.branch1x1.bn.bias", []int{64}, -0.1, 0.1},
		{"Mixed_5b.branch1x1.bn.running_mean", []int{64}, -0.1, 0.1},
		{"Mixed_5b.branch1x1.bn.running_var", []int{64}, 1, 2},
		{"fc.weight", []int{1000, 2048}, -float32(math.Sqrt(3.0 / 2048)), float32(math.Sqrt(3.0 / 2048))},
		{"fc.bias", []int{1000}, -0.01, 0.01},
	} {
		n := 1
		for _, d := range c.shape {
			n *= d
		}
		v := SyntheticParam(c.name, c.shape)
		if len(v) != n {
			t.Fatalf("%s: %d values, want %d", c.name, len(v), n)
		}
		for i, x := range v {
			if x < c.lo || x > c.hi {
				t.Fatalf("%s[%d] = %v outside [%v, %v]", c.name, i, x, c.lo, c.hi)
			}
		}
	}
}

func TestSyntheticParamUnknownName(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "Mixed_5b.branch1x1.bn.num_batches_tracked") {
			t.Errorf("panic %v, want one naming the parameter", r)
		}
	}()
	SyntheticParam("Mixed_5b.branch1x1.bn.num_batches_tracked", nil)
}

// BenchmarkSynthUniform generates as many values as InceptionV3 has weights (23.8 M).
func BenchmarkSynthUniform(b *testing.B) {
	for b.Loop() {
		inception.Uniform("bench", 23_834_568)
	}
}

package caffejs

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func floats(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestConvLayout(t *testing.T) {
	// A 2-output, 2x1 kernel, 3-input filter stored as [out][kh][kw][in]: value = 100*o + 10*y + i.
	var ohwi []float32
	for o := 0; o < 2; o++ {
		for y := 0; y < 2; y++ {
			for i := 0; i < 3; i++ {
				ohwi = append(ohwi, float32(100*o+10*y+i))
			}
		}
	}
	files := Files(func(p string) ([]byte, error) {
		switch p {
		case "a/b_filter.bin":
			return floats(ohwi...), nil
		case "a/b_bias.bin":
			return floats(1, 2), nil
		}
		return nil, errors.New("no file " + p)
	})
	w, b, err := Conv(files, "a/b", 2, 3, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	// OIHW: [o][i][y][x].
	var want []float32
	for o := 0; o < 2; o++ {
		for i := 0; i < 3; i++ {
			for y := 0; y < 2; y++ {
				want = append(want, float32(100*o+10*y+i))
			}
		}
	}
	if !slices.Equal(w, want) || !slices.Equal(b, []float32{1, 2}) {
		t.Errorf("got %v %v, want %v [1 2]", w, b, want)
	}
	if _, _, err := Conv(files, "a/b", 2, 3, 3, 1); err == nil || !strings.Contains(err.Error(), "a/b_filter.bin") {
		t.Errorf("wrong size: %v", err)
	}
	if _, _, err := Linear(files, "a/c", 1, 1); err == nil {
		t.Error("missing file accepted")
	}
	nan := Files(func(p string) ([]byte, error) { return floats(float32(math.NaN())), nil })
	if _, _, err := Linear(nan, "x", 1, 1); err == nil {
		t.Error("NaN accepted")
	}
}

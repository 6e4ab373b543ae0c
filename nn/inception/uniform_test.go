package inception

import (
	"math"
	"testing"
)

func TestFNV1a32(t *testing.T) {
	// Reference values of the 32-bit FNV-1a hash.
	for s, want := range map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968} {
		if got := fnv1a32(s); got != want {
			t.Errorf("fnv1a32(%q) = %08x, want %08x", s, got, want)
		}
	}
}

func TestUniformRange(t *testing.T) {
	u := Uniform("range", 1<<16)
	var sum float64
	for i, v := range u {
		if v < -1 || v >= 1 {
			t.Fatalf("u[%d] = %v outside [-1, 1)", i, v)
		}
		sum += float64(v)
	}
	if mean := sum / float64(len(u)); math.Abs(mean) > 0.02 {
		t.Errorf("mean of u = %v, want near 0", mean)
	}
	if a, b := Uniform("a", 4), Uniform("b", 4); a[0] == b[0] && a[1] == b[1] {
		t.Error("different names give the same values")
	}
}

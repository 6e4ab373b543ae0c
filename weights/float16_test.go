package weights

import (
	"math"
	"testing"

	"inceptionweb/weights/safetensors"
)

func TestFloat16RoundTrip(t *testing.T) {
	for _, x := range []float32{0, 1, -2.5, 65504, 1e-5, 6.1e-5, 0.1, -0.333, 1e6, float32(math.Inf(-1))} {
		h := toFloat16(x)
		back := safetensors.Float16ToFloat32(h)
		want := x
		if math.Abs(float64(x)) > 65504 {
			want = float32(math.Inf(int(math.Copysign(1, float64(x)))))
		}
		if d := math.Abs(float64(back - want)); d > math.Abs(float64(want))/1024+1e-7 && !(math.IsInf(float64(want), 0) && back == want) {
			t.Errorf("%g -> %#04x -> %g", x, h, back)
		}
	}
	if toFloat16(float32(math.NaN()))&0x7c00 != 0x7c00 {
		t.Error("NaN lost")
	}
}

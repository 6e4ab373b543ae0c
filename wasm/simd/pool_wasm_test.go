//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn"
)

// TestPool compares Pool with nn.Pool.Forward on InceptionV3's windows and on channel counts that exercise
// the 16-, 4- and 1-channel paths, writing into channel slices of wider outputs.
func TestPool(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i, c := range []struct{ h, w, ch, k, s, pad int }{
		{7, 7, 16, 3, 2, 0}, {9, 8, 37, 3, 2, 0}, {5, 5, 21, 3, 1, 1}, {6, 7, 3, 3, 1, 1}, {4, 4, 1, 2, 2, 0},
		{8, 8, 64, 3, 1, 1}, {3, 5, 7, 5, 2, 2},
	} {
		for _, kind := range []nn.Pool{{Max: true}, {CountPad: true}, {}} {
			p := kind
			p.KH, p.KW, p.StrideH, p.StrideW, p.PadH, p.PadW = c.k, c.k, c.s, c.s, c.pad, c.pad
			in := &nn.Tensor{H: c.h, W: c.w, C: c.ch, Data: randomSlice(r, c.h*c.w*c.ch)}
			oh, ow := p.OutSize(c.h, c.w)
			off, wide := i%3, c.ch+i%3+2
			want, got := nn.NewTensor(oh, ow, wide), nn.NewTensor(oh, ow, wide)
			for j := range want.Data {
				want.Data[j], got.Data[j] = -77, -77
			}
			p.Forward(in, want, off)
			Pool(&p, in, got, off)
			name := fmt.Sprintf("%dx%dx%d k%d s%d p%d max=%v countPad=%v", c.h, c.w, c.ch, c.k, c.s, c.pad,
				p.Max, p.CountPad)
			if err := relErr(got.Data, want.Data); err > 1e-6 || math.IsNaN(err) {
				t.Errorf("%s: relative error %.3g", name, err)
			}
		}
	}
}

//go:build js && wasm

package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn"
)

// TestLRN compares LRN with the Go kernel, bit for bit, on GoogLeNet's shapes and on narrow and odd ones,
// writing into channel slices of wider outputs.
func TestLRN(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	l := nn.LRN{Size: 5, Alpha: 1e-4, Beta: 0.75, K: 1}
	for i, c := range []struct{ h, w, ch int }{{56, 56, 64}, {7, 9, 192}, {3, 3, 4}, {2, 5, 8}, {4, 4, 7}, {1, 1, 1}} {
		in := &nn.Tensor{H: c.h, W: c.w, C: c.ch, Data: randomSlice(r, c.h*c.w*c.ch)}
		for j := range in.Data {
			in.Data[j] *= 300 // activations of GoogLeNet's size, so the normalisation matters
		}
		off, wide := i%3, c.ch+i%3+2
		want, got := nn.NewTensor(c.h, c.w, wide), nn.NewTensor(c.h, c.w, wide)
		for j := range want.Data {
			want.Data[j], got.Data[j] = -77, -77
		}
		nn.GoKernels.LRN(&l, in, want, off)
		variants(t, func(t *testing.T) {
			for j := range got.Data {
				got.Data[j] = -77
			}
			LRN(&l, in, got, off)
			for j := range want.Data {
				if got.Data[j] != want.Data[j] {
					t.Fatalf("%s: value %d is %g, the Go kernel's %g", fmt.Sprintf("%dx%dx%d", c.h, c.w, c.ch), j, got.Data[j], want.Data[j])
				}
			}
		})
	}
}

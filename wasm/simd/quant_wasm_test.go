//go:build js && wasm

package simd

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn/quant"
)

func padTo8(n int) int { return (n + 7) &^ 7 }

func randomBytes(r *rand.Rand, n int) []uint8 {
	b := make([]uint8, n)
	for i := range b {
		b[i] = uint8(r.IntN(256))
	}
	return b
}

func randomWeights(r *rand.Rand, n int) []int16 {
	w := make([]int16, n)
	for i := range w {
		w[i] = int16(r.IntN(511) - 255)
	}
	return w
}

// randomRequant gives n channels biases, scales that spread the outputs over the byte range for sums of k
// products, and a zero point and clamp bounds.
func randomRequant(r *rand.Rand, n, k int) (bias []int32, scale []float32, zero, lo, hi int32) {
	bias, scale = make([]int32, padTo8(n)), make([]float32, padTo8(n))
	for o := range n {
		bias[o] = int32(r.IntN(20001) - 10000)
		scale[o] = (0.5 + r.Float32()) * 60 / (float32(k) * 128 * 128)
	}
	zero = int32(r.IntN(256))
	lo, hi = int32(r.IntN(40)), int32(215+r.IntN(41))
	return
}

func TestQGemmMatchesGo(t *testing.T) {
	variants(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for trial := range 60 {
			rows, k, n := 1+r.IntN(45), 2*(1+r.IntN(40)), 1+r.IntN(30)
			if trial == 0 {
				rows, k, n = 300, 1280, 1001 // several row blocks, a long reduction, a channel tail
			}
			stride := n + r.IntN(5)
			bias, scale, zero, lo, hi := randomRequant(r, n, k)
			a := quant.GemmArgs{X: randomBytes(r, rows*k), Rows: rows, K: k, N: n, OutStride: stride,
				Panels: randomWeights(r, padTo8(n)*k), Bias: bias, Scale: scale, Zero: zero, Lo: lo, Hi: hi}
			fill := randomBytes(r, rows*stride)
			want := bytes.Clone(fill)
			a.Out = want
			quant.GemmFP32(&a, make([]int32, 32*padTo8(n)))
			got := bytes.Clone(fill)
			a.Out = got
			QGemm(&a)
			name := fmt.Sprintf("rows %d k %d n %d stride %d", rows, k, n, stride)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s: byte %d = %d, want %d", name, i, got[i], want[i])
			}
		}
	})
}

func TestQDepthwiseMatchesGo(t *testing.T) {
	variants(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for range 40 {
			a := quant.DepthwiseArgs{H: 1 + r.IntN(12), W: 1 + r.IntN(12), C: 8 * (1 + r.IntN(5)),
				KH: 1 + r.IntN(5), KW: 1 + r.IntN(5), SH: 1 + r.IntN(2), SW: 1 + r.IntN(2),
				DH: 1 + r.IntN(2), DW: 1 + r.IntN(2), XZero: int32(r.IntN(256))}
			a.PadT, a.PadL = r.IntN(a.KH), r.IntN(a.KW)
			a.OH, a.OW = 1+r.IntN(a.H), 1+r.IntN(a.W)
			a.In = randomBytes(r, a.H*a.W*a.C)
			a.Weights = randomWeights(r, a.KH*a.KW*a.C)
			a.Bias, a.Scale, a.Zero, a.Lo, a.Hi = randomRequant(r, a.C, a.KH*a.KW)
			want := make([]uint8, a.OH*a.OW*a.C)
			a.Out = want
			quant.DepthwiseFP32(&a, make([]int32, a.C))
			got := make([]uint8, len(want))
			a.Out = got
			QDepthwise(&a)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%+v: byte %d = %d, want %d", a, i, got[i], want[i])
			}
		}
	})
}

func firstDiff(a, b []uint8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

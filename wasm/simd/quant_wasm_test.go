//go:build js && wasm

package simd

import (
	"bytes"
	"fmt"
	"math"
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
			switch trial {
			case 0:
				rows, k, n = 300, 1280, 1001 // several row blocks, a long reduction, a channel tail
			case 1:
				rows, k, n = 3001, 16, 96 // several large row blocks
			case 2:
				rows, k, n = 70, 28, 32
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
		for trial := range 60 {
			a := quant.DepthwiseArgs{H: 1 + r.IntN(12), W: 1 + r.IntN(12), C: 8 * (1 + r.IntN(5)),
				KH: 1 + r.IntN(5), KW: 1 + r.IntN(5), SH: 1 + r.IntN(2), SW: 1 + r.IntN(2),
				DH: 1 + r.IntN(2), DW: 1 + r.IntN(2), XZero: int32(r.IntN(256))}
			if trial%3 < 2 { // the SIMD kernels
				a.KH = []int{3, 5}[trial%3]
				a.KW = a.KH
			}
			a.PadT, a.PadL = r.IntN(a.KH), r.IntN(a.KW)
			a.OH, a.OW = 1+r.IntN(a.H), 1+r.IntN(a.W)
			a.In = randomBytes(r, a.H*a.W*a.C)
			a.Weights = randomWeights(r, (a.KH*a.KW+1)/2*2*a.C)
			a.Bias, a.Scale, a.Zero, a.Lo, a.Hi = randomRequant(r, a.C, a.KH*a.KW)
			a.SetZBias()
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

// BenchmarkQDepthwise times MobileNetV2's first depthwise convolution.
func BenchmarkQDepthwise(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	a := quant.DepthwiseArgs{H: 112, W: 112, C: 32, OH: 112, OW: 112, KH: 3, KW: 3, SH: 1, SW: 1, DH: 1, DW: 1,
		PadT: 1, PadL: 1, XZero: 3}
	a.In = randomBytes(r, a.H*a.W*a.C)
	a.Out = make([]uint8, a.OH*a.OW*a.C)
	a.Weights = randomWeights(r, 10*a.C)
	a.Bias, a.Scale, a.Zero, a.Lo, a.Hi = randomRequant(r, a.C, 9)
	a.SetZBias()
	for b.Loop() {
		QDepthwise(&a)
	}
	b.ReportMetric(float64(a.OH*a.OW*a.C*9)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
}

// BenchmarkQGemm times pointwise convolutions of MobileNetV2.
func BenchmarkQGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range []struct{ rows, k, n int }{{56 * 56, 24, 144}, {14 * 14, 96, 576}, {7 * 7, 960, 320}, {7 * 7, 320, 1280}, {1, 1280, 1001}} {
		bias, scale, zero, lo, hi := randomRequant(r, s.n, s.k)
		a := quant.GemmArgs{X: randomBytes(r, s.rows*s.k), Rows: s.rows, K: s.k, N: s.n, OutStride: s.n,
			Out: make([]uint8, s.rows*s.n), Panels: randomWeights(r, padTo8(s.n)*s.k), Bias: bias, Scale: scale,
			Zero: zero, Lo: lo, Hi: hi}
		b.Run(fmt.Sprintf("%dx%dx%d", s.rows, s.k, s.n), func(b *testing.B) {
			for b.Loop() {
				QGemm(&a)
			}
			b.ReportMetric(float64(s.rows*s.k*s.n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
		})
	}
}

func TestQAddMatchesGo(t *testing.T) {
	variants(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for range 40 {
			n := r.IntN(100)
			a := quant.AddArgs{A: randomBytes(r, n), B: randomBytes(r, n), AZero: int32(r.IntN(256)),
				BZero: int32(r.IntN(256)), AMult: int32(r.IntN(1 << 21)), BMult: int32(r.IntN(1 << 21)),
				Shift: 16 + r.IntN(15), Zero: int32(r.IntN(256)), Lo: int32(r.IntN(40)), Hi: int32(215 + r.IntN(41))}
			want := make([]uint8, n)
			a.Out = want
			quant.AddXNNPACKRule(&a)
			got := make([]uint8, n)
			a.Out = got
			QAdd(&a)
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%+v: byte %d = %d, want %d", a, i, got[i], want[i])
			}
		}
	})
}

// TestQQuantizeMatchesGo: the SIMD QUANTIZE gives QuantizeFloat's bytes, ties, NaN, infinities and
// out-of-range values included, for every length's tail.
func TestQQuantizeMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0,
		float32(math.Copysign(0, -1)), 1e30, -1e30, 0.5, 254.5, 255.5, -0.5}
	for trial := range 60 {
		n := r.IntN(200)
		if trial == 0 {
			n = 224 * 224 * 3
		}
		scale := 0.005 + r.Float32()*0.05
		zp := int32(r.IntN(256))
		a := quant.QuantizeArgs{X: make([]float32, n), Inv: 1 / scale, Zero: float32(zp) + 0.5,
			Top: float32([]int{127, 255}[trial%2]) + 0.5}
		for i := range a.X {
			switch r.IntN(4) {
			case 0:
				a.X[i] = specials[r.IntN(len(specials))]
			case 1: // exactly half-way between two steps
				a.X[i] = (float32(r.IntN(300)-150) + 0.5) * scale
			default:
				a.X[i] = (r.Float32()*2 - 1) * 300 * scale
			}
		}
		want := make([]uint8, n)
		a.Out = want
		quant.QuantizeFloat(&a)
		got := make([]uint8, n)
		a.Out = got
		QQuantize(&a)
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("n %d: x[%d] = %v -> %d, want %d", n, i, a.X[i], got[i], want[i])
		}
	}
}

//go:build js && wasm

package simd

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
	"inceptionweb/wasm/simd/kernelgen"
)

// useRelaxedDot attaches the relaxed module and fails unless its int8 dot product is usable (the test runners
// make sure it is: Chromium, or Node without its baseline compiler).
func useRelaxedDot(tb testing.TB) {
	useVariant(tb, "relaxed")
	if !RelaxedDot() {
		tb.Fatal("the relaxed module's dotcheck failed: this engine miscomputes i32x4.relaxed_dot_i8x16_i7x16_add_s")
	}
}

func padDot(n int) int {
	return (n + quant.DotPanelWidth - 1) / quant.DotPanelWidth * quant.DotPanelWidth
}

// randomDotArgs gives a GEMM over rows inputs below 128 and random int8 panels (padding included: the kernels
// multiply the padding weights by nothing but zeros and drop the padding channels).
func randomDotArgs(r *rand.Rand, rows, k, n, stride int) quant.GemmDotArgs {
	return randomDotArgsBelow(r, rows, k, n, stride, 128)
}

// randomDotArgsBelow is randomDotArgs with inputs below top (256: 8-bit activations).
func randomDotArgsBelow(r *rand.Rand, rows, k, n, stride, top int) quant.GemmDotArgs {
	x := make([]uint8, rows*k)
	for i := range x {
		x[i] = uint8(r.IntN(top))
	}
	w := make([]int8, padDot(n)*(k+3)/4*4)
	for i := range w {
		w[i] = int8(r.IntN(256) - 128)
	}
	bias, scale, zero, lo, hi := randomRequant(r, padDot(n), k)
	for i := range scale {
		scale[i] *= 2 // inputs below 128: twice the scale spreads the outputs as randomRequant's do
	}
	return quant.GemmDotArgs{X: x, Rows: rows, K: k, N: n, OutStride: stride, Weights: w, Bias: bias[:padDot(n)],
		Scale: scale[:padDot(n)], Zero: zero, Lo: lo, Hi: hi}
}

func TestQGemmDotMatchesGo(t *testing.T) {
	useRelaxedDot(t)
	defer useVariant(t, "relaxed")
	testQGemmDot(t, 128)
}

// TestQGemmDotUnsignedMatchesGo checks 8-bit inputs where the engine's dot product takes them unsigned without
// saturating (AVX-VNNI: this machine's Chromium), which is when Kernels lets 8-bit activations use the kernel.
func TestQGemmDotUnsignedMatchesGo(t *testing.T) {
	useRelaxedDot(t)
	defer useVariant(t, "relaxed")
	if !quantKernels("simd128-relaxed").GemmDotUnsigned {
		t.Skip("this engine's dot product does not take unsigned second operands exactly (no AVX-VNNI): 8-bit activations keep the SIMD128 GEMM")
	}
	testQGemmDot(t, 256)
}

func testQGemmDot(t *testing.T, top int) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := range 120 {
		rows, k, n := 1+r.IntN(45), 3+r.IntN(200), 1+r.IntN(70)
		switch {
		case trial < 4: // every k%4 with a long reduction and wide outputs
			rows, k, n = 1+r.IntN(9), 2592+trial, 384-r.IntN(3)
		case trial == 4:
			rows, k, n = 1225, 288, 64 // several row blocks
		case trial == 5:
			rows, k, n = 70, 3, 1
		case trial%5 == 0:
			k = 3 + r.IntN(2600)
			n = 1 + r.IntN(384)
		}
		stride := n + r.IntN(5)
		a := randomDotArgsBelow(r, rows, k, n, stride, top)
		if trial%2 == 1 { // weights packed minus 128: the input sums times 128 minus the zero point
			a.XSumMult = make([]int32, len(a.Bias))
			for o := range a.XSumMult {
				a.XSumMult[o] = int32(r.IntN(256) - 127)
				a.Bias[o] -= a.XSumMult[o] * int32(k*top/2) // the term's mean, to keep the outputs in range
			}
		}
		if trial == 6 { // the largest products everywhere
			for i := range a.X {
				a.X[i] = uint8(top - 1)
			}
			for i := range a.Weights {
				a.Weights[i] = -128
			}
		}
		fill := randomBytes(r, rows*stride)
		want := append([]uint8(nil), fill...)
		a.Out = want
		quant.GemmDotFP32(&a, make([]int32, 32*len(a.Bias)))
		got := append([]uint8(nil), fill...)
		a.Out = got
		QGemmDot(&a)
		if i := firstDiff(got, want); i >= 0 {
			t.Fatalf("rows %d k %d n %d stride %d: byte %d = %d, want %d", rows, k, n, stride, i, got[i], want[i])
		}
	}
}

// TestQGemmDotPanelWidth: nn/quant packs the panels that the kernel reads.
func TestQGemmDotPanelWidth(t *testing.T) {
	if quant.DotPanelWidth != kernelgen.QDotTileN {
		t.Fatalf("quant.DotPanelWidth %d, kernel tile width %d", quant.DotPanelWidth, kernelgen.QDotTileN)
	}
}

// dotConv is a CONV_2D (or FULLY_CONNECTED: h rows of c inputs) over a 7-bit input with int8 per-channel
// weights and the fp32 rule, and its constants and input.
func dotConv(r *rand.Rand, fc bool, h, w, c, n, kh, kw, stride int) (*graph.Graph, func(string) ([]byte, error), []byte) {
	pad := graph.Same
	oh, ow := (h+stride-1)/stride, (w+stride-1)/stride
	inShape, wShape, outShape := []int{1, h, w, c}, []int{n, kh, kw, c}, []int{1, oh, ow, n}
	params := graph.Params{Padding: pad, StrideH: stride, StrideW: stride, Activation: graph.ReLU}
	op := graph.Conv2D
	if fc {
		inShape, wShape, outShape, params, op = []int{h, c}, []int{n, c}, []int{h, n}, graph.Params{}, graph.FullyConnected
	}
	wS := make([]float32, n)
	for o := range wS {
		wS[o] = (0.5 + r.Float32()) * 0.5 / float32(kh*kw*c)
	}
	g := &graph.Graph{Requantize: graph.RequantizeFP32,
		Tensors: []graph.Tensor{
			{Name: "x", Type: graph.Uint8, Shape: inShape, Scale: []float32{0.05}, ZeroPoint: []int32{0}, Bits: 7},
			{Name: "w", Type: graph.Int8, Shape: wShape, Scale: wS, ZeroPoint: make([]int32, n), Const: true},
			{Name: "b", Type: graph.Int32, Shape: []int{n}, Const: true},
			{Name: "y", Type: graph.Uint8, Shape: outShape, Scale: []float32{0.01}, ZeroPoint: []int32{int32(r.IntN(60))}},
		},
		Ops:    []graph.Op{{Op: op, Inputs: []int{0, 1, 2}, Outputs: []int{3}, Params: params}},
		Inputs: []int{0}, Outputs: []int{3},
	}
	consts := map[string][]byte{"w": randomBytes(r, n*kh*kw*c), "b": make([]byte, 4*n)}
	for o := range n {
		binary.LittleEndian.PutUint32(consts["b"][4*o:], uint32(int32(r.IntN(4001)-2000)))
	}
	x := randomBytes(r, h*w*c)
	for i := range x {
		x[i] >>= 1
	}
	return g, func(name string) ([]byte, error) { return consts[name], nil }, x
}

// TestConvDotMatchesGo compiles and runs whole convolutions over 7-bit inputs with the pure-Go kernels (int8
// panels), the SIMD128 module (int16 panels, qgemm) and the relaxed module (int8 panels, qgemm_dot): the
// outputs must be the same bytes.
func TestConvDotMatchesGo(t *testing.T) {
	defer useVariant(t, "relaxed")
	r := rand.New(rand.NewPCG(15, 16))
	for _, c := range []struct {
		fc                         bool
		h, w, c, n, kh, kw, stride int
	}{
		{false, 17, 17, 40, 50, 3, 3, 1},
		{false, 9, 11, 3, 32, 3, 3, 2}, // k = 27
		{false, 8, 8, 96, 384, 1, 1, 1},
		{false, 12, 12, 20, 17, 1, 7, 1},
		{false, 7, 7, 160, 24, 7, 1, 1},
		{true, 1, 1, 2048, 1001, 1, 1, 1},
		{true, 5, 1, 37, 9, 1, 1, 1},
	} {
		name := fmt.Sprintf("%+v", c)
		g, consts, x := dotConv(r, c.fc, c.h, c.w, c.c, c.n, c.kh, c.kw, c.stride)
		run := func(k quant.KernelSet) []byte {
			p, err := quant.Compile(g, consts, quant.Options{Kernels: k})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(x); err != nil {
				t.Fatal(err)
			}
			out, _, _, _ := p.Output()
			return append([]byte(nil), out...)
		}
		want := run(quant.KernelSet{})
		useVariant(t, "plain")
		plain := quantKernels("plain")
		if plain.GemmDot != nil {
			t.Fatal("the plain module's kernel set has GemmDot")
		}
		if i := firstDiff(run(plain), want); i >= 0 {
			t.Fatalf("%s: SIMD128 output %d differs from pure Go", name, i)
		}
		useRelaxedDot(t)
		relaxed, calls := quantKernels("relaxed"), 0
		relaxed.GemmDot = func(a *quant.GemmDotArgs) { calls++; QGemmDot(a) }
		if i := firstDiff(run(relaxed), want); i >= 0 {
			t.Fatalf("%s: relaxed SIMD output %d differs from pure Go", name, i)
		}
		if calls == 0 {
			t.Fatalf("%s: the relaxed kernel set did not run GemmDot", name)
		}
	}
}

// BenchmarkQGemmDot times the int8 GEMM on InceptionV3-like shapes (rows x k x n) with the int16 panels of
// qgemm and the int8 panels of qgemm_dot, both from the relaxed module.
func BenchmarkQGemmDot(b *testing.B) {
	useRelaxedDot(b)
	r := rand.New(rand.NewPCG(17, 18))
	for _, s := range []struct{ rows, k, n int }{
		{35 * 35, 288 * 9, 64}, {35 * 35, 288, 64}, {35 * 35, 64 * 9, 96}, {17 * 17, 288 * 9, 384},
		{17 * 17, 768, 192}, {17 * 17, 160 * 7, 192}, {8 * 8, 1280, 384}, {8 * 8, 448 * 9, 384},
	} {
		d := randomDotArgs(r, s.rows, s.k, s.n, s.n)
		d.Out = make([]uint8, s.rows*s.n)
		bias, scale, zero, lo, hi := randomRequant(r, s.n, s.k)
		a := quant.GemmArgs{X: d.X, Rows: s.rows, K: s.k, N: s.n, OutStride: s.n, Out: d.Out,
			Panels: randomWeights(r, padTo8(s.n)*s.k), Bias: bias, Scale: scale, Zero: zero, Lo: lo, Hi: hi}
		ops := float64(s.rows * s.k * s.n)
		b.Run(fmt.Sprintf("%dx%dx%d/qgemm", s.rows, s.k, s.n), func(b *testing.B) {
			for b.Loop() {
				QGemm(&a)
			}
			b.ReportMetric(ops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
		})
		b.Run(fmt.Sprintf("%dx%dx%d/%s", s.rows, s.k, s.n, kernelgen.QGemmDotName), func(b *testing.B) {
			for b.Loop() {
				QGemmDot(&d)
			}
			b.ReportMetric(ops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
		})
	}
}

// BenchmarkConvDot times whole InceptionV3 convolutions over 7-bit inputs (im2col included) compiled for the
// SIMD128 kernel set (int16 panels, qgemm) and for the relaxed one (int8 panels, qgemm_dot).
func BenchmarkConvDot(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 20))
	for _, c := range []struct{ h, w, c, n, kh, kw int }{
		{35, 35, 288, 64, 1, 1}, // Mixed_5d 1x1
		{35, 35, 64, 96, 3, 3},  // Mixed_5b 3x3
		{17, 17, 768, 192, 1, 1},
		{17, 17, 160, 192, 1, 7},
		{8, 8, 448, 384, 3, 3}, // Mixed_7b 3x3
	} {
		g, consts, x := dotConv(r, false, c.h, c.w, c.c, c.n, c.kh, c.kw, 1)
		ops := float64(c.h * c.w * c.c * c.kh * c.kw * c.n)
		for _, v := range []string{"plain", "relaxed"} {
			b.Run(fmt.Sprintf("%dx%dx%d_%dx%d_to%d/%s", c.h, c.w, c.c, c.kh, c.kw, c.n, v), func(b *testing.B) {
				defer useVariant(b, "relaxed")
				useVariant(b, v)
				p, err := quant.Compile(g, consts, quant.Options{Kernels: quantKernels(v)})
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if err := p.Run(x); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(ops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GOP/s")
			})
		}
	}
}

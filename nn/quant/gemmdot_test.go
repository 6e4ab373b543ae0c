package quant

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"inceptionweb/nn/graph"
)

// randomDotGemm gives a GEMM with inputs below top as both GemmArgs (int16
// panels, rows padded to an even length with zeros) and GemmDotArgs (int8
// panels, rows of k inputs): int8 weights, or with wide uint8 weights whose
// zero points leave them beyond int8 (the XSumMult correction).
func randomDotGemm(r *rand.Rand, rows, k, n, top int, wide bool) (GemmArgs, GemmDotArgs) {
	w := randomFilter(r, k, n, !wide, wide, !wide)
	x := make([]uint8, rows*k)
	for i := range x {
		x[i] = uint8(r.IntN(top))
	}
	kp := padK(k)
	xp := make([]uint8, rows*kp)
	for p := range rows {
		copy(xp[p*kp:], x[p*k:(p+1)*k])
	}
	panels, _ := packPanels(&w, k, n)
	a := GemmArgs{X: xp, Rows: rows, K: kp, N: n, OutStride: n, Panels: panels,
		Bias: make([]int32, padN(n)), Scale: make([]float32, padN(n)), Zero: int32(r.IntN(256)),
		Lo: int32(r.IntN(40)), Hi: int32(215 + r.IntN(41))}
	for o := range n {
		a.Bias[o] = int32(r.IntN(200001) - 100000)
		a.Scale[o] = (0.5 + r.Float32()) * 60 / (float32(k) * 64 * 128)
	}
	weights, _, xsumMult := packDot(&w, k, n, k)
	d := *newGemmDot(&a, weights, xsumMult)
	d.X, d.Rows, d.K = x, rows, k
	return a, d
}

// randomFilter is n channels of k random weights, int8 or uint8. The first channel's zero point (int8's 0,
// uint8's 128) keeps every weight minus it in int8; with perChannel the others' are random, and with fit
// their weights are drawn within int8 of them.
func randomFilter(r *rand.Rand, k, n int, signed, perChannel, fit bool) convWeights {
	w := convWeights{q: make([]byte, n*k), zero: make([]int32, n)}
	if signed {
		w.flip = 0x80
	}
	for o := range n {
		w.zero[o] = 128 // in the flipped domain
		if perChannel && o > 0 {
			w.zero[o] = int32(r.IntN(256))
		}
		lo, hi := int32(0), int32(255)
		if fit {
			lo, hi = max(lo, w.zero[o]-128), min(hi, w.zero[o]+127)
		}
		for kk := range k {
			w.q[o*k+kk] = byte(lo+r.Int32N(hi-lo+1)) ^ w.flip
		}
	}
	return w
}

// dotIndex is where weight kk of channel o lives in int8 panels of k4 (a multiple of 4) rows.
func dotIndex(k4, kk, o int) int {
	return (o/DotPanelWidth*k4+kk&^3)*DotPanelWidth + o%DotPanelWidth*4 + kk&3
}

// TestPackMatchesIndex: packPanels and packDot, which walk the filter row by row, put every weight where
// panelIndex and dotIndex say, and sum each channel's weights; fitsInt8 tells when packDot may.
func TestPackMatchesIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	for trial := range 100 {
		k, n := 1+r.IntN(40), 1+r.IntN(30)
		signed, perChannel, fit := trial%2 == 0, trial%3 != 0, trial%4 == 0
		w := randomFilter(r, k, n, signed, perChannel, fit)
		weight := func(o, kk int) int32 {
			if signed {
				return int32(int8(w.q[o*k+kk])) - (w.zero[o] - 128)
			}
			return int32(w.q[o*k+kk]) - w.zero[o]
		}
		name := fmt.Sprintf("k %d n %d signed %v per channel %v fit %v", k, n, signed, perChannel, fit)
		panels, sums := packPanels(&w, k, n)
		want := make([]int16, padN(n)*padK(k))
		fits := true
		for o := range n {
			sum := int32(0)
			for kk := range k {
				v := weight(o, kk)
				want[panelIndex(padK(k), kk, o)] = int16(v)
				sum += v
				fits = fits && v == int32(int8(v))
			}
			if sums[o] != sum {
				t.Fatalf("%s: packPanels: channel %d sums to %d, want %d", name, o, sums[o], sum)
			}
		}
		if !slices.Equal(panels, want) {
			t.Fatalf("%s: packPanels differs from panelIndex's layout", name)
		}
		if fitsInt8(&w, k, n) != fits {
			t.Fatalf("%s: fitsInt8 says %v, want %v", name, !fits, fits)
		}
		// Weights beyond int8 are packed minus 128, and the kernel adds (128 - zero point) times the input sum.
		kx := k + r.IntN(6)
		dot, dotSums, xsumMult := packDot(&w, k, n, kx)
		wantDot := make([]int8, padDotN(n)*padK4(kx))
		for o := range n {
			shift := int32(0)
			if !fits {
				shift = 128 - w.zero[o]
				if xsumMult[o] != shift {
					t.Fatalf("%s: channel %d: XSumMult %d, want %d", name, o, xsumMult[o], shift)
				}
			}
			for kk := range k {
				wantDot[dotIndex(padK4(kx), kk, o)] = int8(weight(o, kk) - shift)
			}
		}
		if !slices.Equal(dot, wantDot) || !slices.Equal(dotSums, sums) || fits != (xsumMult == nil) {
			t.Fatalf("%s: packDot differs from dotIndex's layout or sums", name)
		}
	}
}

func TestGemmDotMatchesGemm(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := range 300 {
		rows, k, n := 1+r.IntN(70), 1+r.IntN(60), 1+r.IntN(40)
		switch trial {
		case 0:
			rows, k, n = 3, 2600, 384
		case 1:
			rows, k, n = 65, 2595, 17
		}
		top, wide := 128, trial%3 == 2
		if trial%2 == 1 {
			top = 256
		}
		a, d := randomDotGemm(r, rows, k, n, top, wide)
		want := make([]uint8, rows*n)
		a.Out = want
		GemmFP32(&a, make([]int32, rowBlock*len(a.Bias)))
		got := make([]uint8, rows*n)
		d.Out = got
		GemmDotFP32(&d, make([]int32, rowBlock*len(d.Bias)))
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("rows %d k %d n %d inputs below %d, wide %v: output %d = %d, want %d", rows, k, n, top, wide, i, got[i], want[i])
			}
		}
	}
}

// int16Gemm is a kernel set that runs the int16 panels (the pure-Go loops,
// standing in for a SIMD Gemm without GemmDot).
func int16Gemm() KernelSet {
	var acc []int32
	return KernelSet{Gemm: func(a *GemmArgs) {
		if n := rowBlock * len(a.Bias); len(acc) < n {
			acc = make([]int32, n)
		}
		GemmFP32(a, acc)
	}}
}

// dotConvGraph is one CONV_2D (or FULLY_CONNECTED) with int8 per-channel
// weights and the fp32 rule, its input declared with bits (0: none), and its
// constants.
func dotConvGraph(r *rand.Rand, fc bool, h, w, c, n, kh, kw, stride int, pad graph.Padding, bits int) (*Graph, map[string][]byte, []byte) {
	size := func(in, k int) int {
		if pad == "VALID" {
			return (in - k + stride) / stride
		}
		return (in + stride - 1) / stride
	}
	oh, ow := size(h, kh), size(w, kw)
	inShape, wShape, outShape := []int{1, h, w, c}, []int{n, kh, kw, c}, []int{1, oh, ow, n}
	params := Params{Padding: pad, StrideH: stride, StrideW: stride, Activation: "RELU"}
	op := graph.Conv2D
	if fc {
		inShape, wShape, outShape, params, op = []int{h, c}, []int{n, c}, []int{h, n}, Params{}, "FULLY_CONNECTED"
	}
	wS := make([]float32, n)
	for o := range wS {
		wS[o] = 0.002 + r.Float32()*0.01
	}
	g := &Graph{Requantize: RequantizeFP32,
		Tensors: []Tensor{
			{Name: "x", Type: Uint8, Shape: inShape, Scale: []float32{0.05}, ZeroPoint: []int32{0}, Bits: bits},
			{Name: "w", Type: Int8, Shape: wShape, Scale: wS, ZeroPoint: make([]int32, n), Const: true},
			{Name: "b", Type: Int32, Shape: []int{n}, Const: true},
			{Name: "y", Type: Uint8, Shape: outShape, Scale: []float32{0.02 + r.Float32()*0.1}, ZeroPoint: []int32{int32(r.IntN(50))}},
		},
		Ops:    []Op{{Op: op, Inputs: []int{0, 1, 2}, Outputs: []int{3}, Params: params}},
		Inputs: []int{0}, Outputs: []int{3},
	}
	wb := make([]byte, numElements(wShape))
	for i := range wb {
		wb[i] = byte(r.IntN(256))
	}
	bb := make([]byte, 4*n)
	for o := range n {
		binary.LittleEndian.PutUint32(bb[4*o:], uint32(int32(r.IntN(4001)-2000)))
	}
	x := make([]byte, numElements(inShape))
	for i := range x {
		x[i] = byte(r.IntN(128))
	}
	return g, map[string][]byte{"w": wb, "b": bb}, x
}

func runDotConv(t *testing.T, k KernelSet, g *Graph, consts map[string][]byte, x []byte) ([]byte, bool) {
	t.Helper()
	p, err := Compile(g, func(name string) ([]byte, error) { return consts[name], nil }, Options{Kernels: k})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	out, _, _, _ := p.Output()
	return append([]byte(nil), out...), p.steps[0].(*convStep).dot != nil
}

// TestConvDot: a convolution over a 7-bit input keeps int8 panels (with the
// pure-Go kernels, which run either packing) and computes the same bytes as
// the int16 panels that a kernel set without GemmDot gets.
func TestConvDot(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for trial := range 40 {
		fc := trial%4 == 3
		h, w, c, n := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(40), 1+r.IntN(40)
		kh, kw := []int{1, 3, 5}[r.IntN(3)], []int{1, 3}[r.IntN(2)]
		stride, pad := 1+r.IntN(2), []graph.Padding{graph.Same, graph.Valid}[r.IntN(2)]
		if pad == "VALID" && (kh > h || kw > w) {
			pad = "SAME"
		}
		g, consts, x := dotConvGraph(r, fc, h, w, c, n, kh, kw, stride, pad, 7)
		name := fmt.Sprintf("trial %d fc %v %dx%dx%d %dx%d/%d %s -> %d", trial, fc, h, w, c, kh, kw, stride, pad, n)
		got, dot := runDotConv(t, KernelSet{}, g, consts, x)
		if !dot {
			t.Fatalf("%s: the pure-Go kernels did not pack int8 panels", name)
		}
		want, dot := runDotConv(t, int16Gemm(), g, consts, x)
		if dot {
			t.Fatalf("%s: a kernel set without GemmDot got int8 panels", name)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: output %d = %d, int16 panels %d", name, i, got[i], want[i])
			}
		}
	}
}

// dotGemm is a kernel set with GemmDot (the pure-Go code standing in for the
// SIMD kernel), exact for 8-bit inputs when unsigned is set.
func dotGemm(unsigned bool) KernelSet {
	k := int16Gemm()
	var acc []int32
	k.GemmDot = func(a *GemmDotArgs) {
		if n := rowBlock * len(a.Bias); len(acc) < n {
			acc = make([]int32, n)
		}
		GemmDotFP32(a, acc)
	}
	k.GemmDotUnsigned = unsigned
	return k
}

// TestConvDotNeeds7Bits: an input without Bits keeps the int16 panels unless
// the kernel set's dot product takes 8-bit inputs (or it is pure Go, which is
// exact for any); weights beyond int8 (uint8 weights minus a zero point) are
// packed minus 128 with the input-sum correction; uint8 weights with zero
// point 128 fit in int8 as they are. Every packing gives the int16 panels' bytes.
func TestConvDotNeeds7Bits(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	g, consts, x := dotConvGraph(r, false, 5, 5, 8, 8, 3, 3, 1, "SAME", 0)
	if _, dot := runDotConv(t, dotGemm(false), g, consts, x); dot {
		t.Error("an input without Bits got int8 panels from a dot product that needs 7-bit inputs")
	}
	want, _ := runDotConv(t, int16Gemm(), g, consts, x)
	for _, k := range []KernelSet{dotGemm(true), {}} {
		got, dot := runDotConv(t, k, g, consts, x)
		if !dot {
			t.Errorf("an input without Bits kept int16 panels with kernels %+v", k.GemmDotUnsigned)
		}
		if string(got) != string(want) {
			t.Error("8-bit inputs: int8 and int16 panels differ")
		}
	}
	g, consts, x = dotConvGraph(r, false, 5, 5, 8, 8, 3, 3, 1, "SAME", 7)
	g.Tensors[1] = Tensor{Name: "w", Type: Uint8, Shape: g.Tensors[1].Shape, Scale: []float32{0.01}, ZeroPoint: []int32{100}, Const: true}
	consts["w"][0] = 255 // 155 after the zero point
	wide, dot := runDotConv(t, KernelSet{}, g, consts, x)
	if !dot {
		t.Error("uint8 weights with zero point 100 kept int16 panels")
	}
	if want, _ := runDotConv(t, int16Gemm(), g, consts, x); string(wide) != string(want) {
		t.Error("uint8 weights with zero point 100: int8 panels with the input-sum term and int16 panels differ")
	}
	g.Tensors[1].ZeroPoint[0] = 128
	got, dot := runDotConv(t, KernelSet{}, g, consts, x)
	if !dot {
		t.Error("uint8 weights with zero point 128 kept int16 panels")
	}
	if want, _ := runDotConv(t, int16Gemm(), g, consts, x); string(got) != string(want) {
		t.Error("uint8 weights with zero point 128: int8 and int16 panels differ")
	}
}

//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall/js"
	"testing"

	"inceptionweb/nn"
)

// useVariant attaches kernel variant v ("plain" or "relaxed").
func useVariant(tb testing.TB, v string) {
	k := js.Global().Get("SIMDKernels")
	if k.Type() != js.TypeObject {
		tb.Fatal("SIMDKernels is not defined: run with -exec wasm/simd/node_exec.sh")
	}
	if !k.Call("use", v).Bool() {
		tb.Fatalf("kernel variant %s is not attached (SIMD %v, relaxed SIMD %v, error %q)", v,
			k.Get("simd").Bool(), k.Get("relaxedSupported").Bool(), k.Get("error").String())
	}
}

// variants runs a subtest with each variant of the kernel module.
func variants(t *testing.T, run func(t *testing.T)) {
	defer useVariant(t, "relaxed")
	for _, v := range []string{"plain", "relaxed"} {
		t.Run(v, func(t *testing.T) {
			useVariant(t, v)
			run(t)
		})
	}
}

func TestKernels(t *testing.T) {
	f, q, ok := Kernels()
	if !ok {
		t.Fatal("Kernels reported no SIMD kernels")
	}
	if q.Gemm == nil || q.Depthwise == nil || q.Add == nil || q.MaxPool == nil || q.AvgPool == nil {
		t.Errorf("Kernels left the int8 kernels unset: %+v", q)
	}
	if q.GemmDot == nil {
		t.Error("Kernels left GemmDot unset (the relaxed module is attached and its dotcheck should pass)")
	}
	if f.Conv == nil || f.Pool == nil || f.LRN == nil || f.Prepare == nil {
		t.Errorf("Kernels left float kernels unset: %+v", f)
	}
	if f.Name != "simd128-relaxed" {
		t.Errorf("kernel set %q, want simd128-relaxed (Node runs with relaxed SIMD on)", f.Name)
	}
}

type convCase struct {
	h, w, inC, outC, kh, kw, sh, sw, ph, pw, off, extra int
	relu                                                bool
	clip                                                float32
	extraPad                                            int // TensorFlow's SAME: one more zero row and column
}

func (c convCase) String() string {
	return fmt.Sprintf("%dx%dx%d_k%dx%d_s%dx%d_p%dx%d_out%d@%d+%d_relu%v_clip%v",
		c.h, c.w, c.inC, c.kh, c.kw, c.sh, c.sw, c.ph, c.pw, c.outC, c.off, c.extra, c.relu, c.clip)
}

// convCases covers every kernel shape of InceptionV3 with both strides, paddings 0..3, output widths 1..9,
// OutC 1..37 (all tails of the register tile) and output channel slices of wider tensors.
func convCases() []convCase {
	r := rand.New(rand.NewPCG(1, 2))
	var cases []convCase
	i := 0
	for _, k := range [][2]int{{1, 1}, {3, 3}, {5, 5}, {1, 7}, {7, 1}, {1, 3}, {3, 1}} {
		for _, s := range []int{1, 2} {
			for range 6 {
				c := convCase{kh: k[0], kw: k[1], sh: s, sw: s, outC: 1 + i%37, inC: 1 + r.IntN(40),
					off: r.IntN(6), extra: r.IntN(4), relu: r.IntN(2) == 0}
				if c.relu && r.IntN(2) == 0 {
					c.clip = 0.5
				}
				c.ph, c.pw = r.IntN(c.kh/2+1), r.IntN(c.kw/2+1)
				ow, oh := 1+i%9, 1+r.IntN(6)
				c.w = (ow-1)*c.sw + c.kw - 2*c.pw
				c.h = (oh-1)*c.sh + c.kh - 2*c.ph
				c.w, c.h = max(c.w, 1), max(c.h, 1)
				cases = append(cases, c)
				i++
			}
		}
	}
	// Wide channels, as in the network.
	cases = append(cases,
		convCase{h: 9, w: 9, inC: 288, outC: 384, kh: 3, kw: 3, sh: 2, sw: 2},
		convCase{h: 8, w: 8, inC: 131, outC: 45, kh: 1, kw: 3, sh: 1, sw: 1, pw: 1, off: 7, extra: 5, relu: true},
		convCase{h: 5, w: 7, inC: 3, outC: 32, kh: 3, kw: 3, sh: 2, sw: 2, relu: true},
		convCase{h: 8, w: 7, inC: 6, outC: 19, kh: 3, kw: 3, sh: 2, sw: 2, extraPad: 1, relu: true, clip: 6})
	return cases
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 2*r.Float32() - 1
	}
	return s
}

// runConv computes c with the kernel set k into a fresh wide output whose other channels hold a sentinel.
func runConv(k nn.KernelSet, c convCase) (*nn.Conv, *nn.Tensor) {
	r := rand.New(rand.NewPCG(uint64(c.h*1000+c.w), uint64(c.inC*100+c.outC)))
	conv := &nn.Conv{InC: c.inC, OutC: c.outC, KH: c.kh, KW: c.kw, StrideH: c.sh, StrideW: c.sw,
		PadH: c.ph, PadW: c.pw, ExtraPadH: c.extraPad, ExtraPadW: c.extraPad, ReLU: c.relu, Clip: c.clip,
		Weight: randomSlice(r, c.kh*c.kw*c.inC*c.outC), Bias: randomSlice(r, c.outC)}
	in := &nn.Tensor{H: c.h, W: c.w, C: c.inC, Data: randomSlice(r, c.h*c.w*c.inC)}
	oh, ow := conv.OutSize(c.h, c.w)
	out := nn.NewTensor(oh, ow, c.off+c.outC+c.extra)
	for i := range out.Data {
		out.Data[i] = 1234.5
	}
	k.Conv(conv, in, out, c.off)
	return conv, out
}

func TestConv(t *testing.T) {
	saved := chunkBytes
	defer func() { chunkBytes = saved }()
	variants(t, func(t *testing.T) {
		for _, chunkBytes = range []int{0, 1, 128 << 10} { // whole image, 12 pixels, default
			for _, c := range convCases() {
				_, want := runConv(nn.GoKernels, c)
				_, got := runConv(nn.KernelSet{Conv: Conv}, c)
				if err := relErr(got.Data, want.Data); err > 1e-5 || math.IsNaN(err) {
					t.Errorf("%v, chunk %d bytes: relative error %.3g", c, chunkBytes, err)
				}
			}
		}
	})
}

// relErr is max|got-want| / max|want|; the sentinel channels must match exactly for it to stay small.
func relErr(got, want []float32) float64 {
	var diff, scale float64
	for i := range want {
		diff = max(diff, math.Abs(float64(got[i])-float64(want[i])))
		scale = max(scale, math.Abs(float64(want[i])))
	}
	if scale == 0 {
		return diff
	}
	return diff / scale
}

// TestConvRepack checks that replaced weights of the same layer are packed again.
func TestConvRepack(t *testing.T) {
	c := convCase{h: 6, w: 6, inC: 5, outC: 9, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1}
	conv, _ := runConv(nn.KernelSet{Conv: Conv}, c)
	in := nn.NewTensor(6, 6, 5)
	for i := range in.Data {
		in.Data[i] = 1
	}
	conv.Weight = make([]float32, len(conv.Weight))
	out := nn.NewTensor(6, 6, 9)
	Conv(conv, in, out, 0)
	for i, v := range out.Data {
		if v != conv.Bias[i%9] {
			t.Fatalf("output %d = %v after zeroing the weights, want the bias %v", i, v, conv.Bias[i%9])
		}
	}
}

// TestPrepare checks a convolution prepared when a model is built (packed, its HWIO weights dropped) computes
// what the pure-Go kernel computes on the original.
func TestPrepare(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	c := &nn.Conv{InC: 19, OutC: 21, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, ReLU: true,
		Weight: make([]float32, 9*19*21), Bias: make([]float32, 21)}
	for i := range c.Weight {
		c.Weight[i] = r.Float32()*2 - 1
	}
	in := nn.NewTensor(7, 9, 19)
	for i := range in.Data {
		in.Data[i] = r.Float32()*2 - 1
	}
	want, got := nn.NewTensor(7, 9, 21), nn.NewTensor(7, 9, 21)
	nn.GoKernels.Conv(c, in, want, 0)
	Prepare(c)
	if c.Weight != nil || c.Packed == nil {
		t.Fatal("Prepare kept the HWIO weights")
	}
	Conv(c, in, got, 0)
	for i := range want.Data {
		if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > 1e-5*(1+math.Abs(float64(want.Data[i]))) {
			t.Fatalf("element %d: %g, want %g", i, got.Data[i], want.Data[i])
		}
	}
}

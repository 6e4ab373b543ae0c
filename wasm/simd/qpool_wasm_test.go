//go:build js && wasm

package simd

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
)

// randomPool gives a window over a random image: explicit padding below the filter size on each side (Caffe's
// ceil-mode pools pad the bottom and right more), as nn/graph.Params.Window computes the output size.
func randomPool(r *rand.Rand) quant.PoolArgs {
	for {
		a := quant.PoolArgs{H: 1 + r.IntN(30), W: 1 + r.IntN(30), C: 1 + r.IntN(40),
			KH: 1 + r.IntN(5), KW: 1 + r.IntN(5), SH: 1 + r.IntN(3), SW: 1 + r.IntN(3)}
		if r.IntN(2) == 0 {
			a.C = 1 + r.IntN(600)
		}
		pads := []int{r.IntN(a.KH), r.IntN(a.KW), r.IntN(a.KH), r.IntN(a.KW)}
		pr := graph.Params{Padding: "EXPLICIT", Pads: pads}
		var err1, err2 error
		a.OH, a.PadT, err1 = pr.Window(0, a.H, a.KH, a.SH, 1)
		a.OW, a.PadL, err2 = pr.Window(1, a.W, a.KW, a.SW, 1)
		if err1 == nil && err2 == nil && a.OH > 0 && a.OW > 0 {
			return a
		}
	}
}

// poolMatchesGo runs kernel and the pure-Go want on a (with its In set), both over the same random output
// bytes, and fails at the first byte that differs.
func poolMatchesGo(t *testing.T, r *rand.Rand, a quant.PoolArgs, kernel, want func(*quant.PoolArgs)) {
	t.Helper()
	fill := randomBytes(r, a.OH*a.OW*a.C)
	wantOut := bytes.Clone(fill)
	a.Out = wantOut
	want(&a)
	got := bytes.Clone(fill)
	a.Out = got
	kernel(&a)
	if i := firstDiff(got, wantOut); i >= 0 {
		a.In, a.Out = nil, nil
		t.Fatalf("%+v: byte %d (pixel %d channel %d) = %d, want %d", a, i, i/a.C, i%a.C, got[i], wantOut[i])
	}
}

func goAvgPool(a *quant.PoolArgs) { quant.AvgPoolDivRound(a, make([]int32, a.C)) }

// TestQPoolMatchesGo compares QMaxPool and QAvgPool with the pure-Go kernels on random windows, channel counts
// with tails and random clamp bounds, zero points and storage offsets.
func TestQPoolMatchesGo(t *testing.T) {
	variants(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 14))
		for trial := range 300 {
			a := randomPool(r)
			a.In = randomBytes(r, a.H*a.W*a.C)
			if trial%10 == 0 { // the largest sums and maxima
				for i := range a.In {
					a.In[i] = 255 * uint8(trial%20/10)
				}
			}
			a.Lo, a.Hi = 0, 255
			if trial%3 == 0 {
				a.Lo, a.Hi = int32(r.IntN(100)), int32(155+r.IntN(101))
			}
			a.CountPad = trial%2 == 0
			a.Offset = int32(128 * r.IntN(2))
			a.Zero = int32(r.IntN(256))
			poolMatchesGo(t, r, a, QMaxPool, quant.MaxPool)
			poolMatchesGo(t, r, a, QAvgPool, goAvgPool)
		}
	})
}

// TestQAvgPoolLargeWindows: sums of QAvgPoolMaxTaps bytes of 255 fit the kernel's u16 lanes, and larger windows
// (run in Go) still match.
func TestQAvgPoolLargeWindows(t *testing.T) {
	variants(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(15, 16))
		for _, a := range []quant.PoolArgs{
			{H: 1, W: 260, C: 37, OH: 1, OW: 4, KH: 1, KW: 257, SH: 1, SW: 1}, // 257 taps: the kernel's limit
			{H: 17, W: 17, C: 21, OH: 1, OW: 1, KH: 17, KW: 17, SH: 1, SW: 1}, // 289 taps: Go
			{H: 8, W: 8, C: 2048, OH: 1, OW: 1, KH: 8, KW: 8, SH: 1, SW: 1},   // InceptionV3's head
		} {
			for _, v := range []uint8{255, 0} {
				a.In = bytes.Repeat([]byte{v}, a.H*a.W*a.C)
				a.Lo, a.Hi, a.Offset, a.Zero = 0, 255, 128, 3
				poolMatchesGo(t, r, a, QAvgPool, goAvgPool)
			}
			a.In = randomBytes(r, a.H*a.W*a.C)
			poolMatchesGo(t, r, a, QAvgPool, goAvgPool)
		}
	})
}

// BenchmarkQPool times GoogLeNet's and InceptionV3's pools in Go and on the SIMD kernels.
func BenchmarkQPool(b *testing.B) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, s := range []struct {
		name string
		max  bool
		a    quant.PoolArgs
	}{
		{"max/28x28x192s2", true, quant.PoolArgs{H: 56, W: 56, C: 192, OH: 28, OW: 28, KH: 3, KW: 3, SH: 2, SW: 2}},
		{"max/28x28x256s1", true, quant.PoolArgs{H: 28, W: 28, C: 256, OH: 28, OW: 28, KH: 3, KW: 3, SH: 1, SW: 1, PadT: 1, PadL: 1}},
		{"max/14x14x512s1", true, quant.PoolArgs{H: 14, W: 14, C: 512, OH: 14, OW: 14, KH: 3, KW: 3, SH: 1, SW: 1, PadT: 1, PadL: 1}},
		{"avg/35x35x192s1", false, quant.PoolArgs{H: 35, W: 35, C: 192, OH: 35, OW: 35, KH: 3, KW: 3, SH: 1, SW: 1, PadT: 1, PadL: 1, CountPad: true, Offset: 128, Zero: 5}},
		{"avg/17x17x768s1", false, quant.PoolArgs{H: 17, W: 17, C: 768, OH: 17, OW: 17, KH: 3, KW: 3, SH: 1, SW: 1, PadT: 1, PadL: 1, CountPad: true, Offset: 128, Zero: 5}},
	} {
		a := s.a
		a.In, a.Out, a.Lo, a.Hi = randomBytes(r, a.H*a.W*a.C), make([]uint8, a.OH*a.OW*a.C), 0, 255
		goKernel, simd := quant.MaxPool, QMaxPool
		if !s.max {
			goKernel, simd = goAvgPool, QAvgPool
		}
		for _, k := range []struct {
			name string
			run  func(*quant.PoolArgs)
		}{{"go", goKernel}, {"simd", simd}} {
			b.Run(fmt.Sprintf("%s/%s", s.name, k.name), func(b *testing.B) {
				for b.Loop() {
					k.run(&a)
				}
			})
		}
	}
}

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
	// extra > 0 is Caffe's ceil rounding (GoogLeNet's 112 -> 56): the last window hangs over the edge.
	for i, c := range []struct{ h, w, ch, k, s, pad, extra int }{
		{7, 7, 16, 3, 2, 0, 0}, {9, 8, 37, 3, 2, 0, 0}, {5, 5, 21, 3, 1, 1, 0}, {6, 7, 3, 3, 1, 1, 0}, {4, 4, 1, 2, 2, 0, 0},
		{8, 8, 64, 3, 1, 1, 0}, {3, 5, 7, 5, 2, 2, 0}, {12, 12, 64, 3, 2, 0, 1}, {14, 14, 19, 3, 2, 0, 1},
	} {
		for _, kind := range []nn.Pool{{Max: true}, {CountPad: true}, {}} {
			p := kind
			p.KH, p.KW, p.StrideH, p.StrideW, p.PadH, p.PadW = c.k, c.k, c.s, c.s, c.pad, c.pad
			p.ExtraPadH, p.ExtraPadW = c.extra, c.extra
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

// BenchmarkPools times InceptionV3's eleven pooling layers with nn.Pool.Forward and with Pool.
func BenchmarkPools(b *testing.B) {
	type layer struct {
		p       nn.Pool
		h, w, c int
	}
	maxPool := nn.Pool{Max: true, KH: 3, KW: 3, StrideH: 2, StrideW: 2}
	avgPool := nn.Pool{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, CountPad: true}
	layers := []layer{{maxPool, 147, 147, 64}, {maxPool, 71, 71, 192}, {avgPool, 35, 35, 192},
		{avgPool, 35, 35, 256}, {avgPool, 35, 35, 288}, {maxPool, 35, 35, 288}}
	for range 4 {
		layers = append(layers, layer{avgPool, 17, 17, 768})
	}
	layers = append(layers, layer{maxPool, 17, 17, 768}, layer{avgPool, 8, 8, 1280}, layer{avgPool, 8, 8, 2048})
	r := rand.New(rand.NewPCG(7, 8))
	ins, outs := make([]*nn.Tensor, len(layers)), make([]*nn.Tensor, len(layers))
	for i, l := range layers {
		ins[i] = &nn.Tensor{H: l.h, W: l.w, C: l.c, Data: randomSlice(r, l.h*l.w*l.c)}
		oh, ow := l.p.OutSize(l.h, l.w)
		outs[i] = nn.NewTensor(oh, ow, l.c)
	}
	b.Run("go", func(b *testing.B) {
		for range b.N {
			for i := range layers {
				layers[i].p.Forward(ins[i], outs[i], 0)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/image")
	})
	b.Run("simd", func(b *testing.B) {
		for range b.N {
			for i := range layers {
				Pool(&layers[i].p, ins[i], outs[i], 0)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/image")
	})
}

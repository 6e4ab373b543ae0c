//go:build js && wasm

package simd

import (
	"fmt"
	"testing"

	"inceptionweb/nn"
	"inceptionweb/wasm/simd/kernelgen"
)

// BenchmarkConv times single convolutions of each InceptionV3 stage with both variants, reading the weights
// packed in blocks of output channels (as Conv does) or the HWIO weights in place (OutC is a multiple of TileN).
func BenchmarkConv(b *testing.B) {
	for _, c := range []convCase{
		{h: 147, w: 147, inC: 32, outC: 64, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1}, // Conv2d_2b_3x3
		{h: 35, w: 35, inC: 192, outC: 64, kh: 1, kw: 1, sh: 1, sw: 1},                // Mixed_5b 1x1
		{h: 35, w: 35, inC: 64, outC: 96, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1},   // Mixed_5b 3x3
		{h: 17, w: 17, inC: 768, outC: 192, kh: 1, kw: 1, sh: 1, sw: 1},               // Mixed_6b 1x1
		{h: 17, w: 17, inC: 160, outC: 160, kh: 1, kw: 7, sh: 1, sw: 1, pw: 3},        // Mixed_6c 1x7
		{h: 8, w: 8, inC: 448, outC: 384, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1},   // Mixed_7b 3x3
	} {
		conv, out := runConv(nn.KernelSet{Conv: Conv}, c)
		in := nn.NewTensor(c.h, c.w, c.inC)
		for i := range in.Data {
			in.Data[i] = float32(i%7) - 3
		}
		flops := conv.FLOPs(c.h, c.w)
		const tn = kernelgen.TileN
		for _, v := range []string{"plain", "relaxed"} {
			for _, layout := range []string{"hwio", "packed"} {
				name := fmt.Sprintf("%dx%dx%d_%dx%d_to%d/%s/%s", c.h, c.w, c.inC, c.kh, c.kw, c.outC, v, layout)
				b.Run(name, func(b *testing.B) {
					useVariant(b, v)
					defer useVariant(b, "relaxed")
					for range b.N {
						if layout == "hwio" {
							convBlocks(conv, in, out, 0, conv.Weight, 4*c.outC, 4*tn, conv.Bias, c.outC)
						} else {
							Conv(conv, in, out, 0)
						}
					}
					b.ReportMetric(float64(flops)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	}
}

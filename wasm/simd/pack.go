package simd

import (
	"inceptionweb/nn"
	"inceptionweb/wasm/simd/kernelgen"
)

// packedConv is a convolution's weights in the kernel's layout: blocks of kernelgen.TileN output channels,
// each block [KH][KW][InC][TileN], so the micro-kernel reads its weights in one forward sweep. The last block
// and the bias are padded with zeros to whole blocks.
//
// The kernel can also read HWIO in place (a row stride of OutC), which would save a second copy of the
// weights (95 MB for InceptionV3). In Chromium 156 (BenchmarkConv, medians of three runs) the packed copy was
// faster with many output channels (17x17x768 1x1 to 192: 46 against 37 GFLOP/s; 8x8x448 3x3 to 384 with
// mul+add: 47 against 28) and slower with few (35x35x64 3x3 to 96: 37 against 45); whole forward passes
// differed by less than the noise. Packing keeps the weight stream sequential whatever OutC is.
type packedConv struct {
	weight, bias []float32
	src          *float32 // c.Weight's storage when packed, to notice replaced weights
}

func packConv(c *nn.Conv) *packedConv {
	const tn = kernelgen.TileN
	blocks := (c.OutC + tn - 1) / tn
	rows := c.KH * c.KW * c.InC // one row of HWIO per tap and input channel
	p := &packedConv{
		weight: make([]float32, blocks*rows*tn),
		bias:   make([]float32, blocks*tn),
		src:    &c.Weight[0],
	}
	copy(p.bias, c.Bias)
	for b := range blocks {
		n := min(tn, c.OutC-b*tn)
		for r := range rows {
			copy(p.weight[(b*rows+r)*tn:], c.Weight[r*c.OutC+b*tn:][:n])
		}
	}
	return p
}

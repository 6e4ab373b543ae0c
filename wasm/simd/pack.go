package simd

import (
	"inceptionweb/nn"
	"inceptionweb/wasm/simd/kernelgen"
)

// packedConv is a convolution's weights in the kernel's layout: blocks of kernelgen.TileN output channels,
// each block [KH][KW][InC][TileN], so the micro-kernel reads its weights in one forward sweep. The last block
// and the bias are padded with zeros to whole blocks.
type packedConv struct {
	weight, bias []float32
	src          *float32 // c.Weight's storage when packed, to notice replaced weights
}

func packConv(c *nn.Conv) *packedConv {
	const tn = kernelgen.TileN
	blocks := (c.OutC + tn - 1) / tn
	taps := c.KH * c.KW
	p := &packedConv{
		weight: make([]float32, blocks*taps*c.InC*tn),
		bias:   make([]float32, blocks*tn),
		src:    &c.Weight[0],
	}
	copy(p.bias, c.Bias)
	for b := range blocks {
		n := min(tn, c.OutC-b*tn)
		for r := range taps * c.InC { // one row of HWIO: a tap and an input channel
			src := c.Weight[r*c.OutC+b*tn:][:n]
			copy(p.weight[(b*taps*c.InC+r)*tn:], src)
		}
	}
	return p
}

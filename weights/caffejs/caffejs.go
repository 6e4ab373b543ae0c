// Package caffejs reads Caffe models as caffejs (github.com/chaosmail/caffejs) stores them: one headerless
// little-endian float32 file per tensor, named after the Caffe layer ("inception_3a/1x1" ->
// "inception_3a/1x1_filter.bin" and "inception_3a/1x1_bias.bin"). Convolution filters are [out][kh][kw][in]
// (ConvNetJS's order); a fully connected layer's filter is [out][in]; biases are [out].
package caffejs

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Files gives a file's bytes by its path relative to the model's weights folder.
type Files func(path string) ([]byte, error)

// FilterFile and BiasFile are the files of a layer's tensors.
func FilterFile(layer string) string { return layer + "_filter.bin" }
func BiasFile(layer string) string   { return layer + "_bias.bin" }

// Conv reads a convolution's filter, returned in PyTorch's OIHW layout, and its bias.
func Conv(files Files, layer string, outC, inC, kh, kw int) (oihw, bias []float32, err error) {
	ohwi, err := read(files, FilterFile(layer), outC*kh*kw*inC)
	if err != nil {
		return nil, nil, err
	}
	if bias, err = read(files, BiasFile(layer), outC); err != nil {
		return nil, nil, err
	}
	oihw = make([]float32, len(ohwi))
	for o := 0; o < outC; o++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				for i := 0; i < inC; i++ {
					oihw[((o*inC+i)*kh+y)*kw+x] = ohwi[((o*kh+y)*kw+x)*inC+i]
				}
			}
		}
	}
	return oihw, bias, nil
}

// Linear reads a fully connected layer: its [out][in] filter and its bias.
func Linear(files Files, layer string, out, in int) (w, bias []float32, err error) {
	if w, err = read(files, FilterFile(layer), out*in); err != nil {
		return nil, nil, err
	}
	if bias, err = read(files, BiasFile(layer), out); err != nil {
		return nil, nil, err
	}
	return w, bias, nil
}

// read reads a file of exactly n float32 values; a file of any other length is refused, naming it.
func read(files Files, path string, n int) ([]float32, error) {
	data, err := files(path)
	if err != nil {
		return nil, err
	}
	if len(data) != 4*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d (%d float32 values)", path, len(data), 4*n, n)
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("%s: value %d is %v", path, i, x)
		}
	}
	return v, nil
}

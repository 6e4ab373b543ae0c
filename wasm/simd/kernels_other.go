//go:build !(js && wasm)

package simd

import (
	"inceptionweb/nn"
	"inceptionweb/nn/quant"
)

// Kernels reports no kernel sets: the SIMD kernels exist only in the browser's wasm build.
func Kernels() (f nn.KernelSet, q quant.KernelSet, ok bool) {
	return nn.KernelSet{}, quant.KernelSet{}, false
}

//go:build js && wasm

package simd

import (
	"syscall/js"

	"inceptionweb/nn"
	"inceptionweb/nn/quant"
)

// Install sets nn.Kernels and quant.Kernels to the SIMD sets if simd_loader.js attached a kernel module, and
// reports whether it did. Without SIMD support in the browser, both stay the pure-Go sets.
func Install() bool {
	name, ok := Variant()
	if !ok {
		return false
	}
	nn.Kernels = nn.KernelSet{Name: name, Conv: Conv, Pool: Pool, LRN: LRN, Prepare: Prepare}
	quant.Kernels = quant.KernelSet{Name: name, Gemm: QGemm, Depthwise: QDepthwise, Add: QAdd}
	return true
}

// Variant names the kernel module in use ("simd128" or "simd128-relaxed"); ok is false if none is attached.
func Variant() (name string, ok bool) {
	k := js.Global().Get("SIMDKernels")
	if k.Type() != js.TypeObject || !k.Get("ready").Truthy() {
		return "", false
	}
	if k.Get("relaxed").Truthy() {
		return "simd128-relaxed", true
	}
	return "simd128", true
}

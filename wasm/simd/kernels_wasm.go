//go:build js && wasm

package simd

import (
	"syscall/js"

	"inceptionweb/nn"
	"inceptionweb/nn/quant"
)

// Kernels returns the float and the int8 kernel sets of the kernel module simd_loader.js attached, for models
// to be built with; ok is false when it attached none (no SIMD in the browser), and the pure-Go sets, the zero
// values, are what models run then.
func Kernels() (f nn.KernelSet, q quant.KernelSet, ok bool) {
	name, ok := Variant()
	if !ok {
		return nn.KernelSet{}, quant.KernelSet{}, false
	}
	return nn.KernelSet{Name: name, Conv: Conv, Pool: Pool, LRN: LRN, Prepare: Prepare}, quantKernels(name), true
}

// quantKernels is the int8 kernel set of the attached module: with GemmDot where relaxed SIMD's dot product
// is there and right, otherwise the SIMD128 GEMM over int16 panels for every convolution.
func quantKernels(name string) quant.KernelSet {
	k := quant.KernelSet{Name: name, Gemm: QGemm, Depthwise: QDepthwise, Add: QAdd, MaxPool: QMaxPool, AvgPool: QAvgPool,
		Quantize: QQuantize}
	if RelaxedDot() {
		k.GemmDot = QGemmDot
		k.GemmDotUnsigned = js.Global().Get("SIMDKernels").Get("relaxedDotUnsigned").Truthy()
	}
	return k
}

// RelaxedDot reports whether the attached module is the relaxed one and the engine computes its int8 dot
// product (i32x4.relaxed_dot_i8x16_i7x16_add_s) as specified, which simd_loader.js checks once.
func RelaxedDot() bool {
	k := js.Global().Get("SIMDKernels")
	return k.Type() == js.TypeObject && k.Get("ready").Truthy() && k.Get("relaxedDot").Truthy()
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

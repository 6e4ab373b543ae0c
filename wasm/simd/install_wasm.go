//go:build js && wasm

package simd

import (
	"syscall/js"

	"inceptionweb/nn"
)

// Install sets nn.Kernels to the SIMD set if simd_loader.js attached a kernel module, and reports whether it
// did. Without SIMD support in the browser, nn.Kernels stays the pure-Go set.
func Install() bool {
	name, ok := Variant()
	if !ok {
		return false
	}
	nn.Kernels = nn.KernelSet{Name: name, Conv: Conv, Pool: Pool, Prepare: Prepare}
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

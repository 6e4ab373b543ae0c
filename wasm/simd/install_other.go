//go:build !(js && wasm)

package simd

// Install reports false: the SIMD kernels exist only in the browser's wasm build.
func Install() bool { return false }

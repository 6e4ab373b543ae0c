//go:build js && wasm

package simd

import (
	"runtime"
	"unsafe"

	"inceptionweb/nn/quant"
	"inceptionweb/wasm/simd/kernelgen"
)

//go:wasmimport simdkernels widen
func wasmWiden(src, dst, rows, k uint32)

//go:wasmimport simdkernels qgemm
func wasmQGemm(x, rows, k, w, bias, scale, n, out, outStride, zero, lo, hi uint32)

// wasmQGemmDot is the relaxed module's kernelgen.QGemmDotName.
//
//go:wasmimport simdkernels qgemm_dot_4x8
func wasmQGemmDot(x, rows, k, w, bias, scale, n, out, outStride, zero, lo, hi, xsum, mult uint32)

//go:wasmimport simdkernels qrowsum
func wasmQRowSum(x, rows, k, out uint32)

//go:wasmimport simdkernels qdepthwise3x3
func wasmQDepthwise3x3(in, h, w, c, out, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, weights, bias, scale, xzero,
	zero, lo, hi uint32)

//go:wasmimport simdkernels qdepthwise5x5
func wasmQDepthwise5x5(in, h, w, c, out, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, weights, bias, scale, xzero,
	zero, lo, hi uint32)

//go:wasmimport simdkernels qadd
func wasmQAdd(a, b, out, n, azero, bzero, amult, bmult, shift, zero, lo, hi uint32)

//go:wasmimport simdkernels qquantize
func wasmQQuantize(x, out, n uint32, inv, zero, top float32)

// widened holds a block of GEMM inputs as int16, interleaved in tiles as qgemm reads them.
var widened []int16

// rowSums holds a block's input sums for qgemm_dot over weights packed minus 128.
var rowSums []int32

// gemmBlockBytes bounds the widened inputs of one qgemm call (unless that is fewer than gemmMinRows rows),
// so that they stay in cache while every panel of weights passes over them.
const (
	gemmBlockBytes = 64 << 10
	gemmMinRows    = 64
)

// QGemm is quant.KernelSet.Gemm on the SIMD kernel module.
func QGemm(a *quant.GemmArgs) {
	const tm = kernelgen.QTileM
	block := max(gemmBlockBytes/(2*a.K), gemmMinRows)
	block = (block + tm - 1) / tm * tm
	if need := block * a.K; len(widened) < need {
		widened = make([]int16, need)
	}
	for r0 := 0; r0 < a.Rows; r0 += block {
		rows := min(block, a.Rows-r0)
		x := a.X[r0*a.K : (r0+rows)*a.K]
		wasmWiden(addr8(x), addr16(widened), uint32(rows), uint32(a.K))
		wasmQGemm(addr16(widened), uint32(rows), uint32(a.K), addr16(a.Panels), addr32(a.Bias),
			addrF(a.Scale), uint32(a.N), addr8(a.Out[r0*a.OutStride:]), uint32(a.OutStride),
			uint32(a.Zero), uint32(a.Lo), uint32(a.Hi))
		runtime.KeepAlive(x)
	}
	runtime.KeepAlive(a.Out)
	runtime.KeepAlive(a.Panels)
	runtime.KeepAlive(a.Bias)
	runtime.KeepAlive(a.Scale)
}

// QGemmDot is quant.KernelSet.GemmDot on the relaxed SIMD module (only there: the plain module has no
// qgemm_dot). It reads the input bytes in place, gemmBlockBytes of rows at a time (at least gemmMinRows), so
// that they stay in cache while every panel of weights passes over them.
func QGemmDot(a *quant.GemmDotArgs) {
	const tm = kernelgen.QDotTileM
	block := max(gemmBlockBytes/a.K, gemmMinRows)
	block = (block + tm - 1) / tm * tm
	xsum, mult := uint32(0), uint32(0)
	if a.XSumMult != nil {
		if len(rowSums) < block {
			rowSums = make([]int32, block)
		}
		xsum, mult = addr32(rowSums), addr32(a.XSumMult)
	}
	for r0 := 0; r0 < a.Rows; r0 += block {
		rows := min(block, a.Rows-r0)
		if xsum != 0 {
			wasmQRowSum(addr8(a.X[r0*a.K:]), uint32(rows), uint32(a.K), xsum)
		}
		wasmQGemmDot(addr8(a.X[r0*a.K:]), uint32(rows), uint32(a.K), addrI8(a.Weights), addr32(a.Bias),
			addrF(a.Scale), uint32(a.N), addr8(a.Out[r0*a.OutStride:]), uint32(a.OutStride),
			uint32(a.Zero), uint32(a.Lo), uint32(a.Hi), xsum, mult)
	}
	runtime.KeepAlive(rowSums)
	runtime.KeepAlive(a.XSumMult)
	runtime.KeepAlive(a.X)
	runtime.KeepAlive(a.Out)
	runtime.KeepAlive(a.Weights)
	runtime.KeepAlive(a.Bias)
	runtime.KeepAlive(a.Scale)
}

// QDepthwise is quant.KernelSet.Depthwise on the SIMD kernel module, for 3x3 and 5x5 filters over a
// multiple of 8 channels; other shapes run the pure-Go kernel.
func QDepthwise(a *quant.DepthwiseArgs) {
	var kernel func(in, h, w, c, out, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, weights, bias, scale, xzero,
		zero, lo, hi uint32)
	switch {
	case a.C%8 != 0 || a.KH != a.KW:
	case a.KH == 3:
		kernel = wasmQDepthwise3x3
	case a.KH == 5:
		kernel = wasmQDepthwise5x5
	}
	if kernel == nil {
		if len(depthwiseAcc) < a.C {
			depthwiseAcc = make([]int32, a.C)
		}
		quant.DepthwiseFP32(a, depthwiseAcc)
		return
	}
	kernel(addr8(a.In), uint32(a.H), uint32(a.W), uint32(a.C), addr8(a.Out), uint32(a.OH), uint32(a.OW),
		uint32(a.KH), uint32(a.KW), uint32(a.SH), uint32(a.SW), uint32(a.DH), uint32(a.DW),
		uint32(a.PadT), uint32(a.PadL), addr16(a.Weights), addr32(a.ZBias), addrF(a.Scale),
		uint32(a.XZero), uint32(a.Zero), uint32(a.Lo), uint32(a.Hi))
	runtime.KeepAlive(a.In)
	runtime.KeepAlive(a.Out)
	runtime.KeepAlive(a.Weights)
	runtime.KeepAlive(a.ZBias)
	runtime.KeepAlive(a.Scale)
}

// depthwiseAcc holds the accumulators of depthwise convolutions that run in Go.
var depthwiseAcc []int32

// QAdd is quant.KernelSet.Add on the SIMD kernel module.
func QAdd(a *quant.AddArgs) {
	n := len(a.Out) &^ 7
	wasmQAdd(addr8(a.A), addr8(a.B), addr8(a.Out), uint32(n), uint32(a.AZero), uint32(a.BZero),
		uint32(a.AMult), uint32(a.BMult), uint32(a.Shift), uint32(a.Zero), uint32(a.Lo), uint32(a.Hi))
	runtime.KeepAlive(a.A)
	runtime.KeepAlive(a.B)
	runtime.KeepAlive(a.Out)
	if n < len(a.Out) { // the last few elements
		tail := *a
		tail.A, tail.B, tail.Out = a.A[n:], a.B[n:], a.Out[n:]
		quant.AddXNNPACKRule(&tail)
	}
}

// QQuantize is quant.KernelSet.Quantize on the SIMD kernel module.
func QQuantize(a *quant.QuantizeArgs) {
	n := len(a.Out) &^ 15
	wasmQQuantize(addrF(a.X), addr8(a.Out), uint32(n), a.Inv, a.Zero, a.Top)
	runtime.KeepAlive(a.X)
	runtime.KeepAlive(a.Out)
	if n < len(a.Out) { // the last few elements
		tail := *a
		tail.X, tail.Out = a.X[n:], a.Out[n:]
		quant.QuantizeFloat(&tail)
	}
}

func addr8(s []uint8) uint32   { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }
func addrI8(s []int8) uint32   { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }
func addr16(s []int16) uint32  { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }
func addr32(s []int32) uint32  { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }
func addrF(s []float32) uint32 { return addr(s) }

//go:build js && wasm

package simd

import (
	"runtime"

	"inceptionweb/nn/quant"
	"inceptionweb/wasm/simd/kernelgen"
)

//go:wasmimport simdkernels qmaxpool
func wasmQMaxPool(in, h, w, c, out, oh, ow, kh, kw, sh, sw, padT, padL, lo, hi, countPad, offset, zero uint32)

//go:wasmimport simdkernels qavgpool
func wasmQAvgPool(in, h, w, c, out, oh, ow, kh, kw, sh, sw, padT, padL, lo, hi, countPad, offset, zero uint32)

// QMaxPool is quant.KernelSet.MaxPool on the SIMD kernel module.
func QMaxPool(a *quant.PoolArgs) { qpool(wasmQMaxPool, a) }

// QAvgPool is quant.KernelSet.AvgPool on the SIMD kernel module, for windows of up to
// kernelgen.QAvgPoolMaxTaps taps (larger ones run the pure-Go kernel).
func QAvgPool(a *quant.PoolArgs) {
	if a.KH*a.KW > kernelgen.QAvgPoolMaxTaps {
		if len(poolAcc) < a.C {
			poolAcc = make([]int32, a.C)
		}
		quant.AvgPoolDivRound(a, poolAcc)
		return
	}
	qpool(wasmQAvgPool, a)
}

// poolAcc holds the accumulators of average pools that run in Go.
var poolAcc []int32

func qpool(kernel func(in, h, w, c, out, oh, ow, kh, kw, sh, sw, padT, padL, lo, hi, countPad, offset, zero uint32),
	a *quant.PoolArgs) {
	kernel(addr8(a.In), uint32(a.H), uint32(a.W), uint32(a.C), addr8(a.Out), uint32(a.OH), uint32(a.OW),
		uint32(a.KH), uint32(a.KW), uint32(a.SH), uint32(a.SW), uint32(a.PadT), uint32(a.PadL),
		uint32(a.Lo), uint32(a.Hi), b2u(a.CountPad), uint32(a.Offset), uint32(a.Zero))
	runtime.KeepAlive(a.In)
	runtime.KeepAlive(a.Out)
}

//go:build js && wasm

package simd

import (
	"runtime"

	"inceptionweb/nn"
)

//go:wasmimport simdkernels pool
func wasmPool(in, inH, inW, c, out, outH, outW, outStride, kh, kw, strideH, strideW, padH, padW, max,
	countPad uint32)

// Pool computes p over in into channels [off, off+in.C) of out, as nn.Pool.Forward does; shapes must
// already be checked.
func Pool(p *nn.Pool, in, out *nn.Tensor, off int) {
	wasmPool(addr(in.Data), uint32(in.H), uint32(in.W), uint32(in.C),
		addr(out.Data[off:]), uint32(out.H), uint32(out.W), uint32(4*out.C),
		uint32(p.KH), uint32(p.KW), uint32(p.StrideH), uint32(p.StrideW), uint32(p.PadH), uint32(p.PadW),
		b2u(p.Max), b2u(p.CountPad))
	runtime.KeepAlive(in.Data)
	runtime.KeepAlive(out.Data)
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

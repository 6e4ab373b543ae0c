//go:build js && wasm

package simd

import (
	"runtime"

	"inceptionweb/nn"
)

//go:wasmimport simdkernels lrn
func wasmLRN(in, out, outStride, pixels, c, sq uint32, k, scale float32)

// lrnSquares is the kernel's zero-padded scratch, kept between calls: a worker runs one network at a time.
var lrnSquares []float32

// LRN computes l over in into channels [off, off+in.C) of out, as nn.LRN.Forward does, bit for bit. The kernel
// covers GoogLeNet's LRN (5 channels, beta 0.75, channels a multiple of 4); other shapes use the Go kernel.
func LRN(l *nn.LRN, in, out *nn.Tensor, off int) {
	if l.Size != 5 || l.Beta != 0.75 || in.C%4 != 0 {
		nn.GoKernels.LRN(l, in, out, off)
		return
	}
	if len(lrnSquares) < in.C+4 {
		lrnSquares = make([]float32, in.C+4)
	}
	clear(lrnSquares[in.C+2 : in.C+4]) // the window's zeros past the last channel (a wider call left squares)
	wasmLRN(addr(in.Data), addr(out.Data[off:]), uint32(4*out.C), uint32(in.H*in.W), uint32(in.C),
		addr(lrnSquares), l.K, l.Alpha/float32(l.Size))
	runtime.KeepAlive(in.Data)
	runtime.KeepAlive(out.Data)
}

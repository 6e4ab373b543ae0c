//go:build js && wasm

package simd

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"inceptionweb/nn"
	"inceptionweb/wasm/simd/kernelgen"
)

//go:wasmimport simdkernels conv
func wasmConv(in, inH, inW, inC, out, outH, outW, outStride, weights, rowStride, blockStride, bias, outC,
	kh, kw, strideH, strideW, padH, padW, zeros, relu uint32, clip float32, chunk uint32)

var (
	mu       sync.Mutex
	prepared = map[weak.Pointer[nn.Conv]]*packedConv{}
	zeros    []float32 // read by taps in the padding
)

// prepare returns c's packed weights, packing them at the first call. The entry goes when c is collected.
func prepare(c *nn.Conv) *packedConv {
	mu.Lock()
	defer mu.Unlock()
	key := weak.Make(c)
	p := prepared[key]
	if p == nil || p.src != &c.Weight[0] {
		if p == nil {
			runtime.AddCleanup(c, func(k weak.Pointer[nn.Conv]) {
				mu.Lock()
				delete(prepared, k)
				mu.Unlock()
			}, key)
		}
		p = packConv(c)
		prepared[key] = p
	}
	return p
}

// Prepare is nn.KernelSet.Prepare: it packs a model's convolution once and drops the HWIO weights, so the
// model holds its weights once (only this set's Conv can run it afterwards, which nn.Conv.Prepare ensures).
func Prepare(c *nn.Conv) {
	p := packConv(c)
	p.src = nil // it would keep the HWIO weights alive
	c.Packed = p
	c.Weight = nil
}

// Conv is nn.KernelSet.Conv on the SIMD kernel module. A convolution that was not prepared is packed at its
// first call and cached.
func Conv(c *nn.Conv, in, out *nn.Tensor, off int) {
	const tn = kernelgen.TileN
	p, ok := c.Packed.(*packedConv)
	if !ok {
		p = prepare(c)
	}
	convBlocks(c, in, out, off, p.weight, 4*tn, 4*tn*c.KH*c.KW*c.InC, p.bias, c.OutC)
	runtime.KeepAlive(p)
}

// convBlocks computes n output channels of c into channels [off, off+n) of out, from weights laid out as
// blocks of TileN channels with the given strides in bytes (see kernelgen.ConvParams) and TileN biases per
// block.
func convBlocks(c *nn.Conv, in, out *nn.Tensor, off int, weights []float32, rowStride, blockStride int,
	bias []float32, n int) {
	if len(zeros) < c.InC {
		zeros = make([]float32, c.InC)
	}
	relu := uint32(0)
	if c.ReLU {
		relu = 1
	}
	wasmConv(addr(in.Data), uint32(in.H), uint32(in.W), uint32(in.C),
		addr(out.Data[off:]), uint32(out.H), uint32(out.W), uint32(4*out.C),
		addr(weights), uint32(rowStride), uint32(blockStride), addr(bias), uint32(n),
		uint32(c.KH), uint32(c.KW), uint32(c.StrideH), uint32(c.StrideW), uint32(c.PadH), uint32(c.PadW),
		addr(zeros), relu, c.Clip, chunkPixels(c))
	runtime.KeepAlive(in.Data)
	runtime.KeepAlive(out.Data)
	runtime.KeepAlive(weights)
	runtime.KeepAlive(bias)
}

// chunkBytes is the input footprint of the output pixels the kernel computes for every block of output
// channels before it moves on (0: the whole image at once). In Chromium 156 on InceptionV3, 128 KiB measured
// 0-25% faster than no blocking with mul+add and the same with relaxed SIMD, on a noisy shared machine.
var chunkBytes = 128 << 10

// chunkPixels is the number of output pixels per cache block: a chunk's taps read about chunkBytes of input.
func chunkPixels(c *nn.Conv) uint32 {
	if chunkBytes == 0 {
		return 1 << 30
	}
	n := chunkBytes / (4 * c.InC * c.KH * c.KW) / kernelgen.ChunkUnit * kernelgen.ChunkUnit
	return uint32(max(n, kernelgen.ChunkUnit))
}

// addr is the byte offset of s's first element in linear memory.
func addr(s []float32) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }

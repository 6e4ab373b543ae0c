// Package kernelgen generates the SIMD128 kernel module: wasm functions that work on pointers (i32 byte
// offsets) into the Go program's own linear memory, which the module imports as env.memory.
package kernelgen

import "inceptionweb/wasm/simd/wasmgen"

// Register tile of the convolution micro-kernel: TileM output pixels by TileN output channels, held in
// TileM*TileN/4 v128 accumulators. V8 gives wasm 15 xmm registers on x86-64; the tile also needs TileN/4
// weight vectors and a broadcast input, and mul+add one more register for the product, so the fused variant
// affords a taller tile. Measured in Chromium 156 on x86-64 (the inner loop is not unrolled: unrolled bodies
// made V8 issue every load first and spill the accumulators). A 5x8 tile with mul+add measured 10-25% slower
// than 4x8 (medians of six runs per layer).
const (
	TileMPlain   = 4
	TileMRelaxed = 6
	TileN        = 8

	// ChunkUnit divides every cache block of output pixels: a multiple of both tile heights.
	ChunkUnit = 12
)

// Module is the kernel module. With relaxed set, multiply-adds use f32x4.relaxed_madd (relaxed SIMD);
// otherwise f32x4.mul followed by f32x4.add (SIMD128 only). Only the relaxed module has the int8 GEMM over
// 7-bit inputs (qgemm_dot_*, see quantdot.go) and its check (dotcheck).
func Module(relaxed bool) []byte {
	m := wasmgen.NewModule("env", "memory")
	tm := TileMPlain
	if relaxed {
		tm = TileMRelaxed
	}
	conv(m, relaxed, tm, TileN)
	pool(m)
	lrn(m)
	widen(m)
	qgemm(m, QTileM)
	for _, k := range DepthwiseSizes {
		qdepthwise(m, k)
	}
	qadd(m)
	qquantize(m)
	qpool(m, false)
	qpool(m, true)
	if relaxed {
		dotCheck(m)
		qgemmDot(m, QDotTileM, QDotTileN)
		qrowSum(m)
	}
	return m.Bytes()
}

// The parameters of the exported conv function, in order (all i32; pointers are byte offsets).
var ConvParams = []string{
	"in", "inH", "inW", "inC", // input tensor, NHWC
	"out", "outH", "outW", "outStride", // first output channel of pixel 0; bytes from one pixel to the next
	"weights",      // the first block's weights for tap 0, input channel 0: tn floats
	"rowStride",    // bytes from one input channel's tn weights to the next (through all taps)
	"blockStride",  // bytes from one block's weights to the next
	"bias", "outC", // tn floats per block; the number of output channels computed
	"kh", "kw", "strideH", "strideW", "padH", "padW",
	"zeros", // inC zero floats, read for taps in the padding
	"relu",  // nonzero: clamp the outputs at zero
	"clip",  // f32; with relu, above zero: cap the outputs too (ReLU6)
	"chunk", // output pixels per cache block, a multiple of the tile height
}

// File names of the two variants, as the loader fetches them.
const (
	PlainFile   = "simdkernels.wasm"
	RelaxedFile = "simdkernels-relaxed.wasm"
)

// clampLast replaces the index on the stack by min(index, n-1), n being a local: the last row or pixel stands in
// for the ones past the end of a short tile. t is a scratch local.
func clampLast(f *wasmgen.Func, t, n uint32) {
	f.Tee(t)
	f.Get(n)
	f.I32(1)
	f.I32Sub()
	f.Get(t)
	f.Get(n)
	f.I32LtS()
	f.Select()
}

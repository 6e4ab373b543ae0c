package kernelgen

import "inceptionweb/wasm/simd/wasmgen"

// The parameters of the exported lrn function, in order (i32, but k and scale, f32).
var LRNParams = []string{
	"in",          // pixels x c floats
	"out",         // the first output channel of pixel 0
	"outStride",   // bytes from one output pixel to the next
	"pixels", "c", // c a multiple of 4
	"sq",         // scratch of c+4 floats whose first two and last two are zero
	"k", "scale", // f32: t = k + scale * (sum of the 5 squares)
}

// lrn emits LRN across 5 channels with beta 0.75 (GoogLeNet's): for each pixel the squares go into the
// zero-padded scratch, then 4 channels at a time the window sum is five unaligned loads added in channel order
// (as the Go kernel adds them), and y = x * t^-0.5 * t^-0.25.
func lrn(m *wasmgen.Module) {
	params := make([]wasmgen.ValType, len(LRNParams))
	for i, n := range LRNParams {
		params[i] = wasmgen.I32
		if n == "k" || n == "scale" {
			params[i] = wasmgen.F32
		}
	}
	f := m.Func("lrn", params, nil)
	p := func(name string) uint32 {
		for i, n := range LRNParams {
			if n == name {
				return f.Param(i)
			}
		}
		panic("kernelgen: no lrn parameter " + name)
	}
	in, out, outStride, pixels, ch, sq, k, scale := p("in"), p("out"), p("outStride"), p("pixels"), p("c"), p("sq"), p("k"), p("scale")
	px, i, end := f.Local(wasmgen.I32), f.Local(wasmgen.I32), f.Local(wasmgen.I32)
	kv, sv, one, r := f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128)
	f.Get(k)
	f.F32x4Splat()
	f.Set(kv)
	f.Get(scale)
	f.F32x4Splat()
	f.Set(sv)
	f.F32Const(1)
	f.F32x4Splat()
	f.Set(one)
	// end = c*4: bytes of one input pixel.
	f.Get(ch)
	f.I32(2)
	f.I32Shl()
	f.Set(end)
	// loop runs body for i = 0, 16, ... < end.
	loop := func(body func()) {
		f.I32(0)
		f.Set(i)
		done := f.Block()
		l := f.Loop()
		f.Get(i)
		f.Get(end)
		f.I32GeS()
		f.BrIf(done)
		body()
		f.Get(i)
		f.I32(16)
		f.I32Add()
		f.Set(i)
		f.Br(l)
		f.End()
		f.End()
	}
	f.I32(0)
	f.Set(px)
	done := f.Block()
	pixelLoop := f.Loop()
	f.Get(px)
	f.Get(pixels)
	f.I32GeS()
	f.BrIf(done)
	// sq[2+c] = x[c]^2
	loop(func() {
		f.Get(sq)
		f.Get(i)
		f.I32Add()
		f.Get(in)
		f.Get(i)
		f.I32Add()
		f.V128Load(0)
		f.Get(in)
		f.Get(i)
		f.I32Add()
		f.V128Load(0)
		f.F32x4Mul()
		f.V128Store(8)
	})
	loop(func() {
		// r = 1/sqrt(k + scale*sum), sum = sq[c-2] + sq[c-1] + sq[c] + sq[c+1] + sq[c+2]
		for t := 0; t < 5; t++ {
			f.Get(sq)
			f.Get(i)
			f.I32Add()
			f.V128Load(uint32(4 * t))
			if t > 0 {
				f.F32x4Add()
			}
		}
		f.Get(sv)
		f.F32x4Mul()
		f.Get(kv)
		f.F32x4Add()
		f.F32x4Sqrt()
		f.Set(r)
		f.Get(one)
		f.Get(r)
		f.F32x4Div()
		f.Set(r)
		// out[c] = x[c] * (r * sqrt(r))
		f.Get(out)
		f.Get(i)
		f.I32Add()
		f.Get(in)
		f.Get(i)
		f.I32Add()
		f.V128Load(0)
		f.Get(r)
		f.Get(r)
		f.F32x4Sqrt()
		f.F32x4Mul()
		f.F32x4Mul()
		f.V128Store(0)
	})
	f.Get(in)
	f.Get(end)
	f.I32Add()
	f.Set(in)
	f.Get(out)
	f.Get(outStride)
	f.I32Add()
	f.Set(out)
	f.Get(px)
	f.I32(1)
	f.I32Add()
	f.Set(px)
	f.Br(pixelLoop)
	f.End()
	f.End()
}

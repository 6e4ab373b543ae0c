package kernelgen

import (
	"math"

	"inceptionweb/wasm/simd/wasmgen"
)

// The parameters of the exported pool function, in order (all i32).
var PoolParams = []string{
	"in", "inH", "inW", "c",
	"out", "outH", "outW", "outStride",
	"kh", "kw", "strideH", "strideW", "padH", "padW",
	"max",      // nonzero: max pooling, else average
	"countPad", // average over the whole window (PyTorch's count_include_pad), else over the taps inside
}

// pool emits max and average pooling: for each output pixel it clamps the window to the input, then walks the
// channels 16, then 4, then 1 at a time, reducing over the window's taps.
func pool(m *wasmgen.Module) {
	params := make([]wasmgen.ValType, len(PoolParams))
	for i := range params {
		params[i] = wasmgen.I32
	}
	f := m.Func("pool", params, nil)
	p := func(name string) uint32 {
		for i, n := range PoolParams {
			if n == name {
				return f.Param(i)
			}
		}
		panic("kernelgen: no pool parameter " + name)
	}
	in, inH, inW, ch := p("in"), p("inH"), p("inW"), p("c")
	out, outH, outW, outStride := p("out"), p("outH"), p("outW"), p("outStride")
	kh, kw, sh, sw, ph, pw := p("kh"), p("kw"), p("strideH"), p("strideW"), p("padH"), p("padW")
	isMax, countPad := p("max"), p("countPad")

	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	oy, ox, ylo, yhi, xlo, xhi, y, x, c, cBytes, dst, src, t := i32(), i32(), i32(), i32(), i32(), i32(), i32(),
		i32(), i32(), i32(), i32(), i32(), i32()
	inv := f.Local(wasmgen.F32)
	invv := f.Local(wasmgen.V128)
	acc := []uint32{f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128)}
	sacc := f.Local(wasmgen.F32)

	// clamp sets lo = max(start, 0) and hi = min(start+k, n), start = o*stride - pad.
	clamp := func(o, stride, pad, k, n, lo, hi uint32) {
		f.Get(o)
		f.Get(stride)
		f.I32Mul()
		f.Get(pad)
		f.I32Sub()
		f.Tee(t)
		f.I32(0)
		f.Get(t)
		f.I32(0)
		f.I32GtS()
		f.Select()
		f.Set(lo)
		f.Get(t)
		f.Get(k)
		f.I32Add()
		f.Tee(t)
		f.Get(n)
		f.Get(t)
		f.Get(n)
		f.I32LtS()
		f.Select()
		f.Set(hi)
	}
	// forLoop runs body for v from lo while v < hi.
	forLoop := func(v, lo, hi uint32, body func()) {
		f.Get(lo)
		f.Set(v)
		done := f.Block()
		loop := f.Loop()
		f.Get(v)
		f.Get(hi)
		f.I32GeS()
		f.BrIf(done)
		body()
		f.Get(v)
		f.I32(1)
		f.I32Add()
		f.Set(v)
		f.Br(loop)
		f.End()
		f.End()
	}
	// reduce handles channels [c, c+4*nv) (nv > 0) or the one channel c (nv == 0) at the current pixel.
	reduce := func(nv int) {
		for v := range max(nv, 1) {
			if nv == 0 {
				f.Get(isMax)
				f.If()
				f.F32Const(float32(math.Inf(-1)))
				f.Set(sacc)
				f.Else()
				f.F32Const0()
				f.Set(sacc)
				f.End()
				continue
			}
			f.Get(isMax)
			f.If()
			f.F32Const(float32(math.Inf(-1)))
			f.F32x4Splat()
			f.Set(acc[v])
			f.Else()
			f.V128Zero()
			f.Set(acc[v])
			f.End()
		}
		forLoop(y, ylo, yhi, func() {
			forLoop(x, xlo, xhi, func() {
				// src = in + (y*inW + x)*cBytes + c
				f.Get(in)
				f.Get(y)
				f.Get(inW)
				f.I32Mul()
				f.Get(x)
				f.I32Add()
				f.Get(cBytes)
				f.I32Mul()
				f.I32Add()
				f.Get(c)
				f.I32Add()
				f.Set(src)
				f.Get(isMax)
				f.If()
				if nv == 0 {
					f.Get(sacc)
					f.Get(src)
					f.F32Load(0)
					f.F32Max()
					f.Set(sacc)
				} else {
					for v := range nv {
						f.Get(acc[v])
						f.Get(src)
						f.V128Load(uint32(16 * v))
						f.F32x4Pmax()
						f.Set(acc[v])
					}
				}
				f.Else()
				if nv == 0 {
					f.Get(sacc)
					f.Get(src)
					f.F32Load(0)
					f.F32Add()
					f.Set(sacc)
				} else {
					for v := range nv {
						f.Get(acc[v])
						f.Get(src)
						f.V128Load(uint32(16 * v))
						f.F32x4Add()
						f.Set(acc[v])
					}
				}
				f.End()
			})
		})
		for v := range max(nv, 1) { // isMax ? acc : acc*inv
			f.Get(dst)
			f.Get(c)
			f.I32Add()
			if nv == 0 {
				f.Get(sacc)
				f.Get(sacc)
				f.Get(inv)
				f.F32Mul()
				f.Get(isMax)
				f.Select()
				f.F32Store(0)
				continue
			}
			f.Get(acc[v])
			f.Get(acc[v])
			f.Get(invv)
			f.F32x4Mul()
			f.Get(isMax)
			f.Select()
			f.V128Store(uint32(16 * v))
		}
		f.Get(c)
		f.I32(int32(4 * max(4*nv, 1)))
		f.I32Add()
		f.Set(c)
	}

	f.Get(ch)
	f.I32(2)
	f.I32Shl()
	f.Set(cBytes)
	f.I32(0)
	f.Set(oy)
	yDone := f.Block()
	yLoop := f.Loop()
	f.Get(oy)
	f.Get(outH)
	f.I32GeS()
	f.BrIf(yDone)
	clamp(oy, sh, ph, kh, inH, ylo, yhi)
	f.I32(0)
	f.Set(ox)
	xDone := f.Block()
	xLoop := f.Loop()
	f.Get(ox)
	f.Get(outW)
	f.I32GeS()
	f.BrIf(xDone)
	clamp(ox, sw, pw, kw, inW, xlo, xhi)
	// inv = 1 / (countPad ? kh*kw : taps inside)
	f.F32Const(1)
	f.Get(kh)
	f.Get(kw)
	f.I32Mul()
	f.Get(yhi)
	f.Get(ylo)
	f.I32Sub()
	f.Get(xhi)
	f.Get(xlo)
	f.I32Sub()
	f.I32Mul()
	f.Get(countPad)
	f.Select()
	f.F32ConvertI32S()
	f.F32Div()
	f.Tee(inv)
	f.F32x4Splat()
	f.Set(invv)
	// dst = out + (oy*outW + ox)*outStride
	f.Get(out)
	f.Get(oy)
	f.Get(outW)
	f.I32Mul()
	f.Get(ox)
	f.I32Add()
	f.Get(outStride)
	f.I32Mul()
	f.I32Add()
	f.Set(dst)
	f.I32(0)
	f.Set(c)
	for _, nv := range []int{4, 1, 0} {
		step := 4 * max(4*nv, 1)
		done := f.Block()
		loop := f.Loop()
		f.Get(c)
		f.I32(int32(step))
		f.I32Add()
		f.Get(cBytes)
		f.I32GtS()
		f.BrIf(done)
		reduce(nv)
		f.Br(loop)
		f.End()
		f.End()
	}
	f.Get(ox)
	f.I32(1)
	f.I32Add()
	f.Set(ox)
	f.Br(xLoop)
	f.End()
	f.End()
	f.Get(oy)
	f.I32(1)
	f.I32Add()
	f.Set(oy)
	f.Br(yLoop)
	f.End()
	f.End()
}

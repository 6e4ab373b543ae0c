package kernelgen

import (
	"fmt"

	"inceptionweb/wasm/simd/wasmgen"
)

// The int8 kernels of nn/quant. Activations are uint8, weights int16 (already minus their zero point) and
// accumulators int32; every output is requantized in the kernel with XNNPACK's fp32 rule
// (clamp(nearest_even(float32(acc)*scale) + zero, lo, hi)), so the results are bit for bit those of the
// pure-Go kernels.

// QTileM is the int8 GEMM's register tile height in output pixels; the tile is 8 channels wide (two i32x4
// accumulators per pixel).
const QTileM = 4

// The parameters of the exported qgemm function (all i32; pointers are byte offsets): nn/quant.GemmArgs
// with X widened to int16.
var QGemmParams = []string{
	"x",         // rows rows of k inputs, widened and interleaved by widen
	"rows", "k", // k even
	"w", "bias", "scale", "n", // panels of 8 channels (see nn/quant.packPanels); bias and scale padded to 8
	"out", "outStride", // output bytes of row 0; bytes between rows
	"zero", "lo", "hi", // output zero point and clamp bounds
}

// The parameters of the exported qdepthwise<k>x<k> functions: nn/quant.DepthwiseArgs (c a multiple of 8,
// kh = kw = k).
var QDepthwiseParams = []string{
	"in", "h", "w", "c", "out", "oh", "ow", "kh", "kw", "sh", "sw", "dh", "dw", "padT", "padL",
	"weights", "zbias", "scale", "xzero", "zero", "lo", "hi",
}

func i32Params(n int) []wasmgen.ValType {
	p := make([]wasmgen.ValType, n)
	for i := range p {
		p[i] = wasmgen.I32
	}
	return p
}

func paramFunc(f *wasmgen.Func, names []string) func(string) uint32 {
	return func(name string) uint32 {
		for i, n := range names {
			if n == name {
				return f.Param(i)
			}
		}
		panic("kernelgen: no parameter " + name)
	}
}

// widen emits widen(src, dst, rows, k) for qgemm: the rows rows of k bytes at src (k even), widened to
// int16 and interleaved in groups of QTileM rows, so that one pointer walks a tile's inputs: group g holds,
// for each pair of columns, the pair of each of its rows (4 bytes each), and repeats the last row when rows
// is not a multiple of QTileM.
func widen(m *wasmgen.Module) {
	const tm = QTileM
	f := m.Func("widen", i32Params(4), nil)
	src, dst, rows, k := f.Param(0), f.Param(1), f.Param(2), f.Param(3)
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	g, i, t, v := i32(), i32(), i32(), i32()
	r := make([]uint32, tm)
	for j := range r {
		r[j] = i32()
	}
	x := make([]uint32, tm)
	for j := range x {
		x[j] = f.Local(wasmgen.V128)
	}
	t0, t1 := f.Local(wasmgen.V128), f.Local(wasmgen.V128)
	f.I32(0)
	f.Set(g)
	gDone := f.Block()
	gLoop := f.Loop()
	f.Get(g)
	f.Get(rows)
	f.I32GeS()
	f.BrIf(gDone)
	for j := range tm {
		// r[j] = src + min(g+j, rows-1)*k
		f.Get(g)
		f.I32(int32(j))
		f.I32Add()
		clampLast(f, t, rows)
		f.Get(k)
		f.I32Mul()
		f.Get(src)
		f.I32Add()
		f.Set(r[j])
	}
	f.I32(0)
	f.Set(i)
	// Four pairs of every row at a time: widen, then transpose the 4x4 pairs.
	vDone := f.Block()
	vLoop := f.Loop()
	f.Get(i)
	f.I32(8)
	f.I32Add()
	f.Get(k)
	f.I32GtS()
	f.BrIf(vDone)
	for j := range tm {
		f.Get(r[j])
		f.Get(i)
		f.I32Add()
		f.V128Load8x8U(0)
		f.Set(x[j])
	}
	// lanes is the byte shuffle that picks 32-bit lanes l (0-3 from the first vector, 4-7 from the second).
	lanes := func(l ...int) (b [16]byte) {
		for q, v := range l {
			for e := range 4 {
				b[4*q+e] = byte(4*v + e)
			}
		}
		return b
	}
	for half := range 2 { // pairs 0,1 then 2,3
		f.Get(x[0])
		f.Get(x[1])
		f.I8x16Shuffle(lanes(2*half, 4+2*half, 2*half+1, 5+2*half)) // a_p b_p a_p+1 b_p+1
		f.Set(t0)
		f.Get(x[2])
		f.Get(x[3])
		f.I8x16Shuffle(lanes(2*half, 4+2*half, 2*half+1, 5+2*half))
		f.Set(t1)
		for q := range 2 { // pair 2*half+q of the four rows
			f.Get(dst)
			f.Get(t0)
			f.Get(t1)
			f.I8x16Shuffle(lanes(2*q, 2*q+1, 4+2*q, 5+2*q))
			f.V128Store(uint32(16 * (2*half + q)))
		}
	}
	f.Get(dst)
	f.I32(64)
	f.I32Add()
	f.Set(dst)
	f.Get(i)
	f.I32(8)
	f.I32Add()
	f.Set(i)
	f.Br(vLoop)
	f.End()
	f.End()
	// The remaining pairs one at a time.
	sDone := f.Block()
	sLoop := f.Loop()
	f.Get(i)
	f.Get(k)
	f.I32GeS()
	f.BrIf(sDone)
	for j := range tm {
		f.Get(dst)
		f.Get(r[j])
		f.Get(i)
		f.I32Add()
		f.I32Load16U(0)
		f.Tee(v)
		f.I32(0xFF)
		f.I32And()
		f.Get(v)
		f.I32(0xFF00)
		f.I32And()
		f.I32(8)
		f.I32Shl()
		f.I32Or()
		f.I32Store(uint32(4 * j))
	}
	f.Get(dst)
	f.I32(16)
	f.I32Add()
	f.Set(dst)
	f.Get(i)
	f.I32(2)
	f.I32Add()
	f.Set(i)
	f.Br(sLoop)
	f.End()
	f.End()
	f.Get(g)
	f.I32(tm)
	f.I32Add()
	f.Set(g)
	f.Br(gLoop)
	f.End()
	f.End()
}

// requantConsts are the splatted constants of the fp32 requantization, set once per kernel call.
type requantConsts struct{ lo, hi, magic, offset uint32 }

// magicBias is 1.5*2^23: adding it to a float32 of magnitude below 2^22 rounds to an integer (ties to even,
// the default rounding) and leaves that integer in the low mantissa bits (XNNPACK's fp32 "magic" rule).
const magicBias = 12582912.0

// newRequantConsts declares and sets the constants for the output zero point and clamp bounds (i32 locals).
func newRequantConsts(f *wasmgen.Func, zero, lo, hi uint32) requantConsts {
	c := requantConsts{f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128), f.Local(wasmgen.V128)}
	for _, b := range []struct{ bound, dst uint32 }{{lo, c.lo}, {hi, c.hi}} {
		f.Get(b.bound)
		f.Get(zero)
		f.I32Sub()
		f.F32ConvertI32S()
		f.F32x4Splat()
		f.Set(b.dst)
	}
	f.F32Const(magicBias)
	f.F32x4Splat()
	f.Set(c.magic)
	f.I32(0x4B400000) // the bits of magicBias
	f.Get(zero)
	f.I32Sub()
	f.I32x4Splat()
	f.Set(c.offset)
	return c
}

// requantStore emits the fp32 requantization of 8 channels held in acc[0] (channels 0-3) and acc[1] (4-7),
// with scales at the address in local scale, and stores min(rem, 8) bytes at the address in local dst.
// rem is an i32 local; v is a scratch v128 local. Clamping before rounding to the integer bounds minus the
// zero point gives the same bytes as clamping after (rounding is monotonic); without NaNs, pmin and pmax
// (one instruction each) are min and max.
func requantStore(f *wasmgen.Func, acc [2]uint32, scale uint32, k requantConsts, dst, rem, v uint32) {
	for i := range 2 {
		f.Get(acc[i])
		f.F32x4ConvertI32x4S()
		f.Get(scale)
		f.V128Load(uint32(16 * i))
		f.F32x4Mul()
		f.Get(k.lo)
		f.F32x4Pmax()
		f.Get(k.hi)
		f.F32x4Pmin()
		f.Get(k.magic)
		f.F32x4Add()
		f.Get(k.offset)
		f.I32x4Sub()
	}
	f.I16x8NarrowI32x4S()
	f.Tee(v)
	f.Get(v)
	f.I8x16NarrowI16x8U()
	f.Set(v)
	// rem >= 8: one 8-byte store; otherwise 4, 2 and 1 bytes as rem's bits say, shifting the stored bytes out.
	f.Get(rem)
	f.I32(8)
	f.I32GeS()
	f.If()
	f.Get(dst)
	f.Get(v)
	f.V128Store64Lane(0)
	f.Else()
	for _, w := range []int32{4, 2, 1} {
		f.Get(rem)
		f.I32(w)
		f.I32And()
		f.If()
		f.Get(dst)
		f.Get(v)
		switch w {
		case 4:
			f.V128Store32Lane0(0)
		case 2:
			f.V128Store16Lane(0)
		case 1:
			f.V128Store8Lane(0)
		}
		f.Get(v)
		f.I32(8 * w)
		f.I64x2ShrU()
		f.Set(v)
		f.Get(dst)
		f.I32(w)
		f.I32Add()
		f.Set(dst)
		f.End()
	}
	f.End()
}

// qgemm emits the int8 GEMM. For each panel of 8 output channels and each tile of tm rows (the last tile
// repeats the last row), it starts the accumulators from the bias and adds, per pair of inputs, each row's
// pair broadcast to all lanes dotted with the panel's 8 weight pairs (i32x4.dot_i16x8_s: two products per
// lane). The inputs are interleaved by widen, so one pointer walks the tile's pairs; the loop over pairs is
// unrolled twice.
func qgemm(m *wasmgen.Module, tm int) {
	f := m.Func("qgemm", i32Params(len(QGemmParams)), nil)
	p := paramFunc(f, QGemmParams)
	x, rows, k, w, bias, scale, n := p("x"), p("rows"), p("k"), p("w"), p("bias"), p("scale"), p("n")
	out, outStride, zero, lo, hi := p("out"), p("outStride"), p("zero"), p("lo"), p("hi")
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	ob, wBlock, wEnd, p0, wt, xq, t, rem, sp, dstj := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(),
		i32(), i32()
	acc := make([][2]uint32, tm)
	for j := range acc {
		acc[j] = [2]uint32{v128(), v128()}
	}
	w0, w1, xv, tmp := v128(), v128(), v128(), v128()
	rq := newRequantConsts(f, zero, lo, hi)

	// pair adds the products of the pair at xq+16*u and wt+32*u.
	pair := func(u uint32) {
		f.Get(wt)
		f.V128Load(32 * u)
		f.Set(w0)
		f.Get(wt)
		f.V128Load(32*u + 16)
		f.Set(w1)
		for j := range tm {
			f.Get(xq)
			f.V128Load32Splat(16*u + 4*uint32(j))
			f.Tee(xv)
			f.Get(w0)
			f.I32x4DotI16x8S()
			f.Get(acc[j][0])
			f.I32x4Add()
			f.Set(acc[j][0])
			f.Get(xv)
			f.Get(w1)
			f.I32x4DotI16x8S()
			f.Get(acc[j][1])
			f.I32x4Add()
			f.Set(acc[j][1])
		}
	}
	advance := func(pairs int32) {
		f.Get(wt)
		f.I32(32 * pairs)
		f.I32Add()
		f.Set(wt)
		f.Get(xq)
		f.I32(16 * pairs)
		f.I32Add()
		f.Set(xq)
	}

	f.Get(w)
	f.Set(wBlock)
	f.I32(0)
	f.Set(ob)
	obDone := f.Block()
	obLoop := f.Loop()
	f.Get(ob)
	f.Get(n)
	f.I32GeS()
	f.BrIf(obDone)
	// wEnd = wBlock + k*16: the panel is k/2 pairs of 32 bytes.
	f.Get(wBlock)
	f.Get(k)
	f.I32(4)
	f.I32Shl()
	f.I32Add()
	f.Set(wEnd)
	f.I32(0)
	f.Set(p0)
	pDone := f.Block()
	pLoop := f.Loop()
	f.Get(p0)
	f.Get(rows)
	f.I32GeS()
	f.BrIf(pDone)
	for v := range 2 {
		f.Get(bias)
		f.Get(ob)
		f.I32(2)
		f.I32Shl()
		f.I32Add()
		f.V128Load(uint32(16 * v))
		for j := range tm {
			if j < tm-1 {
				f.Tee(acc[j][v])
			} else {
				f.Set(acc[j][v])
			}
		}
	}
	// xq = x + p0*k*2: the tile's group of interleaved rows.
	f.Get(p0)
	f.Get(k)
	f.I32Mul()
	f.I32(1)
	f.I32Shl()
	f.Get(x)
	f.I32Add()
	f.Set(xq)
	f.Get(wBlock)
	f.Set(wt)
	// An odd number of pairs: one first.
	f.Get(k)
	f.I32(2)
	f.I32And()
	f.If()
	pair(0)
	advance(1)
	f.End()
	kDone := f.Block()
	kLoop := f.Loop()
	f.Get(wt)
	f.Get(wEnd)
	f.I32GeU()
	f.BrIf(kDone)
	pair(0)
	pair(1)
	advance(2)
	f.Br(kLoop)
	f.End()
	f.End()
	// Requantize and store the tile's rows (the last tile's repeated rows store the same bytes again).
	f.Get(scale)
	f.Get(ob)
	f.I32(2)
	f.I32Shl()
	f.I32Add()
	f.Set(sp)
	for j := range tm {
		f.Get(n)
		f.Get(ob)
		f.I32Sub()
		f.Set(rem)
		// dstj = out + min(p0+j, rows-1)*outStride + ob
		f.Get(p0)
		if j > 0 {
			f.I32(int32(j))
			f.I32Add()
			clampLast(f, t, rows)
		}
		f.Get(outStride)
		f.I32Mul()
		f.Get(out)
		f.I32Add()
		f.Get(ob)
		f.I32Add()
		f.Set(dstj)
		requantStore(f, acc[j], sp, rq, dstj, rem, tmp)
	}
	f.Get(p0)
	f.I32(int32(tm))
	f.I32Add()
	f.Set(p0)
	f.Br(pLoop)
	f.End()
	f.End()
	f.Get(wEnd)
	f.Set(wBlock)
	f.Get(ob)
	f.I32(8)
	f.I32Add()
	f.Set(ob)
	f.Br(obLoop)
	f.End()
	f.End()
}

// DepthwiseSizes are the filter sizes (square) with a depthwise kernel, exported as qdepthwise3x3, ...
var DepthwiseSizes = []int{3, 5}

// qdepthwise emits qdepthwise<k>x<k> for k*k filters, with the taps unrolled in pairs. Per output pixel it
// finds which tap rows and columns lie inside the image; for each block of 16 (at the end 8) channels it
// starts from zbias
// (the bias minus the input zero point times the weights' sum), interleaves the inputs of two taps byte by
// byte, widens them and dots them with the weight pairs (i32x4.dot_i16x8_s); the taps outside the image read
// the input zero point instead, which zbias cancels. Pixels whose taps are all inside skip the checks.
func qdepthwise(m *wasmgen.Module, k int) {
	taps := k * k
	pairs := (taps + 1) / 2
	f := m.Func(fmt.Sprintf("qdepthwise%dx%d", k, k), i32Params(len(QDepthwiseParams)), nil)
	p := paramFunc(f, QDepthwiseParams)
	in, h, w, c, out, oh, ow := p("in"), p("h"), p("w"), p("c"), p("out"), p("oh"), p("ow")
	sh, sw, dh, dw, padT, padL := p("sh"), p("sw"), p("dh"), p("dw"), p("padT"), p("padL")
	weights, bias, scale, xzero, zero, lo, hi := p("weights"), p("zbias"), p("scale"), p("xzero"), p("zero"),
		p("lo"), p("hi")
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	oy, ox, iy0, ix0, cb, base, wb, dst, sp, rem, rowAll, all := i32(), i32(), i32(), i32(), i32(), i32(), i32(),
		i32(), i32(), i32(), i32(), i32()
	toff := make([]uint32, taps)
	rowOK, colOK := make([]uint32, k), make([]uint32, k)
	for t := range toff {
		toff[t] = i32()
	}
	for i := range k {
		rowOK[i], colOK[i] = i32(), i32()
	}
	acc := [2][2]uint32{{v128(), v128()}, {v128(), v128()}} // two blocks of 8 channels
	xzb, xa, xb, tmp := v128(), v128(), v128(), v128()
	rq := newRequantConsts(f, zero, lo, hi)
	blockBytes := uint32(32 * pairs) // one block's weights

	// toff[ky*k+kx] = (ky*dh*w + kx*dw)*c: the tap's input offset from the window's corner.
	for ky := range k {
		for kx := range k {
			f.I32(int32(ky))
			f.Get(dh)
			f.I32Mul()
			f.Get(w)
			f.I32Mul()
			f.I32(int32(kx))
			f.Get(dw)
			f.I32Mul()
			f.I32Add()
			f.Get(c)
			f.I32Mul()
			f.Set(toff[ky*k+kx])
		}
	}
	f.Get(xzero)
	f.I8x16Splat()
	f.Set(xzb)
	f.Get(out)
	f.Set(dst)
	loop := func(i, limit uint32, body func()) {
		f.I32(0)
		f.Set(i)
		done := f.Block()
		l := f.Loop()
		f.Get(i)
		f.Get(limit)
		f.I32GeS()
		f.BrIf(done)
		body()
		f.Get(i)
		f.I32(1)
		f.I32Add()
		f.Set(i)
		f.Br(l)
		f.End()
		f.End()
	}
	// inside sets ok[i] = (start + i*step) <u limit for i < k and all = their conjunction.
	inside := func(ok []uint32, all, start, step, limit uint32) {
		for i := range k {
			f.Get(start)
			f.I32(int32(i))
			f.Get(step)
			f.I32Mul()
			f.I32Add()
			f.Get(limit)
			f.I32LtU()
			f.Tee(ok[i])
			if i > 0 {
				f.I32And()
			}
		}
		f.Set(all)
	}
	// load sets x to tap t's 8 (wide: 16) input bytes, or the zero point's if checked and the tap is outside.
	load := func(x uint32, t int, checked, wide bool) {
		if t >= taps { // the odd tap's partner: zeros, which add nothing whatever the padding weights
			f.V128Zero()
			f.Set(x)
			return
		}
		if checked {
			f.Get(xzb)
			f.Set(x)
			f.Get(rowOK[t/k])
			f.Get(colOK[t%k])
			f.I32And()
			f.If()
		}
		f.Get(base)
		f.Get(toff[t])
		f.I32Add()
		if wide {
			f.V128Load(0)
		} else {
			f.V128Load64Zero(0)
		}
		f.Set(x)
		if checked {
			f.End()
		}
	}
	interleave := [2][16]byte{ // the low and the high 8 bytes of two vectors, alternately
		{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23},
		{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31},
	}
	// run adds the taps of blocks blocks of 8 channels.
	run := func(checked bool, blocks int) {
		for pr := range pairs {
			load(xa, 2*pr, checked, blocks == 2)
			load(xb, 2*pr+1, checked, blocks == 2)
			for b := range blocks {
				f.Get(xa)
				f.Get(xb)
				f.I8x16Shuffle(interleave[b])
				f.Set(tmp)
				for half := range 2 {
					f.Get(tmp)
					if half == 0 {
						f.I16x8ExtendLowI8x16U()
					} else {
						f.I16x8ExtendHighI8x16U()
					}
					f.Get(wb)
					f.V128Load(uint32(b)*blockBytes + uint32(32*pr+16*half))
					f.I32x4DotI16x8S()
					f.Get(acc[b][half])
					f.I32x4Add()
					f.Set(acc[b][half])
				}
			}
		}
	}
	// channels computes blocks blocks of 8 channels from cb on, and advances to the next.
	channels := func(blocks int) {
		for b := range blocks {
			for v := range 2 {
				f.Get(bias)
				f.Get(cb)
				f.I32(2)
				f.I32Shl()
				f.I32Add()
				f.V128Load(uint32(32*b + 16*v))
				f.Set(acc[b][v])
			}
		}
		f.Get(all)
		f.If()
		run(false, blocks)
		f.Else()
		run(true, blocks)
		f.End()
		f.Get(scale)
		f.Get(cb)
		f.I32(2)
		f.I32Shl()
		f.I32Add()
		f.Set(sp)
		f.I32(8)
		f.Set(rem)
		for b := range blocks {
			requantStore(f, acc[b], sp, rq, dst, rem, tmp)
			f.Get(dst)
			f.I32(8)
			f.I32Add()
			f.Set(dst)
			f.Get(sp)
			f.I32(32)
			f.I32Add()
			f.Set(sp)
		}
		f.Get(base)
		f.I32(int32(8 * blocks))
		f.I32Add()
		f.Set(base)
		f.Get(wb)
		f.I32(int32(blockBytes) * int32(blocks))
		f.I32Add()
		f.Set(wb)
		f.Get(cb)
		f.I32(int32(8 * blocks))
		f.I32Add()
		f.Set(cb)
	}
	loop(oy, oh, func() {
		f.Get(oy)
		f.Get(sh)
		f.I32Mul()
		f.Get(padT)
		f.I32Sub()
		f.Set(iy0)
		inside(rowOK, rowAll, iy0, dh, h)
		loop(ox, ow, func() {
			f.Get(ox)
			f.Get(sw)
			f.I32Mul()
			f.Get(padL)
			f.I32Sub()
			f.Set(ix0)
			inside(colOK, all, ix0, dw, w)
			f.Get(all)
			f.Get(rowAll)
			f.I32And()
			f.Set(all)
			// base = in + (iy0*w + ix0)*c, the window's corner (outside the image at the borders, where
			// only the taps inside are read).
			f.Get(iy0)
			f.Get(w)
			f.I32Mul()
			f.Get(ix0)
			f.I32Add()
			f.Get(c)
			f.I32Mul()
			f.Get(in)
			f.I32Add()
			f.Set(base)
			f.Get(weights)
			f.Set(wb)
			f.I32(0)
			f.Set(cb)
			// 16 channels at a time, then 8 if c is an odd multiple of 8.
			cbDone := f.Block()
			cbLoop := f.Loop()
			f.Get(cb)
			f.I32(16)
			f.I32Add()
			f.Get(c)
			f.I32GtS()
			f.BrIf(cbDone)
			channels(2)
			f.Br(cbLoop)
			f.End()
			f.End()
			f.Get(cb)
			f.Get(c)
			f.I32LtS()
			f.If()
			channels(1)
			f.End()
		})
	})
}

// QQuantizeParams are the parameters of qquantize: nn/quant.QuantizeArgs, n a multiple of 16; inv, zero and
// top are f32.
var QQuantizeParams = []string{"x", "out", "n", "inv", "zero", "top"}

// qquantize emits QUANTIZE of float32 inputs, 16 per iteration: clamp(x*inv + zero, 0, top) truncated, as
// nn/quant.QuantizeFloat (the 0.5 of rounding half up is in zero and top; pmax against 0 sends NaN to 0).
func qquantize(m *wasmgen.Module) {
	params := i32Params(len(QQuantizeParams))
	for i := 3; i < 6; i++ {
		params[i] = wasmgen.F32
	}
	f := m.Func("qquantize", params, nil)
	p := paramFunc(f, QQuantizeParams)
	x, out, n := p("x"), p("out"), p("n")
	end := f.Local(wasmgen.I32)
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	inv, zero, top, zeros := v128(), v128(), v128(), v128()
	q := [4]uint32{v128(), v128(), v128(), v128()}
	for _, c := range []struct{ src, dst uint32 }{{p("inv"), inv}, {p("zero"), zero}, {p("top"), top}} {
		f.Get(c.src)
		f.F32x4Splat()
		f.Set(c.dst)
	}
	f.V128Zero()
	f.Set(zeros)
	f.Get(out)
	f.Get(n)
	f.I32Add()
	f.Set(end)
	done := f.Block()
	loop := f.Loop()
	f.Get(out)
	f.Get(end)
	f.I32GeU()
	f.BrIf(done)
	for i := range q {
		f.Get(zeros)
		f.Get(x)
		f.V128Load(uint32(16 * i))
		f.Get(inv)
		f.F32x4Mul()
		f.Get(zero)
		f.F32x4Add()
		f.F32x4Pmax()
		f.Get(top)
		f.F32x4Pmin()
		f.I32x4TruncSatF32x4S()
		f.Set(q[i])
	}
	f.Get(out)
	for i := range 2 {
		f.Get(q[2*i])
		f.Get(q[2*i+1])
		f.I16x8NarrowI32x4S()
	}
	f.I8x16NarrowI16x8U()
	f.V128Store(0)
	f.Get(x)
	f.I32(64)
	f.I32Add()
	f.Set(x)
	f.Get(out)
	f.I32(16)
	f.I32Add()
	f.Set(out)
	f.Br(loop)
	f.End()
	f.End()
}

// QAddParams are the parameters of the exported qadd function: nn/quant.AddArgs, n a multiple of 8.
var QAddParams = []string{"a", "b", "out", "n", "azero", "bzero", "amult", "bmult", "shift", "zero", "lo", "hi"}

// qadd emits the element-wise ADD with XNNPACK's rule, 8 elements per iteration.
func qadd(m *wasmgen.Module) {
	f := m.Func("qadd", i32Params(len(QAddParams)), nil)
	p := paramFunc(f, QAddParams)
	a, b, out, n := p("a"), p("b"), p("out"), p("n")
	azero, bzero, amult, bmult, shift, zero, lo, hi := p("azero"), p("bzero"), p("amult"), p("bmult"),
		p("shift"), p("zero"), p("lo"), p("hi")
	end := f.Local(wasmgen.I32)
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	az, bz, am, bm, round, zv, lov, hiv, xa, xb, lo32 := v128(), v128(), v128(), v128(), v128(), v128(), v128(),
		v128(), v128(), v128(), v128()
	splat := func(src, dst uint32, i16 bool) {
		f.Get(src)
		if i16 {
			f.I16x8Splat()
		} else {
			f.I32x4Splat()
		}
		f.Set(dst)
	}
	splat(azero, az, true)
	splat(bzero, bz, true)
	splat(amult, am, false)
	splat(bmult, bm, false)
	splat(zero, zv, false)
	splat(lo, lov, false)
	splat(hi, hiv, false)
	f.I32(1)
	f.Get(shift)
	f.I32(1)
	f.I32Sub()
	f.I32Shl()
	f.I32x4Splat()
	f.Set(round)
	f.Get(out)
	f.Get(n)
	f.I32Add()
	f.Set(end)
	done := f.Block()
	loop := f.Loop()
	f.Get(out)
	f.Get(end)
	f.I32GeU()
	f.BrIf(done)
	f.Get(a)
	f.V128Load8x8U(0)
	f.Get(az)
	f.I16x8Sub()
	f.Set(xa)
	f.Get(b)
	f.V128Load8x8U(0)
	f.Get(bz)
	f.I16x8Sub()
	f.Set(xb)
	for half := range 2 {
		ext := func(x uint32) {
			f.Get(x)
			if half == 0 {
				f.I32x4ExtendLowI16x8S()
			} else {
				f.I32x4ExtendHighI16x8S()
			}
		}
		ext(xa)
		f.Get(am)
		f.I32x4Mul()
		ext(xb)
		f.Get(bm)
		f.I32x4Mul()
		f.I32x4Add()
		f.Get(round)
		f.I32x4Add()
		f.Get(shift)
		f.I32x4ShrS()
		f.Get(zv)
		f.I32x4Add()
		f.Get(lov)
		f.I32x4MaxS()
		f.Get(hiv)
		f.I32x4MinS()
		if half == 0 {
			f.Set(lo32)
		}
	}
	f.Set(xa)
	f.Get(out)
	f.Get(lo32)
	f.Get(xa)
	f.I16x8NarrowI32x4S()
	f.Tee(xa)
	f.Get(xa)
	f.I8x16NarrowI16x8U()
	f.V128Store64Lane(0)
	for _, ptr := range []uint32{a, b, out} {
		f.Get(ptr)
		f.I32(8)
		f.I32Add()
		f.Set(ptr)
	}
	f.Br(loop)
	f.End()
	f.End()
}

package kernelgen

import (
	"fmt"

	"inceptionweb/wasm/simd/wasmgen"
)

// The int8 GEMM of nn/quant for inputs that fit in 7 bits (nn/quant.GemmDotArgs), on relaxed SIMD's
// i32x4.relaxed_dot_i8x16_i7x16_add_s: sixteen int8 weights times sixteen 7-bit inputs, summed in groups of
// four into the four i32 lanes of an accumulator. With every input byte in [0, 127] the instruction is exact on
// every engine (x86's pmaddubsw reads the inputs as unsigned and cannot saturate, ARM's sdot as signed), so the
// results are those of the pure-Go kernel, bit for bit.

// QDotTileM and QDotTileN are qgemm_dot's register tile: QDotTileM rows by QDotTileN output channels, in
// QDotTileM*QDotTileN/4 v128 accumulators. QDotTileN is also the weights' panel width
// (nn/quant.DotPanelWidth). In Chromium 156 on AMD Zen 4 (AVX-VNNI: one vpdpbusd per instruction) 4x8, 5x8,
// 2x16 and 1x32 all reached 85-100 GOP/s at best on InceptionV3's shapes; 4x8 leaves room for the two
// temporaries that x86 without VNNI needs (pmaddubsw, pmaddwd, paddd) in V8's 15 vector registers: 8
// accumulators, 2 weight vectors and one broadcast input. Four rows also divide the im2col blocks
// (nn/quant's colsRows), where five would compute up to 9% repeated rows.
const (
	QDotTileM = 4
	QDotTileN = 8
)

// QGemmDotName is the exported name of the kernel with the tile above.
var QGemmDotName = QGemmDotKernelName(QDotTileM, QDotTileN)

// QGemmDotKernelName names a qgemm_dot kernel by its tile: qgemm_dot_<rows>x<channels>.
func QGemmDotKernelName(mr, nr int) string { return fmt.Sprintf("qgemm_dot_%dx%d", mr, nr) }

// The parameters of the exported qgemm_dot functions (all i32; pointers are byte offsets): nn/quant.GemmDotArgs.
var QGemmDotParams = []string{
	"x",         // rows rows of k input bytes, each in [0, 127]
	"rows", "k", // any k > 0
	"w", "bias", "scale", "n", // panels of nr channels (see nn/quant.packDot); bias and scale padded to nr
	"out", "outStride", // output bytes of row 0; bytes between rows
	"zero", "lo", "hi", // output zero point and clamp bounds
	"xsum", "mult", // 0, or each row's input sum (i32) and per channel the multiplier to add it with (nn/quant.GemmDotArgs.XSumMult)
}

// QRowSumParams are the parameters of qrowsum(x, rows, k, out): out[r] = the sum of row r's k bytes, as i32.
var QRowSumParams = []string{"x", "rows", "k", "out"}

// qrowSum emits qrowsum: sixteen bytes at a time widened pairwise (exact on every engine), the last bytes of
// a row one by one. qgemm_dot adds the sums times XSumMult for weights packed minus 128.
func qrowSum(m *wasmgen.Module) {
	f := m.Func("qrowsum", i32Params(len(QRowSumParams)), nil)
	p := paramFunc(f, QRowSumParams)
	x, rows, k, out := p("x"), p("rows"), p("k"), p("out")
	ptr, rowEnd, fullEnd, sum, r := f.Local(wasmgen.I32), f.Local(wasmgen.I32), f.Local(wasmgen.I32), f.Local(wasmgen.I32), f.Local(wasmgen.I32)
	acc := f.Local(wasmgen.V128)
	f.Get(x)
	f.Set(ptr)
	f.I32(0)
	f.Set(r)
	rDone := f.Block()
	rLoop := f.Loop()
	f.Get(r)
	f.Get(rows)
	f.I32GeS()
	f.BrIf(rDone)
	f.Get(ptr)
	f.Get(k)
	f.I32Add()
	f.Set(rowEnd)
	f.Get(ptr)
	f.Get(k)
	f.I32(-16)
	f.I32And()
	f.I32Add()
	f.Set(fullEnd)
	f.V128Zero()
	f.Set(acc)
	vDone := f.Block()
	vLoop := f.Loop()
	f.Get(ptr)
	f.Get(fullEnd)
	f.I32GeU()
	f.BrIf(vDone)
	f.Get(acc)
	f.Get(ptr)
	f.V128Load(0)
	f.I16x8ExtaddPairwiseI8x16U()
	f.I32x4ExtaddPairwiseI16x8U()
	f.I32x4Add()
	f.Set(acc)
	f.Get(ptr)
	f.I32(16)
	f.I32Add()
	f.Set(ptr)
	f.Br(vLoop)
	f.End()
	f.End()
	for lane := range byte(4) {
		f.Get(acc)
		f.I32x4ExtractLane(lane)
		if lane > 0 {
			f.I32Add()
		}
	}
	f.Set(sum)
	bDone := f.Block()
	bLoop := f.Loop()
	f.Get(ptr)
	f.Get(rowEnd)
	f.I32GeU()
	f.BrIf(bDone)
	f.Get(sum)
	f.Get(ptr)
	f.I32Load8U(0)
	f.I32Add()
	f.Set(sum)
	f.Get(ptr)
	f.I32(1)
	f.I32Add()
	f.Set(ptr)
	f.Br(bLoop)
	f.End()
	f.End()
	f.Get(out)
	f.Get(r)
	f.I32(2)
	f.I32Shl()
	f.I32Add()
	f.Get(sum)
	f.I32Store(0)
	f.Get(r)
	f.I32(1)
	f.I32Add()
	f.Set(r)
	f.Br(rLoop)
	f.End()
	f.End()
}

// dotCheck emits dotcheck(a, b, c) = lane 0 of i32x4.relaxed_dot_i8x16_i7x16_add_s(splat a, splat b, splat c):
// the loader calls it once to make sure the engine computes the instruction as specified (Node 20's baseline
// compiler, Liftoff, does not: it returns twice the products and drops c).
func dotCheck(m *wasmgen.Module) {
	f := m.Func("dotcheck", i32Params(3), []wasmgen.ValType{wasmgen.I32})
	for i := range 3 {
		f.Get(f.Param(i))
		f.I32x4Splat()
	}
	f.I32x4RelaxedDotI8x16I7x16AddS()
	f.I32x4ExtractLane(0)
}

// qgemmDot emits qgemm_dot_<mr>x<nr> (nr a multiple of 8). The weights are packed in panels of nr channels,
// each "c4": for every group of four consecutive inputs, nr*4 bytes, the group's four weights of channel 0,
// then of channel 1, ... (k padded to whole groups with zero weights). One v128 of a panel is four channels'
// weights for one group, so a row's four input bytes broadcast to all lanes (v128.load32_splat) and one
// relaxed dot add four products to each of four channels' accumulators.
//
// For each panel and each tile of mr rows (the last tile repeats the last row, as qgemm's does), the
// accumulators start from the bias; the full groups are read through one pointer per row, the last one to
// three inputs of a row (k not a multiple of 4) with scalar loads, so that no byte past a row is read.
func qgemmDot(m *wasmgen.Module, mr, nr int) {
	if nr%8 != 0 {
		panic("kernelgen: qgemm_dot needs a multiple of 8 channels")
	}
	nv := nr / 4 // accumulators per row
	f := m.Func(QGemmDotKernelName(mr, nr), i32Params(len(QGemmDotParams)), nil)
	p := paramFunc(f, QGemmDotParams)
	x, rows, k, w, bias, scale, n := p("x"), p("rows"), p("k"), p("w"), p("bias"), p("scale"), p("n")
	out, outStride, zero, lo, hi := p("out"), p("outStride"), p("zero"), p("lo"), p("hi")
	xsum, mult := p("xsum"), p("mult")
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	ob, wBlock, panelBytes, p0, wt, xEnd, tail, t, rem, sp, dst := i32(), i32(), i32(), i32(), i32(), i32(),
		i32(), i32(), i32(), i32(), i32()
	xr := make([]uint32, mr)
	for j := range xr {
		xr[j] = i32()
	}
	acc := make([][]uint32, mr)
	for j := range acc {
		acc[j] = make([]uint32, nv)
		for v := range acc[j] {
			acc[j][v] = v128()
		}
	}
	// Registers: either every row's inputs and one weight vector are live (rows first), or every weight vector
	// of the group and one row's inputs, whichever is fewer.
	xFirst := mr <= nv
	xv := make([]uint32, mr)
	for j := range xv {
		if xFirst || j == 0 {
			xv[j] = v128()
		} else {
			xv[j] = xv[0]
		}
	}
	wv := make([]uint32, nv)
	for v := range wv {
		if !xFirst || v == 0 {
			wv[v] = v128()
		} else {
			wv[v] = wv[0]
		}
	}
	tmp := v128()
	rq := newRequantConsts(f, zero, lo, hi)

	// group adds one group of four inputs per row, with the weights at wt; pushX(j) pushes row j's four inputs
	// broadcast to all lanes.
	group := func(pushX func(j int)) {
		dot := func(j, v int) { // the weights are the int8 operand, the inputs the 7-bit one
			f.Get(wv[v])
			f.Get(xv[j])
			f.Get(acc[j][v])
			f.I32x4RelaxedDotI8x16I7x16AddS()
			f.Set(acc[j][v])
		}
		loadW := func(v int) {
			f.Get(wt)
			f.V128Load(uint32(16 * v))
			f.Set(wv[v])
		}
		if xFirst {
			for j := range mr {
				pushX(j)
				f.Set(xv[j])
			}
			for v := range nv {
				loadW(v)
				for j := range mr {
					dot(j, v)
				}
			}
			return
		}
		for v := range nv {
			loadW(v)
		}
		for j := range mr {
			pushX(j)
			f.Set(xv[j])
			for v := range nv {
				dot(j, v)
			}
		}
	}

	// panelBytes = ((k+3) &^ 3) * nr; tail = k & 3.
	f.Get(k)
	f.I32(3)
	f.I32Add()
	f.I32(-4)
	f.I32And()
	f.I32(int32(nr))
	f.I32Mul()
	f.Set(panelBytes)
	f.Get(k)
	f.I32(3)
	f.I32And()
	f.Set(tail)
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
	f.I32(0)
	f.Set(p0)
	pDone := f.Block()
	pLoop := f.Loop()
	f.Get(p0)
	f.Get(rows)
	f.I32GeS()
	f.BrIf(pDone)
	for j := range mr {
		// xr[j] = x + min(p0+j, rows-1)*k
		f.Get(p0)
		if j > 0 {
			f.I32(int32(j))
			f.I32Add()
			clampLast(f, t, rows)
		}
		f.Get(k)
		f.I32Mul()
		f.Get(x)
		f.I32Add()
		f.Set(xr[j])
	}
	for v := range nv {
		f.Get(bias)
		f.Get(ob)
		f.I32(2)
		f.I32Shl()
		f.I32Add()
		f.V128Load(uint32(16 * v))
		for j := range mr {
			if j < mr-1 {
				f.Tee(acc[j][v])
			} else {
				f.Set(acc[j][v])
			}
		}
	}
	// Weights packed minus 128: acc += (row's input sum) * mult, per channel.
	f.Get(xsum)
	f.If()
	for j := range mr {
		f.Get(p0)
		if j > 0 {
			f.I32(int32(j))
			f.I32Add()
			clampLast(f, t, rows)
		}
		f.I32(2)
		f.I32Shl()
		f.Get(xsum)
		f.I32Add()
		f.I32Load(0)
		f.I32x4Splat()
		f.Set(tmp)
		for v := range nv {
			f.Get(acc[j][v])
			f.Get(tmp)
			f.Get(mult)
			f.Get(ob)
			f.I32(2)
			f.I32Shl()
			f.I32Add()
			f.V128Load(uint32(16 * v))
			f.I32x4Mul()
			f.I32x4Add()
			f.Set(acc[j][v])
		}
	}
	f.End()
	f.Get(wBlock)
	f.Set(wt)
	// xEnd = xr[0] + (k &^ 3): row 0's first byte past its full groups.
	f.Get(xr[0])
	f.Get(k)
	f.I32(-4)
	f.I32And()
	f.I32Add()
	f.Set(xEnd)
	// The full groups. (Unrolling this loop two or four times, and tiles of 5x8, 2x16 or 1x32, measured the
	// same within the noise in Chromium 156 on AMD Zen 4; 3x8, 6x8, 3x16 and 4x16 were slower.)
	kDone := f.Block()
	kLoop := f.Loop()
	f.Get(xr[0])
	f.Get(xEnd)
	f.I32GeU()
	f.BrIf(kDone)
	group(func(j int) {
		f.Get(xr[j])
		f.V128Load32Splat(0)
	})
	f.Get(wt)
	f.I32(int32(4 * nr))
	f.I32Add()
	f.Set(wt)
	for j := range mr {
		f.Get(xr[j])
		f.I32(4)
		f.I32Add()
		f.Set(xr[j])
	}
	f.Br(kLoop)
	f.End()
	f.End()
	// The last one to three inputs of each row, zero-extended to a group (their padding weights are zero).
	f.Get(tail)
	f.If()
	group(func(j int) {
		f.Get(xr[j])
		f.I32Load8U(0)
		f.Set(t)
		for b := 1; b < 3; b++ { // t |= x[b] << 8b for b < tail
			f.Get(tail)
			f.I32(int32(b))
			f.I32GtU()
			f.If()
			f.Get(t)
			f.Get(xr[j])
			f.I32Load8U(uint32(b))
			f.I32(int32(8 * b))
			f.I32Shl()
			f.I32Or()
			f.Set(t)
			f.End()
		}
		f.Get(t)
		f.I32x4Splat()
	})
	f.End()
	// Requantize and store the tile's rows, 8 channels at a time (the last tile's repeated rows store the same
	// bytes again).
	for j := range mr {
		for h := range nr / 8 {
			f.Get(n)
			f.Get(ob)
			f.I32Sub()
			if h > 0 {
				f.I32(int32(8 * h))
				f.I32Sub()
			}
			f.Set(rem)
			if h > 0 {
				f.Get(rem)
				f.I32(0)
				f.I32GtS()
				f.If()
			}
			f.Get(scale)
			f.Get(ob)
			f.I32(2)
			f.I32Shl()
			f.I32Add()
			if h > 0 {
				f.I32(int32(32 * h))
				f.I32Add()
			}
			f.Set(sp)
			// dst = out + min(p0+j, rows-1)*outStride + ob + 8h
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
			if h > 0 {
				f.I32(int32(8 * h))
				f.I32Add()
			}
			f.Set(dst)
			requantStore(f, [2]uint32{acc[j][2*h], acc[j][2*h+1]}, sp, rq, dst, rem, tmp)
			if h > 0 {
				f.End()
			}
		}
	}
	f.Get(p0)
	f.I32(int32(mr))
	f.I32Add()
	f.Set(p0)
	f.Br(pLoop)
	f.End()
	f.End()
	f.Get(wBlock)
	f.Get(panelBytes)
	f.I32Add()
	f.Set(wBlock)
	f.Get(ob)
	f.I32(int32(nr))
	f.I32Add()
	f.Set(ob)
	f.Br(obLoop)
	f.End()
	f.End()
}

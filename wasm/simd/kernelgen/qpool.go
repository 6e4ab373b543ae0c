package kernelgen

import "inceptionweb/wasm/simd/wasmgen"

// The parameters of the exported qmaxpool and qavgpool functions: nn/quant.PoolArgs, with 0 <= lo <= hi <= 255
// and countPad nonzero for CountPad. qmaxpool ignores the last three.
var QPoolParams = []string{
	"in", "h", "w", "c", "out", "oh", "ow", "kh", "kw", "sh", "sw", "padT", "padL", "lo", "hi",
	"countPad", "offset", "zero",
}

// QAvgPoolMaxTaps bounds qavgpool's window (kh*kw): it sums up to this many bytes in u16 lanes.
const QAvgPoolMaxTaps = 257

// qpool emits qmaxpool (avg false) or qavgpool. For each output pixel it clips the window to the image, then
// reduces the taps 16 channels to a vector: qmaxpool with i8x16.max_u from zero, qavgpool summing the bytes in
// u16 lanes. Channels go in blocks of several vectors, then one vector at a time; a tail of c%16 channels is a
// last vector ending at channel c (it recomputes some channels with the same result) or, when c < 16, one
// channel at a time.
//
// qavgpool's quotient is nn/quant's divRound (integer division rounding half away from zero) of
// acc = sum + bias by n, where sum is the bytes' sum and bias = (n-inside)*(zero-offset) - inside*offset
// folds in the storage offset and the padded taps: as a float32 division, trunc((|acc| + n/2) / n) with acc's
// sign. a = |acc| + n/2 and n are integers with a+n < 2^24 (n <= QAvgPoolMaxTaps), so a is exact in float32
// and the quotient never rounds up to the next integer (it is at least 1/n below it, more than half the
// spacing of float32s there): truncating it is the integer division's.
func qpool(m *wasmgen.Module, avg bool) {
	name, nv := "qmaxpool", 4 // vectors per block: 64 channels
	if avg {
		name, nv = "qavgpool", 2 // two u16 sums per vector
	}
	f := m.Func(name, i32Params(len(QPoolParams)), nil)
	p := paramFunc(f, QPoolParams)
	in, h, w, c, out, oh, ow := p("in"), p("h"), p("w"), p("c"), p("out"), p("oh"), p("ow")
	kh, kw, sh, sw, padT, padL, lo, hi := p("kh"), p("kw"), p("sh"), p("sw"), p("padT"), p("padL"), p("lo"), p("hi")
	countPad, offset, zero := p("countPad"), p("offset"), p("zero")
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	v128 := func() uint32 { return f.Local(wasmgen.V128) }
	oy, ox, ylo, ny, xlo, nx, t, ch, dst, base := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	rowStep, rowBytes, rowSpan, row, rowEnd, px, colEnd, sacc := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	n, half, bias := i32(), i32(), i32()
	lov, hiv, x, sv, halfv, nf, offv, biasv := v128(), v128(), v128(), v128(), v128(), v128(), v128(), v128()
	acc := make([]uint32, 2*nv) // qmaxpool: nv maxima; qavgpool: nv pairs of u16 sums
	for i := range acc {
		acc[i] = v128()
	}

	// loop emits `for !stop() { body() }`.
	loop := func(stop, body func()) {
		done := f.Block()
		l := f.Loop()
		stop()
		f.BrIf(done)
		body()
		f.Br(l)
		f.End()
		f.End()
	}
	add := func(v, d uint32) { // v += d (locals)
		f.Get(v)
		f.Get(d)
		f.I32Add()
		f.Set(v)
	}
	geU := func(a, b uint32) func() {
		return func() {
			f.Get(a)
			f.Get(b)
			f.I32GeU()
		}
	}
	// window sets start = max(o*stride-pad, 0) and count = max(min(o*stride-pad+k, size) - start, 0).
	window := func(o, stride, pad, k, size, start, count uint32) {
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
		f.Set(start)
		f.Get(t)
		f.Get(k)
		f.I32Add()
		f.Tee(t)
		f.Get(size)
		f.Get(t)
		f.Get(size)
		f.I32LtS()
		f.Select()
		f.Get(start)
		f.I32Sub()
		f.Tee(t)
		f.I32(0)
		f.Get(t)
		f.I32(0)
		f.I32GtS()
		f.Select()
		f.Set(count)
	}
	// taps runs tap with px at channel ch of each tap of the window.
	taps := func(tap func()) {
		f.Get(base)
		f.Get(ch)
		f.I32Add()
		f.Tee(row)
		f.Get(rowSpan)
		f.I32Add()
		f.Set(rowEnd)
		loop(geU(row, rowEnd), func() {
			f.Get(row)
			f.Tee(px)
			f.Get(rowBytes)
			f.I32Add()
			f.Set(colEnd)
			loop(geU(px, colEnd), func() {
				tap()
				add(px, c)
			})
			add(row, rowStep)
		})
	}
	// vectors reduces channels [ch, ch+16*k) and stores them.
	vectors := func(k int) {
		for i := range k * (1 + b2i(avg)) {
			f.V128Zero()
			f.Set(acc[i])
		}
		taps(func() {
			for v := range k {
				if !avg {
					f.Get(acc[v])
					f.Get(px)
					f.V128Load(uint32(16 * v))
					f.I8x16MaxU()
					f.Set(acc[v])
					continue
				}
				f.Get(px)
				f.V128Load(uint32(16 * v))
				f.Set(x)
				for j, ext := range []func(){f.I16x8ExtendLowI8x16U, f.I16x8ExtendHighI8x16U} {
					f.Get(acc[2*v+j])
					f.Get(x)
					ext()
					f.I16x8Add()
					f.Set(acc[2*v+j])
				}
			}
		})
		for v := range k {
			f.Get(dst)
			f.Get(ch)
			f.I32Add()
			if avg {
				for j := range 2 {
					for q, ext := range []func(){f.I32x4ExtendLowI16x8U, f.I32x4ExtendHighI16x8U} {
						// (sign(a) * trunc((|a| + n/2) / n)) + offset, a = sum + bias
						f.Get(acc[2*v+j])
						ext()
						f.Get(biasv)
						f.I32x4Add()
						f.Tee(x)
						f.I32(31)
						f.I32x4ShrS()
						f.Set(sv)
						f.Get(x)
						f.I32x4Abs()
						f.Get(halfv)
						f.I32x4Add()
						f.F32x4ConvertI32x4S()
						f.Get(nf)
						f.F32x4Div()
						f.I32x4TruncSatF32x4S()
						f.Get(sv)
						f.V128Xor()
						f.Get(sv)
						f.I32x4Sub()
						f.Get(offv)
						f.I32x4Add()
						if q == 1 {
							f.I16x8NarrowI32x4S()
						}
					}
				}
				f.I8x16NarrowI16x8U() // saturating, which the clamp to [lo, hi] within [0, 255] would do
			} else {
				f.Get(acc[v])
			}
			f.Get(lov)
			f.I8x16MaxU()
			f.Get(hiv)
			f.I8x16MinU()
			f.V128Store(uint32(16 * v))
		}
	}
	// scalar reduces the one channel ch and stores it.
	scalar := func() {
		f.I32(0)
		f.Set(sacc)
		taps(func() {
			f.Get(px)
			f.I32Load8U(0)
			if avg {
				f.Get(sacc)
				f.I32Add()
				f.Set(sacc)
				return
			}
			f.Tee(t)
			f.Get(sacc)
			f.Get(t)
			f.Get(sacc)
			f.I32GtU()
			f.Select()
			f.Set(sacc)
		})
		if avg { // sacc = divRound(sacc + bias, n) + offset
			f.Get(sacc)
			f.Get(bias)
			f.I32Add()
			f.Tee(t)
			f.Get(half)
			f.I32Add()
			f.Get(t)
			f.Get(half)
			f.I32Sub()
			f.Get(t)
			f.I32(0)
			f.I32GtS()
			f.Select()
			f.Get(n)
			f.I32DivS()
			f.Get(offset)
			f.I32Add()
			f.Set(sacc)
		}
		// min(max(sacc, lo), hi), signed: the average's lanes may be outside [0, 255] before clamping
		f.Get(sacc)
		f.Get(lo)
		f.Get(sacc)
		f.Get(lo)
		f.I32GtS()
		f.Select()
		f.Tee(t)
		f.Get(hi)
		f.Get(t)
		f.Get(hi)
		f.I32LtS()
		f.Select()
		f.Set(sacc)
		f.Get(dst)
		f.Get(ch)
		f.I32Add()
		f.Get(sacc)
		f.I32Store8(0)
	}

	splat := func(src, dst uint32, i8 bool) {
		f.Get(src)
		if i8 {
			f.I8x16Splat()
		} else {
			f.I32x4Splat()
		}
		f.Set(dst)
	}
	splat(lo, lov, true)
	splat(hi, hiv, true)
	splat(offset, offv, false)
	f.Get(w)
	f.Get(c)
	f.I32Mul()
	f.Set(rowStep)
	f.I32(0)
	f.Set(oy)
	loop(func() {
		f.Get(oy)
		f.Get(oh)
		f.I32GeS()
	}, func() {
		window(oy, sh, padT, kh, h, ylo, ny)
		f.Get(ny)
		f.Get(rowStep)
		f.I32Mul()
		f.Set(rowSpan)
		f.I32(0)
		f.Set(ox)
		loop(func() {
			f.Get(ox)
			f.Get(ow)
			f.I32GeS()
		}, func() {
			window(ox, sw, padL, kw, w, xlo, nx)
			f.Get(nx)
			f.Get(c)
			f.I32Mul()
			f.Set(rowBytes)
			// base = in + (ylo*w + xlo)*c, dst = out + (oy*ow + ox)*c
			for _, a := range [][4]uint32{{in, ylo, w, xlo}, {out, oy, ow, ox}} {
				f.Get(a[0])
				f.Get(a[1])
				f.Get(a[2])
				f.I32Mul()
				f.Get(a[3])
				f.I32Add()
				f.Get(c)
				f.I32Mul()
				f.I32Add()
			}
			f.Set(dst)
			f.Set(base)
			if avg {
				// n = countPad ? kh*kw : inside; bias = (n-inside)*(zero-offset) - inside*offset
				f.Get(kh)
				f.Get(kw)
				f.I32Mul()
				f.Get(nx)
				f.Get(ny)
				f.I32Mul()
				f.Tee(t)
				f.Get(countPad)
				f.Select()
				f.Tee(n)
				f.Get(t)
				f.I32Sub()
				f.Get(zero)
				f.Get(offset)
				f.I32Sub()
				f.I32Mul()
				f.Get(t)
				f.Get(offset)
				f.I32Mul()
				f.I32Sub()
				f.Tee(bias)
				f.I32x4Splat()
				f.Set(biasv)
				f.Get(n)
				f.I32(1)
				f.I32ShrU()
				f.Tee(half)
				f.I32x4Splat()
				f.Set(halfv)
				f.Get(n)
				f.F32ConvertI32S()
				f.F32x4Splat()
				f.Set(nf)
			}
			f.I32(0)
			f.Set(ch)
			for _, k := range []int{nv, 1} {
				loop(func() {
					f.Get(ch)
					f.I32(int32(16 * k))
					f.I32Add()
					f.Get(c)
					f.I32GtS()
				}, func() {
					vectors(k)
					f.Get(ch)
					f.I32(int32(16 * k))
					f.I32Add()
					f.Set(ch)
				})
			}
			// The tail: a last vector ending at channel c, or channels one at a time.
			f.Get(ch)
			f.Get(c)
			f.I32LtS()
			f.If()
			f.Get(c)
			f.I32(16)
			f.I32GeS()
			f.If()
			f.Get(c)
			f.I32(16)
			f.I32Sub()
			f.Set(ch)
			vectors(1)
			f.Else()
			loop(func() {
				f.Get(ch)
				f.Get(c)
				f.I32GeS()
			}, func() {
				scalar()
				f.Get(ch)
				f.I32(1)
				f.I32Add()
				f.Set(ch)
			})
			f.End()
			f.End()
			f.Get(ox)
			f.I32(1)
			f.I32Add()
			f.Set(ox)
		})
		f.Get(oy)
		f.I32(1)
		f.I32Add()
		f.Set(oy)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

package kernelgen

import "inceptionweb/wasm/simd/wasmgen"

// conv emits the convolution. For each chunk of output pixels, for every block of tn output channels
// (weights [tap][inC][tn] at the given strides: a packed copy, or HWIO itself) and every group of tm consecutive
// output pixels (in raster order, so a group may span two rows; the last group repeats its last pixel), it
// starts the accumulators from the bias, adds, for each tap and input channel, the input value broadcast times
// the tap's tn weights, and stores with the optional ReLU and cap. Taps in the padding read the zero buffer,
// so no im2col copy is made.
func conv(m *wasmgen.Module, relaxed bool, tm, tn int) {
	params := make([]wasmgen.ValType, len(ConvParams))
	for i := range params {
		params[i] = wasmgen.I32
	}
	params[len(params)-2] = wasmgen.F32 // clip
	f := m.Func("conv", params, nil)
	p := func(name string) uint32 {
		for i, n := range ConvParams {
			if n == name {
				return f.Param(i)
			}
		}
		panic("kernelgen: no conv parameter " + name)
	}
	in, inH, inW, inC := p("in"), p("inH"), p("inW"), p("inC")
	out, outH, outW, outStride := p("out"), p("outH"), p("outW"), p("outStride")
	weights, rowStride, blockStride := p("weights"), p("rowStride"), p("blockStride")
	bias, outC := p("bias"), p("outC")
	kh, kw, sh, sw, ph, pw := p("kh"), p("kw"), p("strideH"), p("strideW"), p("padH"), p("padW")
	zeros, relu, clip, chunk := p("zeros"), p("relu"), p("clip"), p("chunk")

	nv := tn / 4
	i32 := func() uint32 { return f.Local(wasmgen.I32) }
	pixels, icBytes := i32(), i32()
	ob, wBlock, biasPtr, p0, ky, kx, wt, k, t := i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()
	iy0, ix0, addr, dst := make([]uint32, tm), make([]uint32, tm), make([]uint32, tm), make([]uint32, tm)
	for j := range tm {
		iy0[j], ix0[j], addr[j], dst[j] = i32(), i32(), i32(), i32()
	}
	acc := make([][]uint32, tm)
	for j := range acc {
		acc[j] = make([]uint32, nv)
		for v := range acc[j] {
			acc[j][v] = f.Local(wasmgen.V128)
		}
	}
	wv := make([]uint32, nv)
	for v := range wv {
		wv[v] = f.Local(wasmgen.V128)
	}
	zero, clipv := f.Local(wasmgen.V128), f.Local(wasmgen.V128)

	// pixels = outH*outW; icBytes = inC*4
	f.Get(outH)
	f.Get(outW)
	f.I32Mul()
	f.Set(pixels)
	f.Get(inC)
	f.I32(2)
	f.I32Shl()
	f.Set(icBytes)
	f.V128Zero()
	f.Set(zero)
	f.Get(clip)
	f.F32x4Splat()
	f.Set(clipv)
	c0, cEnd := i32(), i32()

	// for c0 := 0; c0 < pixels; c0 += chunk, with cEnd = min(c0+chunk, pixels): a chunk of output pixels
	// whose inputs stay in cache while every block of output channels passes over them.
	f.I32(0)
	f.Set(c0)
	cDone := f.Block()
	cLoop := f.Loop()
	f.Get(c0)
	f.Get(pixels)
	f.I32GeS()
	f.BrIf(cDone)
	f.Get(c0)
	f.Get(chunk)
	f.I32Add()
	f.Tee(cEnd)
	f.Get(pixels)
	f.Get(cEnd)
	f.Get(pixels)
	f.I32LtS()
	f.Select()
	f.Set(cEnd)
	f.Get(weights)
	f.Set(wBlock)
	f.I32(0)
	f.Set(ob)

	// for ob := 0; ob < outC; ob += tn
	obDone := f.Block()
	obLoop := f.Loop()
	f.Get(ob)
	f.Get(outC)
	f.I32GeS()
	f.BrIf(obDone)
	f.Get(bias)
	f.Get(ob)
	f.I32(2)
	f.I32Shl()
	f.I32Add()
	f.Set(biasPtr)
	f.Get(c0)
	f.Set(p0)

	// for p0 := c0; p0 < cEnd; p0 += tm
	pDone := f.Block()
	pLoop := f.Loop()
	f.Get(p0)
	f.Get(cEnd)
	f.I32GeS()
	f.BrIf(pDone)
	for j := range tm {
		// t = min(p0+j, pixels-1)
		f.Get(p0)
		if j > 0 {
			f.I32(int32(j))
			f.I32Add()
			clampLast(f, t, pixels)
		}
		f.Set(t)
		// dst = out + t*outStride + ob*4
		f.Get(out)
		f.Get(t)
		f.Get(outStride)
		f.I32Mul()
		f.I32Add()
		f.Get(ob)
		f.I32(2)
		f.I32Shl()
		f.I32Add()
		f.Set(dst[j])
		// iy0 = (t/outW)*strideH - padH; ix0 = (t%outW)*strideW - padW
		f.Get(t)
		f.Get(outW)
		f.I32DivU()
		f.Tee(iy0[j])
		f.Get(outW)
		f.I32Mul()
		f.Set(ix0[j]) // row start pixel, for the remainder below
		f.Get(t)
		f.Get(ix0[j])
		f.I32Sub()
		f.Get(sw)
		f.I32Mul()
		f.Get(pw)
		f.I32Sub()
		f.Set(ix0[j])
		f.Get(iy0[j])
		f.Get(sh)
		f.I32Mul()
		f.Get(ph)
		f.I32Sub()
		f.Set(iy0[j])
	}
	for v := range nv {
		f.Get(biasPtr)
		f.V128Load(uint32(16 * v))
		for j := range tm { // Tee leaves the bias on the stack for the next accumulator
			if j < tm-1 {
				f.Tee(acc[j][v])
			} else {
				f.Set(acc[j][v])
			}
		}
	}
	f.Get(wBlock)
	f.Set(wt)

	f.I32(0)
	f.Set(ky)
	kyLoop := f.Loop()
	f.I32(0)
	f.Set(kx)
	kxLoop := f.Loop()
	for j := range tm {
		// addr = inside ? in + ((iy*inW)+ix)*icBytes : zeros
		f.Get(in)
		f.Get(iy0[j])
		f.Get(ky)
		f.I32Add()
		f.Tee(t)
		f.Get(inW)
		f.I32Mul()
		f.Get(ix0[j])
		f.Get(kx)
		f.I32Add()
		f.I32Add()
		f.Get(icBytes)
		f.I32Mul()
		f.I32Add()
		f.Get(zeros)
		f.Get(t)
		f.Get(inH)
		f.I32LtU()
		f.Get(ix0[j])
		f.Get(kx)
		f.I32Add()
		f.Get(inW)
		f.I32LtU()
		f.I32And()
		f.Select()
		f.Set(addr[j])
	}
	f.I32(0)
	f.Set(k)

	// One input channel per iteration: the broadcast input of each pixel times the block's weights.
	s := f.Local(wasmgen.V128)
	icDone := f.Block()
	icLoop := f.Loop()
	f.Get(k)
	f.Get(icBytes)
	f.I32GeS()
	f.BrIf(icDone)
	for v := range nv {
		f.Get(wt)
		f.V128Load(uint32(16 * v))
		f.Set(wv[v])
	}
	for j := range tm {
		f.Get(addr[j])
		f.Get(k)
		f.I32Add()
		f.V128Load32Splat(0)
		f.Set(s)
		for v := range nv {
			if relaxed {
				f.Get(s)
				f.Get(wv[v])
				f.Get(acc[j][v])
				f.F32x4RelaxedMadd()
			} else {
				f.Get(acc[j][v])
				f.Get(s)
				f.Get(wv[v])
				f.F32x4Mul()
				f.F32x4Add()
			}
			f.Set(acc[j][v])
		}
	}
	f.Get(wt)
	f.Get(rowStride)
	f.I32Add()
	f.Set(wt)
	f.Get(k)
	f.I32(4)
	f.I32Add()
	f.Set(k)
	f.Br(icLoop)
	f.End()
	f.End()

	// next kx, ky
	f.Get(kx)
	f.I32(1)
	f.I32Add()
	f.Tee(kx)
	f.Get(kw)
	f.I32LtS()
	f.BrIf(kxLoop)
	f.End()
	f.Get(ky)
	f.I32(1)
	f.I32Add()
	f.Tee(ky)
	f.Get(kh)
	f.I32LtS()
	f.BrIf(kyLoop)
	f.End()

	// ReLU (and the cap of ReLU6), then store: whole vectors when the block is full, single lanes in the last partial block.
	f.Get(relu)
	f.If()
	for j := range tm {
		for v := range nv {
			f.Get(acc[j][v])
			f.Get(zero)
			f.F32x4Pmax()
			f.Set(acc[j][v])
		}
	}
	f.End()
	f.Get(relu)
	f.Get(clip)
	f.F32Const0()
	f.F32Gt()
	f.I32And()
	f.If()
	for j := range tm {
		for v := range nv {
			f.Get(acc[j][v])
			f.Get(clipv)
			f.F32x4Pmin()
			f.Set(acc[j][v])
		}
	}
	f.End()
	f.Get(outC)
	f.Get(ob)
	f.I32Sub()
	f.Tee(t)
	f.I32(int32(tn))
	f.I32GeS()
	f.If()
	for j := range tm {
		for v := range nv {
			f.Get(dst[j])
			f.Get(acc[j][v])
			f.V128Store(uint32(16 * v))
		}
	}
	f.Else()
	for c := range tn {
		f.Get(t)
		f.I32(int32(c))
		f.I32GtS()
		f.If()
		for j := range tm {
			f.Get(dst[j])
			f.Get(acc[j][c/4])
			f.V128Store32Lane(uint32(4*c), byte(c%4))
		}
		f.End()
	}
	f.End()

	f.Get(p0)
	f.I32(int32(tm))
	f.I32Add()
	f.Set(p0)
	f.Br(pLoop)
	f.End()
	f.End()

	f.Get(ob)
	f.I32(int32(tn))
	f.I32Add()
	f.Set(ob)
	f.Get(wBlock)
	f.Get(blockStride)
	f.I32Add()
	f.Set(wBlock)
	f.Br(obLoop)
	f.End()
	f.End()

	f.Get(c0)
	f.Get(chunk)
	f.I32Add()
	f.Set(c0)
	f.Br(cLoop)
	f.End()
	f.End()
}

package quant

// The convolution inner loops are an integer GEMM with int32 accumulation
// followed by a requantize step. The pure-Go code keeps the two apart; a
// kernel set (see KernelSet) may fuse them.
//
// Weights are repacked once, at compile time, into panels of PanelWidth output
// channels with pairs of reduction indices interleaved: panel j holds, for each
// pair kk = 2i, 2i+1, the PanelWidth pairs (w[2i][o], w[2i+1][o]) for
// o = PanelWidth*j, ... . A SIMD kernel multiplies a pair of inputs by such a
// pair of weights and adds both products in one instruction (i32x4.dot_i16x8_s);
// the Go loops read each panel sequentially while a block of input rows stays
// in cache, with 2x4 register tiles that fit the 16 general registers of
// amd64 and wasm.

// PanelWidth is the number of output channels in one weight panel.
const PanelWidth = 8

// padK rounds a reduction length up to whole pairs.
func padK(k int) int { return (k + 1) &^ 1 }

// padN rounds a channel count up to whole panels.
func padN(n int) int { return (n + PanelWidth - 1) / PanelWidth * PanelWidth }

// packPanels packs the k weights of each of n channels (the filter's rows, minus their zero points) into
// zero-padded panels of padK(k) rows (see panelIndex), and returns each channel's sum of weights.
func packPanels(cw *convWeights, k, n int) (panels []int16, sums []int32) {
	return packRows(cw, k, n, PanelWidth, padK(k), 2, panelRow)
}

// panelRow writes one channel's weights, int32(row^flip) - zero, into its lane of a panel, which starts at
// dst: the pair kk, kk+1 (kk even) is kk*PanelWidth further on. It returns their sum. A function per row
// lets a wasm engine move from its baseline code to optimized code between rows: V8 does not replace a wasm
// function while it runs, and a model is opened before anything is warm.
func panelRow(dst []int16, row []byte, flip byte, zero int32) int32 {
	sum := int32(0)
	kk := 0
	for ; kk+1 < len(row); kk += 2 {
		v0, v1 := int32(row[kk]^flip)-zero, int32(row[kk+1]^flip)-zero
		d := (*[2]int16)(dst[kk*PanelWidth:])
		d[0], d[1] = int16(v0), int16(v1)
		sum += v0 + v1
	}
	if kk < len(row) { // an odd k's last weight, paired with a zero
		v := int32(row[kk]^flip) - zero
		dst[kk*PanelWidth] = int16(v)
		sum += v
	}
	return sum
}

// panelIndex is where w[kk][o] lives in panels of kp (even) rows.
func panelIndex(kp, kk, o int) int {
	return ((o/PanelWidth*kp/2+kk/2)*PanelWidth+o%PanelWidth)*2 + kk%2
}

// gemmPanels computes acc[p*ldAcc+o] = bias[o] + sum_kk x[p*k+kk]*w[kk][o] for
// p < rows and o < ldAcc, where ldAcc = len(bias) is a whole number of panels
// and k is even.
func gemmPanels(acc []int32, x []uint8, rows, k int, panels []int16, bias []int32) {
	ld := len(bias)
	for o := 0; o < ld; o += 4 {
		// Half h of panel o/PanelWidth: its pairs are 2*PanelWidth apart.
		wp := panels[o/PanelWidth*PanelWidth*k+o%PanelWidth*2:]
		b := bias[o : o+4 : o+4]
		p := 0
		for ; p+1 < rows; p += 2 {
			x0 := x[p*k : p*k+k]
			x1 := x[(p+1)*k : (p+1)*k+k]
			x1 = x1[:len(x0)]
			a00, a01, a02, a03 := b[0], b[1], b[2], b[3]
			a10, a11, a12, a13 := b[0], b[1], b[2], b[3]
			for i := 0; i+1 < len(x0); i += 2 {
				w := wp[i*PanelWidth : i*PanelWidth+8 : i*PanelWidth+8]
				u0, v0 := int32(x0[i]), int32(x0[i+1])
				u1, v1 := int32(x1[i]), int32(x1[i+1])
				a00 += u0*int32(w[0]) + v0*int32(w[1])
				a01 += u0*int32(w[2]) + v0*int32(w[3])
				a02 += u0*int32(w[4]) + v0*int32(w[5])
				a03 += u0*int32(w[6]) + v0*int32(w[7])
				a10 += u1*int32(w[0]) + v1*int32(w[1])
				a11 += u1*int32(w[2]) + v1*int32(w[3])
				a12 += u1*int32(w[4]) + v1*int32(w[5])
				a13 += u1*int32(w[6]) + v1*int32(w[7])
			}
			r0 := acc[p*ld+o : p*ld+o+4 : p*ld+o+4]
			r0[0], r0[1], r0[2], r0[3] = a00, a01, a02, a03
			r1 := acc[(p+1)*ld+o : (p+1)*ld+o+4 : (p+1)*ld+o+4]
			r1[0], r1[1], r1[2], r1[3] = a10, a11, a12, a13
		}
		if p < rows {
			x0 := x[p*k : p*k+k]
			a00, a01, a02, a03 := b[0], b[1], b[2], b[3]
			for i := 0; i+1 < len(x0); i += 2 {
				w := wp[i*PanelWidth : i*PanelWidth+8 : i*PanelWidth+8]
				u0, v0 := int32(x0[i]), int32(x0[i+1])
				a00 += u0*int32(w[0]) + v0*int32(w[1])
				a01 += u0*int32(w[2]) + v0*int32(w[3])
				a02 += u0*int32(w[4]) + v0*int32(w[5])
				a03 += u0*int32(w[6]) + v0*int32(w[7])
			}
			r0 := acc[p*ld+o : p*ld+o+4 : p*ld+o+4]
			r0[0], r0[1], r0[2], r0[3] = a00, a01, a02, a03
		}
	}
}

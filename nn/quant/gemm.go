package quant

// The convolution inner loops are an integer GEMM with int32 accumulation
// followed by a requantize step. The pure-Go code keeps the two apart; a
// kernel set (see Kernels) may fuse them.
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

// packPanels repacks w (k rows of n columns, row-major) into zero-padded
// panels of padK(k) rows.
func packPanels(w []int16, k, n int) []int16 {
	kp := padK(k)
	out := make([]int16, padN(n)*kp)
	for kk := 0; kk < k; kk++ {
		for o := 0; o < n; o++ {
			out[panelIndex(kp, kk, o)] = w[kk*n+o]
		}
	}
	return out
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

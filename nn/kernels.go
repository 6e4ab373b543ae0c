package nn

// KernelSet is the compute routines of the float layers. The pure-Go set is the reference, the native path and
// the fallback for browsers without SIMD; the wasm worker passes a SIMD set when the browser supports it. A layer
// runs with the set it was built for (Conv.Prepare, Pool.Kernels, LRN.Kernels), so two networks in one program
// may use different sets. A nil routine, or a nil set, is the pure-Go one.
type KernelSet struct {
	Name string
	// Prepare, when set, is called once for every convolution when a model is built, after its weights are
	// final: a kernel may move the weights into its own layout (c.Packed) and drop c.Weight, so a model holds
	// its weights once. Only this set's Conv can run the convolution afterwards, which is why it keeps the set.
	Prepare func(c *Conv)
	// Conv computes c over in into channels [off, off+c.OutC) of out; shapes are already checked.
	Conv func(c *Conv, in, out *Tensor, off int)
	// Pool computes p over in into channels [off, off+in.C) of out; shapes are already checked.
	Pool func(p *Pool, in, out *Tensor, off int)
	// LRN normalises in into channels [off, off+in.C) of out; shapes are already checked.
	LRN func(l *LRN, in, out *Tensor, off int)
}

// GoKernels is the pure-Go kernel set.
var GoKernels = KernelSet{Name: "go", Conv: convGo, Pool: poolGo, LRN: lrnGo}

// convGo walks the output four pixels at a time; for each kernel tap and input channel it adds the four input
// values times one row of weights to the four output rows. Taps that fall in the padding read a row of zeros.
func convGo(c *Conv, in, out *Tensor, off int) {
	oh, ow := out.H, out.W
	zeros := make([]float32, c.InC)
	var rows [4][]float32 // input channel vectors of the four pixels for one tap
	var acc [4][]float32  // output channel vectors of the four pixels
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox += 4 {
			n := min(4, ow-ox)
			for j := 0; j < 4; j++ {
				p := oy*ow + ox + min(j, n-1) // a short block repeats its last pixel; those writes are identical
				acc[j] = out.Data[p*out.C+off : p*out.C+off+c.OutC]
			}
			for j := 0; j < n; j++ {
				copy(acc[j], c.Bias)
			}
			for ky := 0; ky < c.KH; ky++ {
				iy := oy*c.StrideH - c.PadH + ky
				if iy < 0 || iy >= in.H {
					continue
				}
				for kx := 0; kx < c.KW; kx++ {
					for j := 0; j < 4; j++ {
						ix := (ox+min(j, n-1))*c.StrideW - c.PadW + kx
						if ix < 0 || ix >= in.W {
							rows[j] = zeros
						} else {
							q := (iy*in.W + ix) * in.C
							rows[j] = in.Data[q : q+c.InC]
						}
					}
					if n < 4 {
						for j := n; j < 4; j++ {
							rows[j] = zeros
						}
					}
					w := c.Weight[(ky*c.KW+kx)*c.InC*c.OutC:]
					axpy4(acc, rows, w, c.InC, c.OutC)
				}
			}
			if c.ReLU {
				for j := 0; j < n; j++ {
					Activate(acc[j], c.Clip)
				}
			}
		}
	}
}

// axpy4 adds sum_i rows[j][i] * w[i*outC : (i+1)*outC] to acc[j] for j < 4.
func axpy4(acc, rows [4][]float32, w []float32, inC, outC int) {
	o0, o1, o2, o3 := acc[0][:outC], acc[1][:outC], acc[2][:outC], acc[3][:outC]
	r0, r1, r2, r3 := rows[0][:inC], rows[1][:inC], rows[2][:inC], rows[3][:inC]
	for i := 0; i < inC; i++ {
		a0, a1, a2, a3 := r0[i], r1[i], r2[i], r3[i]
		if a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0 {
			continue // common after ReLU and in padding
		}
		wr := w[i*outC : i*outC+outC]
		for k, wv := range wr {
			o0[k] += a0 * wv
			o1[k] += a1 * wv
			o2[k] += a2 * wv
			o3[k] += a3 * wv
		}
	}
}

// Activate applies ReLU, and caps at clip when clip > 0 (ReLU6).
func Activate(v []float32, clip float32) {
	if clip > 0 {
		for i, x := range v {
			v[i] = min(max(x, 0), clip)
		}
		return
	}
	for i, x := range v {
		v[i] = max(x, 0)
	}
}

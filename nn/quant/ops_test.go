package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn/graph"
)

// Standalone tests of the depthwise, ADD, AVERAGE_POOL_2D, MEAN and QUANTIZE
// kernels against naive transcriptions of their definitions, written over the
// declared int8/uint8 values (the kernels work on an offset uint8 storage).

// runKernel builds op alone over g's tensors, each in its own arena region,
// writes the given inputs (declared-type bytes, by tensor index) and returns
// the output as declared values, with the kernel set k.
func runKernel(t *testing.T, k KernelSet, g *Graph, op Op, consts map[string][]byte, inputs map[int][]int32) []int32 {
	t.Helper()
	if err := checkRules(g); err != nil {
		t.Fatal(err)
	}
	c := &compiler{g: g, consts: func(name string) ([]byte, error) { return consts[name], nil }, p: &Program{kernels: k}}
	c.slots = make([]slot, len(g.Tensors))
	off := 0
	for i, tt := range g.Tensors {
		if tt.Const {
			continue
		}
		s := slot{off: off, size: numElements(tt.Shape), shape: tt.Shape, signed: tt.Type == Int8, scale: tt.Scale, zp: tt.ZeroPoint[0], max: 255}
		if s.signed {
			s.zp += 128
		}
		c.slots[i] = s
		off += s.size
	}
	st, err := c.build(op)
	if err != nil {
		t.Fatal(err)
	}
	p := c.p
	p.arena, p.acc, p.cols = make([]byte, off), make([]int32, c.maxAcc), make([]byte, c.maxCols)
	for i, vals := range inputs {
		dst := c.slots[i].data(p)
		for j, v := range vals {
			dst[j] = byte(v + storageOffset(c.slots[i]))
		}
	}
	st.run(p)
	out := c.slots[op.Outputs[0]]
	res := make([]int32, out.size)
	for j, v := range out.data(p) {
		res[j] = int32(v) - storageOffset(out)
	}
	return res
}

// typeRange is the declared range of an activation type.
func typeRange(typ DType) (int32, int32) {
	if typ == Int8 {
		return -128, 127
	}
	return 0, 255
}

func randomType(r *rand.Rand) DType { return []DType{Uint8, Int8}[r.IntN(2)] }

// randomQuant returns an activation tensor of a random type, scale and zero point.
func randomQuant(r *rand.Rand, name string, typ DType, shape []int) Tensor {
	lo, hi := typeRange(typ)
	zp := lo + int32(r.IntN(int(hi-lo+1)))
	return Tensor{Name: name, Type: typ, Shape: shape, Scale: []float32{0.01 + 0.2*r.Float32()}, ZeroPoint: []int32{zp}}
}

func randomValues(r *rand.Rand, typ DType, n int) []int32 {
	lo, hi := typeRange(typ)
	v := make([]int32, n)
	for i := range v {
		v[i] = lo + int32(r.IntN(int(hi-lo+1)))
	}
	return v
}

func clamp(v, lo, hi int32) int32 { return min(max(v, lo), hi) }

// roundHalfAway divides exactly and rounds half away from zero. The quotient
// of two small integers is never within float64 error of a half unless it is one.
func roundHalfAway(num, den int64) int32 { return int32(math.Round(float64(num) / float64(den))) }

func TestDepthwiseMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for trial := 0; trial < 60; trial++ {
		h, w, c := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(19)
		k := []int{1, 3, 5}[r.IntN(3)]
		stride := 1 + r.IntN(2)
		pad := []graph.Padding{graph.Same, graph.Valid}[r.IntN(2)]
		if pad == "VALID" && (k > h || k > w) {
			pad = "SAME"
		}
		rule := []string{RequantizeGemmlowp, RequantizeFP32}[r.IntN(2)]
		act := []graph.Activation{graph.None, graph.ReLU6}[r.IntN(2)]
		oh, pt, _ := Params{Padding: pad}.Window(0, h, k, stride, 1)
		ow, pl, _ := Params{Padding: pad}.Window(1, w, k, stride, 1)
		inT := randomQuant(r, "x", randomType(r), []int{1, h, w, c})
		outT := randomQuant(r, "y", inT.Type, []int{1, oh, ow, c})
		wS := make([]float32, c)
		for i := range wS {
			wS[i] = 0.001 + 0.02*r.Float32()
		}
		wt := make([]byte, k*k*c) // [1][k][k][c] int8
		for i := range wt {
			wt[i] = byte(int8(r.IntN(255) - 127))
		}
		bias := make([]int32, c)
		bb := make([]byte, 4*c)
		for i := range bias {
			bias[i] = int32(r.IntN(4000) - 2000)
			bb[4*i], bb[4*i+1], bb[4*i+2], bb[4*i+3] = byte(bias[i]), byte(bias[i]>>8), byte(bias[i]>>16), byte(bias[i]>>24)
		}
		g := &Graph{Requantize: rule, Tensors: []Tensor{inT,
			{Name: "w", Type: Int8, Shape: []int{1, k, k, c}, Scale: wS, ZeroPoint: make([]int32, c), Axis: 3, Const: true},
			{Name: "b", Type: Int32, Shape: []int{c}, Const: true}, outT}}
		op := Op{Op: "DEPTHWISE_CONV_2D", Inputs: []int{0, 1, 2}, Outputs: []int{3},
			Params: Params{Padding: pad, StrideH: stride, StrideW: stride, DepthMultiplier: 1, Activation: act}}
		x := randomValues(r, inT.Type, h*w*c)
		got := runKernel(t, KernelSet{}, g, op, map[string][]byte{"w": wt, "b": bb}, map[int][]int32{0: x})

		// Naive: reference_integer_ops::DepthwiseConvPerChannel.
		lo, hi := typeRange(outT.Type)
		if act == "RELU6" {
			lo = max(lo, outT.ZeroPoint[0])
			hi = min(hi, outT.ZeroPoint[0]+int32(math.Round(float64(6/outT.Scale[0]))))
		}
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					acc := bias[ch]
					for ky := 0; ky < k; ky++ {
						for kx := 0; kx < k; kx++ {
							iy, ix := oy*stride-pt+ky, ox*stride-pl+kx
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							acc += (x[(iy*w+ix)*c+ch] - inT.ZeroPoint[0]) * int32(int8(wt[(ky*k+kx)*c+ch]))
						}
					}
					var v int32
					if rule == RequantizeFP32 {
						scale := inT.Scale[0] * wS[ch] / outT.Scale[0]
						v = int32(math.RoundToEven(float64(float32(acc) * scale)))
					} else {
						q, s := QuantizeMultiplier(float64(inT.Scale[0]) * float64(wS[ch]) / float64(outT.Scale[0]))
						v = MultiplyByQuantizedMultiplier(acc, q, s)
					}
					want := clamp(v+outT.ZeroPoint[0], lo, hi)
					if i := (oy*ow+ox)*c + ch; got[i] != want {
						t.Fatalf("trial %d (%dx%dx%d k%d s%d %s %s %s %s): output %d = %d, want %d",
							trial, h, w, c, k, stride, pad, inT.Type, rule, act, i, got[i], want)
					}
				}
			}
		}
	}
}

// xnnpackAddParams is XNNPACK's xnn_init_qs8_add_minmax_scalar_params written
// on float32 bits: the shift puts the larger ratio's leading bit at 2^20.
func xnnpackAddParams(aRatio, bRatio float32) (aMult, bMult int32, shift uint32) {
	exp := int32(math.Float32bits(max(aRatio, bRatio))>>23) - 127
	shift = uint32(20 - exp)
	scaled := func(f float32) int32 {
		return int32(math.RoundToEven(float64(math.Float32frombits(math.Float32bits(f) + shift<<23))))
	}
	return scaled(aRatio), scaled(bRatio), shift
}

func TestAddMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := 0; trial < 200; trial++ {
		shape := []int{1, 1 + r.IntN(5), 1 + r.IntN(5), 1 + r.IntN(9)}
		n := numElements(shape)
		typ := randomType(r)
		aT, bT, oT := randomQuant(r, "a", typ, shape), randomQuant(r, "b", typ, shape), randomQuant(r, "y", typ, shape)
		rule := []string{AddTFLite, AddXNNPACK}[r.IntN(2)]
		switch trial % 10 {
		case 0:
			aT.Scale[0] = oT.Scale[0] * 300 // XNNPACK refuses the ratio: TFLite's rule applies
		case 1, 2:
			// Ratios of exactly 1/2 make many sums land on a half: the rules' tie breaking shows.
			aT.Scale[0], bT.Scale[0] = oT.Scale[0]/2, oT.Scale[0]/2
		}
		act := []graph.Activation{graph.None, graph.ReLU}[r.IntN(2)]
		g := &Graph{Add: rule, Tensors: []Tensor{aT, bT, oT}}
		op := Op{Op: "ADD", Inputs: []int{0, 1}, Outputs: []int{2}, Params: Params{Activation: act}}
		a, b := randomValues(r, typ, n), randomValues(r, typ, n)
		got := runKernel(t, KernelSet{}, g, op, nil, map[int][]int32{0: a, 1: b})

		lo, hi := typeRange(typ)
		if act == "RELU" {
			lo = max(lo, oT.ZeroPoint[0])
		}
		aRatio, bRatio := aT.Scale[0]/oT.Scale[0], bT.Scale[0]/oT.Scale[0]
		xnnpack := rule == AddXNNPACK && aRatio < 256 && bRatio < 256 && aRatio >= 1.0/1024 && bRatio >= 1.0/1024
		for i := range a {
			da, db := a[i]-aT.ZeroPoint[0], b[i]-bT.ZeroPoint[0]
			var v int32
			if xnnpack {
				am, bm, shift := xnnpackAddParams(aRatio, bRatio)
				acc := int64(da)*int64(am) + int64(db)*int64(bm)
				v = int32(math.Floor(float64(acc+1<<(shift-1)) / float64(int64(1)<<shift)))
			} else {
				// reference_ops::AddElementwise with PrepareGeneralSubOp's parameters.
				twiceMax := 2 * float64(max(aT.Scale[0], bT.Scale[0]))
				am, as := QuantizeMultiplier(float64(aT.Scale[0]) / twiceMax)
				bm, bs := QuantizeMultiplier(float64(bT.Scale[0]) / twiceMax)
				om, os := QuantizeMultiplier(twiceMax / (float64(1<<20) * float64(oT.Scale[0])))
				sum := MultiplyByQuantizedMultiplier(da<<20, am, as) + MultiplyByQuantizedMultiplier(db<<20, bm, bs)
				v = MultiplyByQuantizedMultiplier(sum, om, os)
			}
			want := clamp(v+oT.ZeroPoint[0], lo, hi)
			if got[i] != want {
				t.Fatalf("trial %d (%s %s %s, ratios %g %g): output %d = %d, want %d (a=%d b=%d)",
					trial, typ, rule, act, aRatio, bRatio, i, got[i], want, a[i], b[i])
			}
			// Both rules are the real sum to within one unit.
			real := (float64(aT.Scale[0])*float64(da) + float64(bT.Scale[0])*float64(db)) / float64(oT.Scale[0])
			if exact := float64(oT.ZeroPoint[0]) + real; exact > float64(lo) && exact < float64(hi) && math.Abs(float64(v)-real) > 1 {
				t.Fatalf("trial %d: output %d = %d, real %.3f", trial, i, v, real)
			}
		}
	}
}

func TestAveragePoolMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 60; trial++ {
		h, w, c := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(9)
		fh, fw := 1+r.IntN(min(h, 4)), 1+r.IntN(min(w, 4))
		stride := 1 + r.IntN(2)
		pad := []graph.Padding{graph.Same, graph.Valid}[r.IntN(2)]
		oh, pt, _ := Params{Padding: pad}.Window(0, h, fh, stride, 1)
		ow, pl, _ := Params{Padding: pad}.Window(1, w, fw, stride, 1)
		inT := randomQuant(r, "x", randomType(r), []int{1, h, w, c})
		outT := inT
		outT.Name, outT.Shape = "y", []int{1, oh, ow, c}
		g := &Graph{Tensors: []Tensor{inT, outT}}
		op := Op{Op: "AVERAGE_POOL_2D", Inputs: []int{0}, Outputs: []int{1},
			Params: Params{Padding: pad, StrideH: stride, StrideW: stride, FilterH: fh, FilterW: fw}}
		x := randomValues(r, inT.Type, h*w*c)
		got := runKernel(t, KernelSet{}, g, op, nil, map[int][]int32{0: x})
		// reference_integer_ops::AveragePool: padding is left out of the count.
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					sum, count := int64(0), int64(0)
					for iy := oy*stride - pt; iy < oy*stride-pt+fh; iy++ {
						for ix := ox*stride - pl; ix < ox*stride-pl+fw; ix++ {
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								sum += int64(x[(iy*w+ix)*c+ch])
								count++
							}
						}
					}
					if i := (oy*ow+ox)*c + ch; got[i] != roundHalfAway(sum, count) {
						t.Fatalf("trial %d (%dx%dx%d f%dx%d s%d %s %s): output %d = %d, want %d",
							trial, h, w, c, fh, fw, stride, pad, inT.Type, i, got[i], roundHalfAway(sum, count))
					}
				}
			}
		}
	}
}

func TestMeanMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 100; trial++ {
		h, w, c := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(20)
		typ := randomType(r)
		inT := randomQuant(r, "x", typ, []int{1, h, w, c})
		outT := randomQuant(r, "y", typ, []int{1, 1, 1, c})
		outT.Scale[0] = inT.Scale[0] * (0.5 + r.Float32())
		rule := []string{MeanTFLite, MeanFP32}[r.IntN(2)]
		g := &Graph{Mean: rule, Tensors: []Tensor{inT, outT}}
		op := Op{Op: "MEAN", Inputs: []int{0}, Outputs: []int{1}, Params: Params{Axes: []int{1, 2}, KeepDims: true}}
		x := randomValues(r, typ, h*w*c)
		got := runKernel(t, KernelSet{}, g, op, nil, map[int][]int32{0: x})
		lo, hi := typeRange(typ)
		n := int32(h * w)
		for ch := 0; ch < c; ch++ {
			sum := int32(0)
			for px := 0; px < h*w; px++ {
				sum += x[px*c+ch] - inT.ZeroPoint[0]
			}
			var v int32
			if rule == MeanFP32 {
				// XNNPACK's global average pooling: bias -count*zp, float32 scale.
				scale := inT.Scale[0] / (outT.Scale[0] * float32(n))
				v = int32(math.RoundToEven(float64(float32(sum) * scale)))
			} else {
				// reference_ops::Mean (quantized): rescale, then divide.
				q, s := QuantizeMultiplier(float64(inT.Scale[0]) / float64(outT.Scale[0]))
				v = roundHalfAway(int64(MultiplyByQuantizedMultiplier(sum, q, s)), int64(n))
			}
			if want := clamp(v+outT.ZeroPoint[0], lo, hi); got[ch] != want {
				t.Fatalf("trial %d (%dx%dx%d %s %s): output %d = %d, want %d", trial, h, w, c, typ, rule, ch, got[ch], want)
			}
		}
	}
}

func TestQuantizeMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for trial := 0; trial < 100; trial++ {
		shape := []int{1, 1 + r.IntN(30)}
		inT := randomQuant(r, "x", randomType(r), shape)
		outT := randomQuant(r, "y", randomType(r), shape)
		if trial%4 == 0 {
			outT.Scale[0] = inT.Scale[0] // the models' uint8 <-> int8 conversions
		}
		g := &Graph{Tensors: []Tensor{inT, outT}}
		op := Op{Op: "QUANTIZE", Inputs: []int{0}, Outputs: []int{1}}
		x := randomValues(r, inT.Type, shape[1])
		got := runKernel(t, KernelSet{}, g, op, nil, map[int][]int32{0: x})
		lo, hi := typeRange(outT.Type)
		q, s := QuantizeMultiplier(float64(inT.Scale[0]) / float64(outT.Scale[0]))
		for i, v := range x {
			// reference_ops::Requantize.
			want := clamp(MultiplyByQuantizedMultiplier(v-inT.ZeroPoint[0], q, s)+outT.ZeroPoint[0], lo, hi)
			if got[i] != want {
				t.Fatalf("trial %d (%s -> %s): output %d = %d, want %d", trial, inT.Type, outT.Type, i, got[i], want)
			}
			real := float64(inT.Scale[0])*float64(v-inT.ZeroPoint[0])/float64(outT.Scale[0]) + float64(outT.ZeroPoint[0])
			// Rounding twice (gemmlowp's high multiply, then the shift) can
			// land on the far side of a half.
			if math.Abs(float64(got[i])-clamp64(real, lo, hi)) >= 1 {
				t.Fatalf("trial %d: output %d = %d, real %.3f", trial, i, got[i], real)
			}
		}
	}
}

func clamp64(v float64, lo, hi int32) float64 { return math.Min(math.Max(v, float64(lo)), float64(hi)) }

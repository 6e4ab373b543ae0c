package quant

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"inceptionweb/nn/graph"
)

// naiveConv is a direct transcription of TFLite's reference integer Conv:
// sum (x-xzp)*(w-wzp) + bias, requantized per channel, clamped.
func naiveConv(x []uint8, h, w, c int, wt []int8, n, kh, kw, stride int, pad graph.Padding,
	bias []int32, xzp int32, inS float32, wS []float32, outS float32, ozp int32) ([]uint8, int, int) {
	oh, pt, _ := Params{Padding: pad}.Window(0, h, kh, stride, 1)
	ow, pl, _ := Params{Padding: pad}.Window(1, w, kw, stride, 1)
	out := make([]uint8, oh*ow*n)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for o := 0; o < n; o++ {
				acc := bias[o]
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						iy, ix := oy*stride-pt+ky, ox*stride-pl+kx
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						for i := 0; i < c; i++ {
							acc += (int32(x[(iy*w+ix)*c+i]) - xzp) * int32(wt[((o*kh+ky)*kw+kx)*c+i])
						}
					}
				}
				q, s := QuantizeMultiplier(float64(inS) * float64(wS[o]) / float64(outS))
				v := MultiplyByQuantizedMultiplier(acc, q, s) + ozp
				out[(oy*ow+ox)*n+o] = uint8(min(max(v, 0), 255))
			}
		}
	}
	return out, oh, ow
}

func TestConvMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 40; trial++ {
		h, w, c := 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(13)
		n := 1 + r.IntN(11)
		k := []int{1, 3, 5}[r.IntN(3)]
		stride := 1 + r.IntN(2)
		pad := []graph.Padding{graph.Same, graph.Valid}[r.IntN(2)]
		if pad == "VALID" && (k > h || k > w) {
			pad = "SAME"
		}
		x := make([]uint8, h*w*c)
		for i := range x {
			x[i] = uint8(r.IntN(256))
		}
		wt := make([]int8, n*k*k*c)
		for i := range wt {
			wt[i] = int8(r.IntN(255) - 127)
		}
		bias := make([]int32, n)
		wS := make([]float32, n)
		for o := range bias {
			bias[o] = int32(r.IntN(2000) - 1000)
			wS[o] = 0.001 + r.Float32()*0.01
		}
		xzp, inS, outS, ozp := int32(r.IntN(256)), float32(0.02), float32(0.05+r.Float32()*0.2), int32(r.IntN(256))
		want, oh, ow := naiveConv(x, h, w, c, wt, n, k, k, stride, pad, bias, xzp, inS, wS, outS, ozp)

		g := &Graph{
			Tensors: []Tensor{
				{Name: "x", Type: Uint8, Shape: []int{1, h, w, c}, Scale: []float32{inS}, ZeroPoint: []int32{xzp}},
				{Name: "w", Type: Int8, Shape: []int{n, k, k, c}, Scale: wS, ZeroPoint: make([]int32, n), Const: true},
				{Name: "b", Type: Int32, Shape: []int{n}, Const: true},
				{Name: "y", Type: Uint8, Shape: []int{1, oh, ow, n}, Scale: []float32{outS}, ZeroPoint: []int32{ozp}},
			},
			Ops:     []Op{{Op: "CONV_2D", Inputs: []int{0, 1, 2}, Outputs: []int{3}, Params: Params{Padding: pad, StrideH: stride, StrideW: stride}}},
			Inputs:  []int{0},
			Outputs: []int{3},
		}
		// The graph must survive a JSON round trip.
		js, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		var g2 Graph
		if err := json.Unmarshal(js, &g2); err != nil {
			t.Fatal(err)
		}
		wb := make([]byte, len(wt))
		for i, v := range wt {
			wb[i] = byte(v)
		}
		bb := make([]byte, 4*n)
		for i, v := range bias {
			bb[4*i], bb[4*i+1], bb[4*i+2], bb[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		}
		p, err := Compile(&g2, func(name string) ([]byte, error) {
			if name == "w" {
				return wb, nil
			}
			return bb, nil
		}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Run(x); err != nil {
			t.Fatal(err)
		}
		got, _, _, _ := p.Output()
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d (%dx%dx%d k%d s%d %s -> %d): output %d = %d, want %d", trial, h, w, c, k, stride, pad, n, i, got[i], want[i])
			}
		}
	}
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		m := math.Exp(r.Float64()*20 - 15)
		x := int32(r.IntN(1<<20) - 1<<19)
		q, s := QuantizeMultiplier(m)
		got := float64(MultiplyByQuantizedMultiplier(x, q, s))
		if want := float64(x) * m; math.Abs(got-want) > 1+1e-6*math.Abs(want) {
			t.Fatalf("%d * %g = %g, want %g", x, m, got, want)
		}
	}
}

// TestSoftmaxFloat checks both softmax rules, for uint8 and int8, against
// float softmax, and the table rule against a transcription of TFLite's
// optimized_ops::Softmax over the declared values.
func TestSoftmaxFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 40; trial++ {
		n := 1 + r.IntN(1200)
		scale := float32(0.01 + r.Float64()*0.2)
		typ := []DType{Uint8, Int8}[trial%2]
		rule := []string{SoftmaxFixedPoint, SoftmaxTable}[trial/2%2]
		lo, _ := typeRange(typ)
		g := &Graph{Softmax: rule, Tensors: []Tensor{
			{Name: "x", Type: typ, Shape: []int{1, n}, Scale: []float32{scale}, ZeroPoint: []int32{lo + 100}},
			{Name: "y", Type: typ, Shape: []int{1, n}, Scale: []float32{1.0 / 256}, ZeroPoint: []int32{lo}},
		}, Ops: []Op{{Op: "SOFTMAX", Inputs: []int{0}, Outputs: []int{1}, Params: Params{Beta: 1}}}, Inputs: []int{0}, Outputs: []int{1}}
		p, err := Compile(g, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := randomValues(r, typ, n)
		in := make([]byte, n)
		for i, v := range x {
			in[i] = byte(v)
		}
		if err := p.Run(in); err != nil {
			t.Fatal(err)
		}
		out, _, _, _ := p.Output()
		got := make([]int32, n)
		for i, b := range out {
			got[i] = int32(b)
			if typ == Int8 {
				got[i] = int32(int8(b)) + 128
			}
		}
		maxv := slices.Max(x)
		sum, sum32 := 0.0, float32(0)
		for _, v := range x {
			sum += math.Exp(float64(scale) * float64(v-maxv))
			sum32 += float32(math.Exp(float64(-scale * float32(maxv-v))))
		}
		for i, v := range x {
			want := math.Exp(float64(scale)*float64(v-maxv)) / sum * 256
			if math.Abs(float64(got[i])-math.Min(want, 255)) > 1 {
				t.Fatalf("trial %d (%s %q): softmax[%d] = %d, float %.3f", trial, typ, rule, i, got[i], want)
			}
			if rule != SoftmaxTable {
				continue
			}
			p := float32(math.Exp(float64(-scale*float32(maxv-v)))) * (1 / (sum32 * (1.0 / 256)))
			exact := int32(p + 0.5) // uint8: add a half and truncate
			if typ == Int8 {
				exact = int32(math.Round(float64(p))) // int8: std::round
			}
			if exact = min(exact, 255); got[i] != exact {
				t.Fatalf("trial %d (%s table): softmax[%d] = %d, want %d", trial, typ, i, got[i], exact)
			}
		}
	}
}

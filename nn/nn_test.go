package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"inceptionweb/nn/graph"
)

// naiveConv is the definition of a convolution, written as plainly as possible.
func naiveConv(c *Conv, in *Tensor) *Tensor {
	oh, ow := c.OutSize(in.H, in.W)
	out := NewTensor(oh, ow, c.OutC)
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			for o := 0; o < c.OutC; o++ {
				s := float64(c.Bias[o])
				for ky := 0; ky < c.KH; ky++ {
					for kx := 0; kx < c.KW; kx++ {
						iy, ix := oy*c.StrideH-c.PadH+ky, ox*c.StrideW-c.PadW+kx
						if iy < 0 || iy >= in.H || ix < 0 || ix >= in.W {
							continue
						}
						for i := 0; i < c.InC; i++ {
							s += float64(in.Data[(iy*in.W+ix)*c.InC+i]) * float64(c.Weight[((ky*c.KW+kx)*c.InC+i)*c.OutC+o])
						}
					}
				}
				if c.ReLU {
					s = max(s, 0)
					if c.Clip > 0 {
						s = min(s, float64(c.Clip))
					}
				}
				out.Data[(oy*ow+ox)*c.OutC+o] = float32(s)
			}
		}
	}
	return out
}

func randomize(r *rand.Rand, v []float32) {
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
}

func TestConvAgainstDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		kh, kw := 1+r.IntN(7), 1+r.IntN(7)
		c := &Conv{InC: 1 + r.IntN(9), OutC: 1 + r.IntN(13), KH: kh, KW: kw, StrideH: 1 + r.IntN(2), StrideW: 1 + r.IntN(2),
			PadH: r.IntN(kh), PadW: r.IntN(kw), ExtraPadH: r.IntN(2), ExtraPadW: r.IntN(2), ReLU: r.IntN(2) == 0}
		if r.IntN(3) == 0 {
			c.Clip = 0.5
		}
		in := NewTensor(kh+r.IntN(9), kw+r.IntN(9), c.InC)
		c.Weight = make([]float32, kh*kw*c.InC*c.OutC)
		c.Bias = make([]float32, c.OutC)
		randomize(r, in.Data)
		randomize(r, c.Weight)
		randomize(r, c.Bias)
		want := naiveConv(c, in)
		// Write into a channel slice of a wider tensor, as concatenation does.
		off := r.IntN(4)
		out := NewTensor(want.H, want.W, c.OutC+off+r.IntN(3))
		c.Forward(in, out, off)
		for p := 0; p < want.H*want.W; p++ {
			for o := 0; o < c.OutC; o++ {
				got, w := out.Data[p*out.C+off+o], want.Data[p*c.OutC+o]
				if math.Abs(float64(got-w)) > 1e-5*(1+math.Abs(float64(w))) {
					t.Fatalf("trial %d %+v: pixel %d channel %d = %g, want %g", trial, *c, p, o, got, w)
				}
			}
		}
	}
}

func TestFoldBatchNorm(t *testing.T) {
	// One input channel, one output channel, 1x1: y = g*(w*x - m)/sqrt(v+eps) + b.
	hwio, bias := FoldBatchNorm([]float32{2}, 1, []float32{3}, []float32{0.5}, []float32{1}, []float32{4}, 0)
	x := float32(5)
	want := float32(3*(2*5-1)/2.0 + 0.5)
	if got := hwio[0]*x + bias[0]; math.Abs(float64(got-want)) > 1e-6 {
		t.Errorf("folded conv gives %g, want %g", got, want)
	}
}

func TestPool(t *testing.T) {
	in := NewTensor(3, 3, 1)
	for i := range in.Data {
		in.Data[i] = float32(i + 1)
	}
	out := NewTensor(3, 3, 1)
	(&Pool{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, CountPad: true}).Forward(in, out, 0)
	if got := out.Data[0]; got != (1+2+4+5)/9.0 {
		t.Errorf("avg pool with padding counted: corner = %g", got)
	}
	(&Pool{KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}).Forward(in, out, 0)
	if got := out.Data[0]; got != (1+2+4+5)/4.0 {
		t.Errorf("avg pool without padding counted: corner = %g", got)
	}
	m := NewTensor(1, 1, 1)
	(&Pool{Max: true, KH: 3, KW: 3, StrideH: 2, StrideW: 2}).Forward(in, m, 0)
	if m.Data[0] != 9 {
		t.Errorf("max pool = %g", m.Data[0])
	}
}

func TestDepthwise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		C, k, s := 1+r.IntN(9), 1+2*r.IntN(2), 1+r.IntN(2)
		in := NewTensor(3+r.IntN(8), 3+r.IntN(8), C)
		_, pad, after, err := graph.Params{Padding: graph.Same}.Pad(0, in.H, k, s, 1)
		if err != nil {
			t.Fatal(err)
		}
		extra := after - pad
		d := &Depthwise{C: C, KH: k, KW: k, StrideH: s, StrideW: s, PadH: pad, PadW: pad, ExtraPadH: extra, ExtraPadW: extra,
			ReLU: true, Clip: 6, Weight: make([]float32, k*k*C), Bias: make([]float32, C)}
		randomize(r, in.Data)
		randomize(r, d.Weight)
		randomize(r, d.Bias)
		// A depthwise convolution is a full convolution whose weights are zero across channels.
		c := &Conv{InC: C, OutC: C, KH: k, KW: k, StrideH: s, StrideW: s, PadH: pad, PadW: pad, ExtraPadH: extra, ExtraPadW: extra,
			ReLU: true, Clip: 6, Weight: make([]float32, k*k*C*C), Bias: d.Bias}
		for t := 0; t < k*k; t++ {
			for ch := 0; ch < C; ch++ {
				c.Weight[(t*C+ch)*C+ch] = d.Weight[t*C+ch]
			}
		}
		want := naiveConv(c, in)
		got := NewTensor(want.H, want.W, C)
		d.Forward(in, got)
		for i := range got.Data {
			if math.Abs(float64(got.Data[i]-want.Data[i])) > 1e-5 {
				t.Fatalf("trial %d: element %d = %g, want %g", trial, i, got.Data[i], want.Data[i])
			}
		}
	}
}

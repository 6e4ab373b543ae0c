//go:build js && wasm

package webgpu

// These tests need a browser with WebGPU: `PKG=./nn/webgpu WEBGPU=1 wasm/simd/chromium_bench.sh -test.v` runs
// them in headless Chromium on SwiftShader (a CPU adapter). Elsewhere (Node) they skip.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"inceptionweb/internal/randweights"
	"inceptionweb/internal/testenv"
	"inceptionweb/nn"
	"inceptionweb/nn/float"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights/tflite"
)

var (
	deviceOnce sync.Once
	device     *Device
	deviceErr  error
)

func testDevice(t *testing.T) *Device {
	deviceOnce.Do(func() { device, deviceErr = Open() })
	if errors.Is(deviceErr, ErrNoAdapter) {
		t.Skip("no WebGPU adapter here")
	}
	if deviceErr != nil {
		t.Fatal(deviceErr)
	}
	return device
}

// builder makes small float graphs with random constants.
type builder struct {
	g      *graph.Graph
	consts map[string][]float32
	r      *rand.Rand
}

func newBuilder(seed uint64) *builder {
	return &builder{g: &graph.Graph{}, consts: map[string][]float32{}, r: rand.New(rand.NewPCG(seed, 1))}
}

func (b *builder) tensor(shape ...int) int {
	b.g.Tensors = append(b.g.Tensors, graph.Tensor{Name: fmt.Sprintf("t%d", len(b.g.Tensors)), Type: graph.Float32, Shape: shape})
	return len(b.g.Tensors) - 1
}

func (b *builder) constant(scale float32, shape ...int) int {
	t := b.tensor(shape...)
	b.g.Tensors[t].Const = true
	v := make([]float32, graph.NumElements(shape))
	for i := range v {
		v[i] = scale * (2*b.r.Float32() - 1)
	}
	b.consts[b.g.Tensors[t].Name] = v
	return t
}

func (b *builder) op(name string, pr graph.Params, out int, in ...int) int {
	b.g.Ops = append(b.g.Ops, graph.Op{Op: graph.Kind(name), Inputs: in, Outputs: []int{out}, Params: pr})
	return out
}

// conv adds a CONV_2D of n kh x kw filters over x (h x w x c) with output oh x ow.
func (b *builder) conv(x, c, n, kh, kw, oh, ow int, pr graph.Params) int {
	scale := float32(math.Sqrt(3 / float64(kh*kw*c)))
	w := b.constant(scale, n, kh, kw, c)
	bias := b.constant(0.1, n)
	return b.op("CONV_2D", pr, b.tensor(1, oh, ow, n), x, w, bias)
}

func (b *builder) weight(name string, shape []int) ([]float32, error) {
	v, ok := b.consts[name]
	if !ok {
		return nil, fmt.Errorf("no constant %q", name)
	}
	return v, nil
}

// compare runs g on the CPU (nn/graph, pure Go) and on the GPU on one random input and checks the logits agree
// within tol of the largest; it returns both.
func compare(t *testing.T, d *Device, g *graph.Graph, weight func(string, []int) ([]float32, error), tol float64) (got, want []float32) {
	t.Helper()
	cpu, err := float.Compile(g, weight, nn.KernelSet{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	x := make([]float32, len(cpu.Input().Data))
	for i := range x {
		x[i] = 2*r.Float32() - 1
	}
	copy(cpu.Input().Data, x) // the CPU reuses the input's buffer once it is read
	cpu.Run()
	want = cpu.Logits()
	plan, err := Compile(g, weight)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := d.Load(plan)
	if err != nil {
		t.Fatal(err)
	}
	defer prog.Release()
	got, err = prog.Run(x)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	worst, scale, at := 0.0, 0.0, 0
	for i := range want {
		if e := math.Abs(float64(got[i] - want[i])); e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
		scale = max(scale, math.Abs(float64(want[i])))
	}
	if !(worst <= tol*max(scale, 1)) {
		t.Errorf("output %d = %g, CPU %g: off by %g (largest %g, %d kernels)", at, got[at], want[at], worst, scale, len(plan.Kernels))
	}
	return got, want
}

func explicit(t, l, b, r int) graph.Params {
	return graph.Params{Padding: "EXPLICIT", Pads: []int{t, l, b, r}, StrideH: 1, StrideW: 1}
}

// TestLayers checks each operator's shader against the CPU on small shapes with odd sizes (tails in every
// tile), channel slices and strides.
func TestLayers(t *testing.T) {
	d := testDevice(t)
	type layer func(b *builder, x int) int
	same := func(s int, act graph.Activation) graph.Params {
		return graph.Params{Padding: "SAME", StrideH: s, StrideW: s, Activation: act}
	}
	cases := []struct {
		name    string
		h, w, c int
		build   layer
	}{
		{"conv 3x3 same relu", 9, 11, 5, func(b *builder, x int) int { return b.conv(x, 5, 7, 3, 3, 9, 11, same(1, "RELU")) }},
		{"conv 3x3/2 valid", 17, 17, 3, func(b *builder, x int) int {
			return b.conv(x, 3, 32, 3, 3, 8, 8, graph.Params{Padding: "VALID", StrideH: 2, StrideW: 2})
		}},
		{"conv 1x7 and 7x1", 12, 10, 16, func(b *builder, x int) int {
			y := b.conv(x, 16, 19, 1, 7, 12, 10, explicit(0, 3, 0, 3))
			return b.conv(y, 19, 21, 7, 1, 12, 10, explicit(3, 0, 3, 0))
		}},
		{"conv 1x1 relu6", 8, 8, 64, func(b *builder, x int) int { return b.conv(x, 64, 100, 1, 1, 8, 8, same(1, "RELU6")) }},
		{"conv 7x7/2", 20, 20, 3, func(b *builder, x int) int {
			p := explicit(3, 3, 3, 3)
			p.StrideH, p.StrideW = 2, 2
			return b.conv(x, 3, 8, 7, 7, 10, 10, p)
		}},
		{"depthwise 3x3 relu6, /2", 15, 14, 13, func(b *builder, x int) int {
			w := b.constant(0.5, 13, 3, 3, 1)
			y := b.op("DEPTHWISE_CONV_2D", same(1, "RELU6"), b.tensor(1, 15, 14, 13), x, w, b.constant(0.1, 13))
			w2 := b.constant(0.5, 13, 3, 3, 1)
			return b.op("DEPTHWISE_CONV_2D", same(2, ""), b.tensor(1, 8, 7, 13), y, w2, b.constant(0.1, 13))
		}},
		{"max pool 3x3/2 ceil", 14, 14, 6, func(b *builder, x int) int {
			p := explicit(0, 0, 1, 1)
			p.StrideH, p.StrideW, p.FilterH, p.FilterW = 2, 2, 3, 3
			return b.op("MAX_POOL_2D", p, b.tensor(1, 7, 7, 6), x)
		}},
		{"avg pool 3x3 same, with and without padding counted", 9, 7, 5, func(b *builder, x int) int {
			p := explicit(1, 1, 1, 1)
			p.FilterH, p.FilterW, p.CountPadding = 3, 3, true
			y := b.op("AVERAGE_POOL_2D", p, b.tensor(1, 9, 7, 5), x)
			q := same(1, "RELU")
			q.FilterH, q.FilterW = 3, 3
			return b.op("AVERAGE_POOL_2D", q, b.tensor(1, 9, 7, 5), y)
		}},
		{"lrn", 5, 5, 20, func(b *builder, x int) int {
			y := b.op("LOCAL_RESPONSE_NORMALIZATION", graph.Params{Size: 5, Alpha: 1e-4, Beta: 0.75, Bias: 1}, b.tensor(1, 5, 5, 20), x)
			return b.op("LOCAL_RESPONSE_NORMALIZATION", graph.Params{Size: 3, Alpha: 0.5, Beta: 0.5, Bias: 2}, b.tensor(1, 5, 5, 20), y)
		}},
		{"inception block: branches written into their concatenation", 9, 9, 12, func(b *builder, x int) int {
			a := b.conv(x, 12, 5, 1, 1, 9, 9, same(1, "RELU"))
			s := b.conv(x, 12, 6, 1, 1, 9, 9, same(1, "RELU"))
			c := b.conv(s, 6, 7, 3, 3, 9, 9, same(1, "RELU"))
			p := same(1, "")
			p.FilterH, p.FilterW = 3, 3
			m := b.op("MAX_POOL_2D", p, b.tensor(1, 9, 9, 12), x)
			cat := b.op("CONCATENATION", graph.Params{Axis: 3}, b.tensor(1, 9, 9, 5+7+12+12), a, c, m, x)
			return b.conv(cat, 36, 9, 3, 3, 9, 9, same(1, "RELU"))
		}},
		{"add", 6, 6, 10, func(b *builder, x int) int {
			y := b.conv(x, 10, 10, 1, 1, 6, 6, same(1, ""))
			return b.op("ADD", graph.Params{Activation: "RELU"}, b.tensor(1, 6, 6, 10), x, y)
		}},
		{"classifier head", 7, 7, 40, func(b *builder, x int) int {
			m := b.op("MEAN", graph.Params{Axes: []int{1, 2}}, b.tensor(1, 1, 1, 40), x)
			f := b.op("RESHAPE", graph.Params{}, b.tensor(1, 40), m)
			l := b.op("FULLY_CONNECTED", graph.Params{}, b.tensor(1, 37), f, b.constant(0.3, 37, 40), b.constant(0.1, 37))
			return b.op("SOFTMAX", graph.Params{Beta: 1}, b.tensor(1, 37), l)
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBuilder(uint64(i))
			x := b.tensor(1, c.h, c.w, c.c)
			out := c.build(b, x)
			b.g.Inputs, b.g.Outputs = []int{x}, []int{out}
			compare(t, d, b.g, b.weight, 1e-5)
		})
	}
}

// TestRandomLayers checks convolutions, depthwise convolutions and pooling of random shapes, strides and
// paddings against the CPU.
func TestRandomLayers(t *testing.T) {
	d := testDevice(t)
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 24 {
		h, w, c := 1+r.IntN(20), 1+r.IntN(20), 1+r.IntN(40)
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		stride := 1 + r.IntN(3)
		pr := graph.Params{Padding: graph.Same, StrideH: stride, StrideW: stride, Activation: []graph.Activation{"", graph.ReLU, graph.ReLU6}[r.IntN(3)]}
		if r.IntN(2) == 0 {
			pr.Padding, pr.Pads = graph.Explicit, []int{r.IntN(kh), r.IntN(kw), r.IntN(kh), r.IntN(kw)}
		}
		b := newBuilder(uint64(100 + trial))
		x := b.tensor(1, h, w, c)
		oh, _, err1 := pr.Window(0, h, kh, stride, 1)
		ow, _, err2 := pr.Window(1, w, kw, stride, 1)
		if err1 != nil || err2 != nil || oh < 1 || ow < 1 {
			continue
		}
		var out int
		kind := trial % 3
		switch kind {
		case 0:
			out = b.conv(x, c, 1+r.IntN(70), kh, kw, oh, ow, pr)
		case 1:
			wt := b.constant(0.5, c, kh, kw, 1)
			out = b.op("DEPTHWISE_CONV_2D", pr, b.tensor(1, oh, ow, c), x, wt, b.constant(0.1, c))
		default:
			pr.FilterH, pr.FilterW, pr.CountPadding = kh, kw, r.IntN(2) == 0
			out = b.op([]string{"MAX_POOL_2D", "AVERAGE_POOL_2D"}[r.IntN(2)], pr, b.tensor(1, oh, ow, c), x)
		}
		b.g.Inputs, b.g.Outputs = []int{x}, []int{out}
		t.Run(fmt.Sprintf("%d %dx%dx%d %dx%d/%d %v", kind, h, w, c, kh, kw, stride, pr.Pads), func(t *testing.T) {
			compare(t, d, b.g, b.weight, 1e-5)
		})
	}
}

// mobileNetV2 is the float graph of TFLite's MobileNetV2 (its uint8 weights dequantized), from the shared folder.
func mobileNetV2(t *testing.T) (*graph.Graph, map[string][]float32) {
	m, err := tflite.Read(testenv.ReadShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	g, consts, err := tflite.FromTFLite(m)
	if err != nil {
		t.Fatal(err)
	}
	fg, fc, err := float.Dequantize(g, consts)
	if err != nil {
		t.Fatal(err)
	}
	return fg, fc
}

// TestNetworks runs whole networks once on the GPU: the logits within 1e-3 of the CPU's (relative to the
// largest), the same top class. GoogLeNet and InceptionV3 have random weights of the right scale (the
// operators are what is tested), MobileNetV2 its real ones.
func TestNetworks(t *testing.T) {
	d := testDevice(t)
	for _, name := range []string{"googlenet", "inception_v3", "mobilenet_v2"} {
		t.Run(name, func(t *testing.T) {
			var g *graph.Graph
			var consts map[string][]float32
			var err error
			switch name {
			case "googlenet":
				g, consts, err = googlenet.Arch.Graph(randweights.Params{}, inception.Config{})
			case "inception_v3":
				g, consts, err = inceptionv3.Arch.Graph(randweights.Params{}, inception.Config{})
			default:
				g, consts = mobileNetV2(t)
			}
			if err != nil {
				t.Fatal(err)
			}
			weight := func(name string, _ []int) ([]float32, error) { return consts[name], nil }
			got, want := compare(t, d, g, weight, 1e-3)
			top := func(v []float32) int {
				best := 0
				for i := range v {
					if v[i] > v[best] {
						best = i
					}
				}
				return best
			}
			if a, b := top(got), top(want); a != b {
				t.Errorf("top class %d, CPU %d", a, b)
			}
		})
	}
}

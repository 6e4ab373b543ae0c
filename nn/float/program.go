package float

import (
	"fmt"
	"math"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/graph"
)

// Program is a compiled float graph. Activations live in one arena planned by graph.Plan, sharing bytes when
// their lifetimes do not overlap; a Run allocates nothing. It is not safe for concurrent use.
type Program struct {
	steps   []func()
	writes  []int        // the tensor each step writes
	ts      []*nn.Tensor // by graph tensor index
	input   int
	output  int
	logits  int // the input of a final softmax, else the output
	kernels *nn.KernelSet
}

// Compile builds a program that runs with the kernel set k (the zero value is pure Go); weight returns a
// constant's values for the shape the graph declares.
func Compile(g *graph.Graph, weight func(name string, shape []int) ([]float32, error), k nn.KernelSet) (*Program, error) {
	if err := graph.Check(g); err != nil {
		return nil, err
	}
	p := &Program{ts: make([]*nn.Tensor, len(g.Tensors)), input: g.Inputs[0], output: g.Outputs[0], kernels: &k}
	p.logits = p.output
	offs, size, err := graph.Plan(g, func(t int) int { return 4 * g.Tensors[t].Elements() }, nil)
	if err != nil {
		return nil, err
	}
	arena := make([]float32, size/4)
	for t, off := range offs {
		if off < 0 {
			continue
		}
		h, w, c, err := graph.HWC(g.Tensors[t].Shape)
		if err == nil && (h > maxSide || w > maxSide || c > maxSide) {
			err = fmt.Errorf("shape %v is too large", g.Tensors[t].Shape)
		}
		if err != nil {
			return nil, fmt.Errorf("float: tensor %q: %w", g.Tensors[t].Name, err)
		}
		n := h * w * c
		p.ts[t] = &nn.Tensor{H: h, W: w, C: c, Data: arena[off/4 : off/4+n : off/4+n]}
	}
	for i, op := range g.Ops {
		step, err := p.compileOp(g, op, weight)
		if err != nil {
			return nil, fmt.Errorf("float: operator %d (%s): %w", i, op.Op, err)
		}
		p.steps = append(p.steps, step)
		p.writes = append(p.writes, op.Outputs[0])
	}
	return p, nil
}

// maxSide bounds an activation's height, width and channels: far above a classifier's.
const maxSide = 1 << 16

// checkWindow refuses kernel sizes and strides that no classifier has (and that would divide by zero).
func checkWindow(kh, kw int, p graph.Params) error {
	for _, v := range []int{kh, kw, p.StrideH, p.StrideW} {
		if v < 1 || v > 64 {
			return fmt.Errorf("window %dx%d with strides %dx%d: unsupported", kh, kw, p.StrideH, p.StrideW)
		}
	}
	return nil
}

func (p *Program) compileOp(g *graph.Graph, op graph.Op, weight func(string, []int) ([]float32, error)) (func(), error) {
	in := func(k int) (*nn.Tensor, error) {
		if k >= len(op.Inputs) || op.Inputs[k] < 0 || g.Tensors[op.Inputs[k]].Const {
			return nil, fmt.Errorf("input %d is not an activation computed earlier", k)
		}
		return p.ts[op.Inputs[k]], nil
	}
	constant := func(k int) ([]float32, []int, error) {
		if k >= len(op.Inputs) || op.Inputs[k] < 0 || !g.Tensors[op.Inputs[k]].Const {
			return nil, nil, fmt.Errorf("input %d is not a constant", k)
		}
		t := g.Tensors[op.Inputs[k]]
		v, err := weight(t.Name, t.Shape)
		return v, t.Shape, err
	}
	// weights are a convolution's or fully connected layer's filter (with its shape) and bias.
	weights := func() (w []float32, ws []int, b []float32, err error) {
		if w, ws, err = constant(1); err == nil {
			b, _, err = constant(2)
		}
		return w, ws, b, err
	}
	x, err := in(0)
	if err != nil {
		return nil, err
	}
	out := p.ts[op.Outputs[0]]
	relu, clip, err := activation(op.Params.Activation)
	if err != nil {
		return nil, err
	}
	switch op.Op {
	case graph.Conv2D, graph.DepthwiseConv2D:
		w, ws, b, err := weights()
		if err != nil {
			return nil, err
		}
		if len(ws) != 4 || op.Params.DilationH > 1 || op.Params.DilationW > 1 {
			return nil, fmt.Errorf("filter shape %v, dilation %dx%d: unsupported", ws, op.Params.DilationH, op.Params.DilationW)
		}
		kh, kw := ws[1], ws[2]
		if err := checkWindow(kh, kw, op.Params); err != nil {
			return nil, err
		}
		ph, eh, pw, ew, err := padding(op.Params, x.H, x.W, kh, kw)
		if err != nil {
			return nil, err
		}
		if op.Op == graph.DepthwiseConv2D {
			if ws[0] != x.C || out.C != x.C || ws[3] != 1 {
				return nil, fmt.Errorf("depthwise filter %v on %d channels (only multiplier 1)", ws, x.C)
			}
			d := &nn.Depthwise{C: x.C, KH: kh, KW: kw, StrideH: op.Params.StrideH, StrideW: op.Params.StrideW,
				PadH: ph, PadW: pw, ExtraPadH: eh, ExtraPadW: ew, ReLU: relu, Clip: clip,
				Weight: transposeLast(w, x.C, kh*kw), Bias: b}
			if err := checkOut(out)(d.OutSize(x.H, x.W)); err != nil {
				return nil, err
			}
			return func() { d.Forward(x, out) }, nil
		}
		o, ic := ws[0], ws[3]
		if ic != x.C || out.C != o {
			return nil, fmt.Errorf("filter %v on input %s to output %s", ws, x.Shape(), out.Shape())
		}
		c := &nn.Conv{InC: ic, OutC: o, KH: kh, KW: kw, StrideH: op.Params.StrideH, StrideW: op.Params.StrideW,
			PadH: ph, PadW: pw, ExtraPadH: eh, ExtraPadW: ew, ReLU: relu, Clip: clip,
			Weight: transposeLast(w, o, kh*kw*ic), Bias: b}
		if err := checkOut(out)(c.OutSize(x.H, x.W)); err != nil {
			return nil, err
		}
		c.Prepare(p.kernels)
		return func() { c.Forward(x, out, 0) }, nil
	case graph.FullyConnected:
		w, ws, b, err := weights()
		if err != nil {
			return nil, err
		}
		if len(ws) != 2 {
			return nil, fmt.Errorf("weights of shape %v, want [out, in]", ws)
		}
		l := &nn.Linear{In: ws[1], Out: ws[0], Weight: w, Bias: b}
		if len(x.Data) != l.In || len(out.Data) != l.Out {
			return nil, fmt.Errorf("weights %v on input %s to output %s", ws, x.Shape(), out.Shape())
		}
		return func() {
			l.Forward(x.Data, out.Data)
			if relu {
				nn.Activate(out.Data, clip)
			}
		}, nil
	case graph.Add:
		y, err := in(1)
		if err != nil {
			return nil, err
		}
		if len(x.Data) != len(y.Data) || len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("add %s + %s -> %s (no broadcasting)", x.Shape(), y.Shape(), out.Shape())
		}
		return func() { nn.Add(x, y, out, relu, clip) }, nil
	case graph.AveragePool2D, graph.MaxPool2D:
		if err := checkWindow(op.Params.FilterH, op.Params.FilterW, op.Params); err != nil {
			return nil, err
		}
		ph, eh, pw, ew, err := padding(op.Params, x.H, x.W, op.Params.FilterH, op.Params.FilterW)
		if err != nil {
			return nil, err
		}
		pool := &nn.Pool{Max: op.Op == graph.MaxPool2D, KH: op.Params.FilterH, KW: op.Params.FilterW,
			StrideH: op.Params.StrideH, StrideW: op.Params.StrideW, PadH: ph, PadW: pw, ExtraPadH: eh, ExtraPadW: ew,
			CountPad: op.Params.CountPadding, Kernels: p.kernels}
		if err := checkOut(out)(pool.OutSize(x.H, x.W)); err != nil {
			return nil, err
		}
		return func() {
			pool.Forward(x, out, 0)
			if relu {
				nn.Activate(out.Data, clip)
			}
		}, nil
	case graph.Concatenation:
		var ins []*nn.Tensor
		channels := 0
		for k := range op.Inputs {
			t, err := in(k)
			if err != nil {
				return nil, err
			}
			if t.H != out.H || t.W != out.W {
				return nil, fmt.Errorf("input %s into output %s", t.Shape(), out.Shape())
			}
			ins = append(ins, t)
			channels += t.C
		}
		if op.Params.Axis != 3 || channels != out.C {
			return nil, fmt.Errorf("%d channels along axis %d into output %s: only channel concatenation is supported", channels, op.Params.Axis, out.Shape())
		}
		return func() {
			off := 0
			for _, t := range ins {
				for px := 0; px < t.H*t.W; px++ {
					copy(out.Data[px*out.C+off:][:t.C], t.Data[px*t.C:][:t.C])
				}
				off += t.C
			}
		}, nil
	case graph.LRN:
		pr := op.Params
		if pr.Size < 1 || pr.Size%2 == 0 || pr.Size > 64 || !(pr.Alpha >= 0) || !(pr.Beta >= 0) || !(pr.Bias > 0) {
			return nil, fmt.Errorf("window %d, alpha %v, beta %v, bias %v: unsupported", pr.Size, pr.Alpha, pr.Beta, pr.Bias)
		}
		if out.H != x.H || out.W != x.W || out.C != x.C {
			return nil, fmt.Errorf("%s -> %s", x.Shape(), out.Shape())
		}
		l := &nn.LRN{Size: pr.Size, Alpha: pr.Alpha, Beta: pr.Beta, K: pr.Bias, Kernels: p.kernels}
		return func() { l.Forward(x, out, 0) }, nil
	case graph.Mean:
		if !slices.Equal(op.Params.Axes, []int{1, 2}) || out.C != x.C || out.H*out.W != 1 {
			return nil, fmt.Errorf("mean over axes %v of %s: only the spatial mean is supported", op.Params.Axes, x.Shape())
		}
		return func() { nn.GlobalAvgPool(x, out.Data) }, nil
	case graph.Reshape, graph.Quantize:
		if len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("%s -> %s changes the element count", x.Shape(), out.Shape())
		}
		return func() { copy(out.Data, x.Data) }, nil
	case graph.Softmax:
		beta := op.Params.Beta
		if beta == 0 {
			beta = 1
		}
		if len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("softmax %s -> %s", x.Shape(), out.Shape())
		}
		if op.Outputs[0] == p.output {
			p.logits = op.Inputs[0]
		}
		scaled := make([]float32, len(x.Data))
		return func() {
			for i, v := range x.Data {
				scaled[i] = beta * v
			}
			nn.Softmax(scaled, out.Data)
		}, nil
	}
	return nil, fmt.Errorf("operator not supported in float graphs")
}

// activation is a fused activation as nn's layers apply it: ReLU, capped at clip when that is above zero.
func activation(a graph.Activation) (relu bool, clip float32, err error) {
	lo, hi, err := a.Bounds()
	switch {
	case err != nil:
		return false, 0, err
	case math.IsInf(float64(lo), -1) && math.IsInf(float64(hi), 1):
		return false, 0, nil
	case lo == 0 && math.IsInf(float64(hi), 1):
		return true, 0, nil
	case lo == 0:
		return true, hi, nil
	}
	return false, 0, fmt.Errorf("activation %q is not supported", a)
}

// padding is the padding before the first window and the extra after the last beyond it (nn's PadH and
// ExtraPadH), from the graph's rule.
func padding(p graph.Params, h, w, kh, kw int) (ph, eh, pw, ew int, err error) {
	_, ph, after, err := p.Pad(0, h, kh, p.StrideH, 1)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	eh = after - ph
	_, pw, after, err = p.Pad(1, w, kw, p.StrideW, 1)
	return ph, eh, pw, after - pw, err
}

// checkOut returns a check that an operator's output size matches the graph's declared output tensor.
func checkOut(out *nn.Tensor) func(h, w int) error {
	return func(h, w int) error {
		if out.H != h || out.W != w {
			return fmt.Errorf("output %s, the operator gives %dx%d", out.Shape(), h, w)
		}
		return nil
	}
}

// Input is the buffer to fill before Run.
func (p *Program) Input() *nn.Tensor { return p.ts[p.input] }

// Run executes the graph on Input() and returns the output (valid until the next Run).
func (p *Program) Run() []float32 {
	for _, s := range p.steps {
		s()
	}
	return p.ts[p.output].Data
}

// RunObserved is Run that shows observe every tensor an operator writes, as soon as it is written (the
// buffer is reused afterwards): calibration reads the range of every activation this way.
func (p *Program) RunObserved(observe func(tensor int, v []float32)) []float32 {
	observe(p.input, p.ts[p.input].Data)
	for i, s := range p.steps {
		s()
		observe(p.writes[i], p.ts[p.writes[i]].Data)
	}
	return p.ts[p.output].Data
}

// Logits is the input of the graph's final softmax after Run (the output if it has none).
func (p *Program) Logits() []float32 { return p.ts[p.logits].Data }

package graph

import (
	"fmt"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/quant"
)

// Program is a compiled float graph. Activations share buffers when their lifetimes do not overlap; a Run
// allocates nothing. It is not safe for concurrent use.
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
func Compile(g *quant.Graph, weight func(name string, shape []int) ([]float32, error), k nn.KernelSet) (*Program, error) {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("graph: want one input and one output, have %d and %d", len(g.Inputs), len(g.Outputs))
	}
	for _, t := range g.Tensors {
		for _, d := range t.Shape {
			if d < 1 || d > maxSide*maxSide {
				return nil, fmt.Errorf("graph: tensor %q has shape %v", t.Name, t.Shape)
			}
		}
	}
	for _, t := range []int{g.Inputs[0], g.Outputs[0]} {
		if t < 0 || t >= len(g.Tensors) || g.Tensors[t].Const {
			return nil, fmt.Errorf("graph: input or output %d is not an activation tensor of %d", t, len(g.Tensors))
		}
	}
	p := &Program{ts: make([]*nn.Tensor, len(g.Tensors)), input: g.Inputs[0], output: g.Outputs[0], kernels: &k}
	p.logits = p.output
	lastUse := make([]int, len(g.Tensors))
	for i, op := range g.Ops {
		for _, t := range op.Inputs {
			if t >= 0 && t < len(g.Tensors) {
				lastUse[t] = i
			}
		}
	}
	lastUse[p.output] = len(g.Ops)
	var free []*nn.Tensor
	alloc := func(t int) (*nn.Tensor, error) {
		h, w, c, err := hwc(g.Tensors[t].Shape)
		if err == nil && (h > maxSide || w > maxSide || c > maxSide || h*w*c > maxElements) {
			err = fmt.Errorf("shape %v is too large", g.Tensors[t].Shape)
		}
		if err != nil {
			return nil, fmt.Errorf("graph: tensor %q: %w", g.Tensors[t].Name, err)
		}
		for k, b := range free {
			if len(b.Data) >= h*w*c {
				free = slices.Delete(free, k, k+1)
				return b.View(h, w, c), nil
			}
		}
		return nn.NewTensor(h, w, c), nil
	}
	var err error
	if p.ts[p.input], err = alloc(p.input); err != nil {
		return nil, err
	}
	for i, op := range g.Ops {
		for _, t := range append(slices.Clone(op.Inputs), op.Outputs...) {
			if t < 0 || t >= len(g.Tensors) {
				return nil, fmt.Errorf("graph: operator %d (%s) names tensor %d of %d", i, op.Op, t, len(g.Tensors))
			}
		}
		if len(op.Outputs) != 1 {
			return nil, fmt.Errorf("graph: operator %d (%s) has %d outputs", i, op.Op, len(op.Outputs))
		}
		out := op.Outputs[0]
		if p.ts[out] != nil || g.Tensors[out].Const {
			return nil, fmt.Errorf("graph: operator %d (%s) writes tensor %d, which is a constant or written before", i, op.Op, out)
		}
		if p.ts[out], err = alloc(out); err != nil {
			return nil, err
		}
		step, err := p.compileOp(g, op, weight)
		if err != nil {
			return nil, fmt.Errorf("graph: operator %d (%s): %w", i, op.Op, err)
		}
		p.steps = append(p.steps, step)
		p.writes = append(p.writes, out)
		for _, t := range op.Inputs {
			if !g.Tensors[t].Const && lastUse[t] == i && p.ts[t] != nil {
				free = append(free, p.ts[t])
			}
		}
	}
	if p.ts[p.output] == nil {
		return nil, fmt.Errorf("graph: no operator writes the output tensor %d", p.output)
	}
	return p, nil
}

// Bounds on a graph's activation shapes: far above a classifier's (MobileNetV2's largest is 112x112x96), far
// below what a browser tab can hold, so a hostile graph fails to compile instead of exhausting memory.
const (
	maxSide     = 1 << 16
	maxElements = 1 << 26
)

// checkWindow refuses kernel sizes and strides that no classifier has (and that would divide by zero).
func checkWindow(kh, kw int, p quant.Params) error {
	for _, v := range []int{kh, kw, p.StrideH, p.StrideW} {
		if v < 1 || v > 64 {
			return fmt.Errorf("window %dx%d with strides %dx%d: unsupported", kh, kw, p.StrideH, p.StrideW)
		}
	}
	return nil
}

// hwc reads an NHWC (batch 1) or [1, N] shape.
func hwc(shape []int) (h, w, c int, err error) {
	switch {
	case len(shape) == 4 && shape[0] == 1:
		return shape[1], shape[2], shape[3], nil
	case len(shape) == 2 && shape[0] == 1:
		return 1, 1, shape[1], nil
	}
	return 0, 0, 0, fmt.Errorf("shape %v is not [1,H,W,C] or [1,N]", shape)
}

func (p *Program) compileOp(g *quant.Graph, op quant.Op, weight func(string, []int) ([]float32, error)) (func(), error) {
	in := func(k int) (*nn.Tensor, error) {
		if k >= len(op.Inputs) || p.ts[op.Inputs[k]] == nil {
			return nil, fmt.Errorf("input %d is not an activation computed earlier", k)
		}
		return p.ts[op.Inputs[k]], nil
	}
	constant := func(k int) ([]float32, []int, error) {
		if k >= len(op.Inputs) || !g.Tensors[op.Inputs[k]].Const {
			return nil, nil, fmt.Errorf("input %d is not a constant", k)
		}
		t := g.Tensors[op.Inputs[k]]
		v, err := weight(t.Name, t.Shape)
		return v, t.Shape, err
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
	case "CONV_2D", "DEPTHWISE_CONV_2D":
		w, ws, err := constant(1)
		if err != nil {
			return nil, err
		}
		b, _, err := constant(2)
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
		ph, eh, pw, ew, err := padding(op.Params, x.H, x.W, kh, kw, op.Params.StrideH, op.Params.StrideW)
		if err != nil {
			return nil, err
		}
		if op.Op == "DEPTHWISE_CONV_2D" {
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
	case "FULLY_CONNECTED":
		w, ws, err := constant(1)
		if err != nil {
			return nil, err
		}
		b, _, err := constant(2)
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
	case "ADD":
		y, err := in(1)
		if err != nil {
			return nil, err
		}
		if len(x.Data) != len(y.Data) || len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("add %s + %s -> %s (no broadcasting)", x.Shape(), y.Shape(), out.Shape())
		}
		return func() { nn.Add(x, y, out, relu, clip) }, nil
	case "AVERAGE_POOL_2D", "MAX_POOL_2D":
		if err := checkWindow(op.Params.FilterH, op.Params.FilterW, op.Params); err != nil {
			return nil, err
		}
		ph, eh, pw, ew, err := padding(op.Params, x.H, x.W, op.Params.FilterH, op.Params.FilterW, op.Params.StrideH, op.Params.StrideW)
		if err != nil {
			return nil, err
		}
		pool := &nn.Pool{Max: op.Op == "MAX_POOL_2D", KH: op.Params.FilterH, KW: op.Params.FilterW,
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
	case "CONCATENATION":
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
	case "LOCAL_RESPONSE_NORMALIZATION":
		pr := op.Params
		if pr.Size < 1 || pr.Size%2 == 0 || pr.Size > 64 || !(pr.Alpha >= 0) || !(pr.Beta >= 0) || !(pr.Bias > 0) {
			return nil, fmt.Errorf("window %d, alpha %v, beta %v, bias %v: unsupported", pr.Size, pr.Alpha, pr.Beta, pr.Bias)
		}
		if out.H != x.H || out.W != x.W || out.C != x.C {
			return nil, fmt.Errorf("%s -> %s", x.Shape(), out.Shape())
		}
		l := &nn.LRN{Size: pr.Size, Alpha: pr.Alpha, Beta: pr.Beta, K: pr.Bias, Kernels: p.kernels}
		return func() { l.Forward(x, out, 0) }, nil
	case "MEAN":
		if !slices.Equal(op.Params.Axes, []int{1, 2}) || out.C != x.C || out.H*out.W != 1 {
			return nil, fmt.Errorf("mean over axes %v of %s: only the spatial mean is supported", op.Params.Axes, x.Shape())
		}
		return func() { nn.GlobalAvgPool(x, out.Data) }, nil
	case "RESHAPE", "QUANTIZE":
		if len(x.Data) != len(out.Data) {
			return nil, fmt.Errorf("%s -> %s changes the element count", x.Shape(), out.Shape())
		}
		return func() { copy(out.Data, x.Data) }, nil
	case "SOFTMAX":
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

func activation(a string) (relu bool, clip float32, err error) {
	switch a {
	case "", "NONE":
		return false, 0, nil
	case "RELU":
		return true, 0, nil
	case "RELU6":
		return true, 6, nil
	}
	return false, 0, fmt.Errorf("activation %q is not supported", a)
}

// padding is the padding before the first window and the extra after the last beyond it (nn's PadH and
// ExtraPadH), from the graph's rule.
func padding(p quant.Params, h, w, kh, kw, sh, sw int) (ph, eh, pw, ew int, err error) {
	switch p.Padding {
	case "SAME":
		ph, eh = nn.SamePadding(h, kh, sh)
		pw, ew = nn.SamePadding(w, kw, sw)
	case "EXPLICIT":
		if len(p.Pads) != 4 || slices.Min(p.Pads) < 0 || p.Pads[0] >= kh || p.Pads[2] >= kh || p.Pads[1] >= kw || p.Pads[3] >= kw {
			return 0, 0, 0, 0, fmt.Errorf("explicit padding %v for a %dx%d window", p.Pads, kh, kw)
		}
		ph, eh, pw, ew = p.Pads[0], p.Pads[2]-p.Pads[0], p.Pads[1], p.Pads[3]-p.Pads[1]
	}
	return
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

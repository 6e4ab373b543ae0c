// Package webgpu runs the float operator graphs (the ones nn/graph runs on the CPU) on the GPU through
// WebGPU: every operator becomes a compute shader in WGSL, generated here with the layer's shapes as
// constants, over storage buffers that hold the activations (NHWC float32) and the weights, uploaded once.
// Compile makes the plan, which is plain Go; the device side (device_js.go) turns it into pipelines and
// bind groups and runs an image in one submit.
package webgpu

import (
	"errors"
	"fmt"
	"slices"

	"inceptionweb/nn/graph"
)

// ErrUnsupported is wrapped by Compile's errors for graphs it cannot run.
var ErrUnsupported = errors.New("webgpu: unsupported graph")

// Plan is a compiled graph: the buffers it needs, the constants to upload into some of them, and the
// kernels in order.
type Plan struct {
	Buffers []int // size in bytes of each buffer
	// Consts are buffers to fill once at load.
	Consts []Const
	// Kernels run in order, one dispatch each.
	Kernels []Kernel
	// Input is where the NHWC input goes; Output is where the logits are read (the input of a final
	// softmax, else the graph's output), both contiguous from offset 0.
	Input, Output int // buffer index
	InputLen      int // float32 values
	OutputLen     int
	// Softmax says the graph ends in a softmax that the caller applies on the CPU to the logits, with Beta.
	Softmax bool
	Beta    float32
}

// Const is the float32 data of one constant buffer.
type Const struct {
	Buffer int
	Data   []float32
}

// Kernel is one compute shader dispatch.
type Kernel struct {
	Name string // the operator and its output tensor, for errors and profiles
	Code string // WGSL, entry point "main"
	// Bindings are buffer indexes, bound at @binding(0), (1), ... of @group(0); the uniforms come after them.
	Bindings []int
	Uniforms []uint32 // the layer's shapes and parameters (struct P in Code), a multiple of 4 words
	// Groups is the number of workgroups along x and y.
	Groups [2]int
}

// place is where a tensor's values live: channel c of pixel p is float offset p*stride + off + c of buffer.
type place struct {
	buf         int
	off, stride int
	h, w, c     int
}

func (p place) pixels() int { return p.h * p.w }

// maxGroups is WebGPU's default limit of workgroups per dimension.
const maxGroups = 65535

// Compile plans g (a float graph, as nn/graph takes) for the GPU; weight returns a constant's values for the
// shape the graph declares.
func Compile(g *graph.Graph, weight func(name string, shape []int) ([]float32, error)) (*Plan, error) {
	c := &compiler{g: g, weight: weight, places: make([]*place, len(g.Tensors)), plan: &Plan{}}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c.plan, nil
}

type compiler struct {
	g      *graph.Graph
	weight func(string, []int) ([]float32, error)
	places []*place
	plan   *Plan
	// roots: a tensor written into a channel slice of a concatenation's output lives in that output's buffer.
	into     []int // the tensor whose buffer holds tensor t (itself unless aliased)
	intoOff  []int
	lastUse  []int
	firstDef []int
	free     []int // buffers free for reuse
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

func (c *compiler) compile() error {
	g := c.g
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return unsupported("%d inputs and %d outputs", len(g.Inputs), len(g.Outputs))
	}
	n := len(g.Tensors)
	for i, op := range g.Ops {
		if len(op.Outputs) != 1 {
			return unsupported("operator %d (%s) has %d outputs", i, op.Op, len(op.Outputs))
		}
		for _, t := range append(slices.Clone(op.Inputs), op.Outputs...) {
			if t < 0 || t >= n {
				return unsupported("operator %d (%s) names tensor %d of %d", i, op.Op, t, n)
			}
		}
	}
	c.aliasConcatInputs()
	// Lifetimes of each buffer-owning tensor, over the tensors it holds.
	c.firstDef, c.lastUse = make([]int, n), make([]int, n)
	for t := range n {
		c.firstDef[t], c.lastUse[t] = len(g.Ops), -1
	}
	root := func(t int) int { return c.into[t] }
	c.firstDef[root(g.Inputs[0])] = -1
	for i, op := range g.Ops {
		r := root(op.Outputs[0])
		c.firstDef[r] = min(c.firstDef[r], i)
		for _, t := range op.Inputs {
			c.lastUse[root(t)] = max(c.lastUse[root(t)], i)
		}
	}
	c.lastUse[root(g.Outputs[0])] = len(g.Ops)
	c.plan.Input = -1
	if err := c.placeTensor(g.Inputs[0]); err != nil {
		return err
	}
	in := c.places[g.Inputs[0]]
	c.plan.Input, c.plan.InputLen = in.buf, in.h*in.w*in.c
	logits := g.Outputs[0]
	for i, op := range g.Ops {
		if op.Op == graph.Softmax && op.Outputs[0] == g.Outputs[0] && i == len(g.Ops)-1 {
			// The caller's softmax: the logits are this operator's input.
			logits = op.Inputs[0]
			c.plan.Softmax, c.plan.Beta = true, op.Params.Beta
			if c.plan.Beta == 0 {
				c.plan.Beta = 1
			}
			break
		}
		if err := c.placeTensor(op.Outputs[0]); err != nil {
			return err
		}
		if err := c.op(op); err != nil {
			return fmt.Errorf("webgpu: operator %d (%s %q): %w", i, op.Op, g.Tensors[op.Outputs[0]].Name, err)
		}
		for k, t := range op.Inputs {
			r := root(t)
			if !g.Tensors[r].Const && c.lastUse[r] == i && c.places[r] != nil && !slices.ContainsFunc(op.Inputs[:k], func(u int) bool { return root(u) == r }) {
				c.free = append(c.free, c.places[r].buf)
			}
		}
	}
	out := c.places[logits]
	if out == nil || out.off != 0 || out.stride != out.c {
		return unsupported("the logits are not a contiguous tensor")
	}
	c.plan.Output, c.plan.OutputLen = out.buf, out.h*out.w*out.c
	return nil
}

// aliasConcatInputs lets each input of a channel concatenation that an operator writes and nothing else reads
// be written straight into its channel slice of the output (an inception block's branches).
func (c *compiler) aliasConcatInputs() {
	g := c.g
	n := len(g.Tensors)
	c.into, c.intoOff = make([]int, n), make([]int, n)
	for t := range n {
		c.into[t] = t
	}
	readers := make([]int, n)
	written := make([]bool, n)
	for _, op := range g.Ops {
		for _, t := range op.Inputs {
			readers[t]++
		}
		written[op.Outputs[0]] = true
	}
	for _, op := range g.Ops {
		if op.Op != graph.Concatenation || op.Params.Axis != 3 {
			continue
		}
		out := op.Outputs[0]
		off := 0
		for _, t := range op.Inputs {
			shape := g.Tensors[t].Shape
			if written[t] && readers[t] == 1 && t != g.Outputs[0] && c.into[t] == t && len(shape) == 4 {
				c.into[t], c.intoOff[t] = out, off
			}
			if len(shape) > 0 {
				off += shape[len(shape)-1]
			}
		}
	}
	// A concatenation whose output is itself aliased: follow to the end.
	for t := range n {
		for r := c.into[t]; r != c.into[r]; r = c.into[r] {
			c.intoOff[t] += c.intoOff[r]
			c.into[t] = c.into[r]
		}
	}
}

// placeTensor gives tensor t its place: a slice of the buffer of the tensor it is written into, or a buffer of
// its own (reusing a free one that is large enough).
func (c *compiler) placeTensor(t int) error {
	if c.places[t] != nil {
		return nil
	}
	h, w, ch, err := graph.HWC(c.g.Tensors[t].Shape)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if h*w*ch > 1<<26 {
		return unsupported("tensor %q of shape %v is too large", c.g.Tensors[t].Name, c.g.Tensors[t].Shape)
	}
	if r := c.into[t]; r != t {
		if err := c.placeTensor(r); err != nil {
			return err
		}
		rp := c.places[r]
		if rp.h != h || rp.w != w || c.intoOff[t]+ch > rp.c {
			return unsupported("tensor %q does not fit its concatenation", c.g.Tensors[t].Name)
		}
		c.places[t] = &place{buf: rp.buf, off: rp.off + c.intoOff[t], stride: rp.stride, h: h, w: w, c: ch}
		return nil
	}
	size := 4 * h * w * ch
	buf := -1
	for k, b := range c.free {
		if c.plan.Buffers[b] >= size {
			buf = b
			c.free = slices.Delete(c.free, k, k+1)
			break
		}
	}
	if buf < 0 {
		buf = len(c.plan.Buffers)
		c.plan.Buffers = append(c.plan.Buffers, size)
	}
	c.places[t] = &place{buf: buf, stride: ch, h: h, w: w, c: ch}
	return nil
}

// constBuffer adds a buffer filled with v once (at least one value: WebGPU bindings cannot be empty).
func (c *compiler) constBuffer(v []float32) int {
	if len(v) == 0 {
		v = []float32{0}
	}
	buf := len(c.plan.Buffers)
	c.plan.Buffers = append(c.plan.Buffers, 4*len(v))
	c.plan.Consts = append(c.plan.Consts, Const{Buffer: buf, Data: v})
	return buf
}

func (c *compiler) constant(op graph.Op, k int) ([]float32, []int, error) {
	if k >= len(op.Inputs) || !c.g.Tensors[op.Inputs[k]].Const {
		return nil, nil, unsupported("input %d is not a constant", k)
	}
	t := c.g.Tensors[op.Inputs[k]]
	v, err := c.weight(t.Name, t.Shape)
	if err != nil {
		return nil, nil, err
	}
	if len(v) != graph.NumElements(t.Shape) {
		return nil, nil, fmt.Errorf("constant %q has %d values for shape %v", t.Name, len(v), t.Shape)
	}
	return v, t.Shape, nil
}

// filter is a convolution-like op's weights (input 1, with its shape) and bias (input 2).
func (c *compiler) filter(op graph.Op) (w []float32, shape []int, bias []float32, err error) {
	if w, shape, err = c.constant(op, 1); err != nil {
		return nil, nil, nil, err
	}
	bias, _, err = c.constant(op, 2)
	return w, shape, bias, err
}

func (c *compiler) input(op graph.Op, k int) (*place, error) {
	if k >= len(op.Inputs) || c.g.Tensors[op.Inputs[k]].Const || c.places[op.Inputs[k]] == nil {
		return nil, unsupported("input %d is not an activation computed earlier", k)
	}
	return c.places[op.Inputs[k]], nil
}

// add adds a kernel of one invocation per item.
func (c *compiler) add(op graph.Op, code string, uniforms []uint32, items int, bindings ...int) {
	groups := (items + workgroup - 1) / workgroup
	c.addGroups(op, code, uniforms, groups, bindings...)
}

// addGroups adds a kernel of n workgroups, laid out in rows of at most maxGroups.
func (c *compiler) addGroups(op graph.Op, code string, uniforms []uint32, n int, bindings ...int) {
	x, y := min(n, maxGroups), (n+maxGroups-1)/maxGroups
	c.plan.Kernels = append(c.plan.Kernels, Kernel{Name: string(op.Op) + " " + c.g.Tensors[op.Outputs[0]].Name,
		Code: code, Uniforms: uniforms, Bindings: bindings, Groups: [2]int{x, max(y, 1)}})
}

// window is a convolution's or pooling's geometry, from the graph's padding rule (nn/graph's).
type window struct {
	kh, kw, sh, sw, pt, pl int
}

func windowOf(p graph.Params, in, out *place, kh, kw int) (window, error) {
	for _, v := range []int{kh, kw, p.StrideH, p.StrideW} {
		if v < 1 || v > 64 {
			return window{}, unsupported("window %dx%d with strides %dx%d", kh, kw, p.StrideH, p.StrideW)
		}
	}
	if p.DilationH > 1 || p.DilationW > 1 {
		return window{}, unsupported("dilation %dx%d", p.DilationH, p.DilationW)
	}
	w := window{kh: kh, kw: kw, sh: p.StrideH, sw: p.StrideW}
	oh, pt, err := p.Window(0, in.h, kh, w.sh, 1)
	if err != nil {
		return window{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	ow, pl, err := p.Window(1, in.w, kw, w.sw, 1)
	if err != nil {
		return window{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	w.pt, w.pl = pt, pl
	if oh != out.h || ow != out.w {
		return window{}, fmt.Errorf("output %dx%d, the window gives %dx%d", out.h, out.w, oh, ow)
	}
	return w, nil
}

func activation(a graph.Activation) (clip float32, relu bool, err error) {
	switch a {
	case "", graph.None:
		return 0, false, nil
	case graph.ReLU:
		return 0, true, nil
	case graph.ReLU6:
		return 6, true, nil
	}
	return 0, false, unsupported("activation %q", a)
}

func (c *compiler) op(op graph.Op) error {
	x, err := c.input(op, 0)
	if err != nil {
		return err
	}
	out := c.places[op.Outputs[0]]
	clip, relu, err := activation(op.Params.Activation)
	if err != nil {
		return err
	}
	act := activationWGSL(relu, clip)
	switch op.Op {
	case graph.Conv2D, graph.FullyConnected:
		w, ws, b, err := c.filter(op)
		if err != nil {
			return err
		}
		var win window
		var n, k int
		if op.Op == graph.Conv2D {
			if len(ws) != 4 || ws[3] != x.c || ws[0] != out.c {
				return fmt.Errorf("filter %v on %d channels to %d", ws, x.c, out.c)
			}
			if win, err = windowOf(op.Params, x, out, ws[1], ws[2]); err != nil {
				return err
			}
			n, k = ws[0], ws[1]*ws[2]*ws[3]
		} else {
			if len(ws) != 2 || ws[1] != x.h*x.w*x.c || ws[0] != out.h*out.w*out.c || x.stride != x.c {
				return fmt.Errorf("weights %v on %dx%dx%d to %d", ws, x.h, x.w, x.c, out.c)
			}
			// One pixel of all the inputs.
			x = &place{buf: x.buf, off: x.off, stride: ws[1], h: 1, w: 1, c: ws[1]}
			out = &place{buf: out.buf, off: out.off, stride: out.stride, h: 1, w: 1, c: ws[0]}
			win = window{kh: 1, kw: 1, sh: 1, sw: 1}
			n, k = ws[0], ws[1]
		}
		code, u, groups := convWGSL(x, out, win, act)
		c.addGroups(op, code, u, groups, x.buf, out.buf, c.constBuffer(packKN(w, n, k)), c.constBuffer(padTo4(b)))
	case graph.DepthwiseConv2D:
		w, ws, b, err := c.filter(op)
		if err != nil {
			return err
		}
		// The graph's float depthwise filters are [C][KH][KW][1] (see nn/float.Dequantize).
		if len(ws) != 4 || ws[0] != x.c || ws[3] != 1 || out.c != x.c {
			return unsupported("depthwise filter %v on %d channels (only multiplier 1)", ws, x.c)
		}
		win, err := windowOf(op.Params, x, out, ws[1], ws[2])
		if err != nil {
			return err
		}
		code, u, items := depthwiseWGSL(x, out, win, act)
		c.add(op, code, u, items, x.buf, out.buf, c.constBuffer(packKN(w, x.c, ws[1]*ws[2])), c.constBuffer(padTo4(b)))
	case graph.MaxPool2D, graph.AveragePool2D:
		win, err := windowOf(op.Params, x, out, op.Params.FilterH, op.Params.FilterW)
		if err != nil {
			return err
		}
		if x.c != out.c {
			return fmt.Errorf("pooling %d channels to %d", x.c, out.c)
		}
		code, u, items := poolWGSL(x, out, win, op.Op == graph.MaxPool2D, op.Params.CountPadding, act)
		c.add(op, code, u, items, x.buf, out.buf)
	case graph.LRN:
		pr := op.Params
		if pr.Size < 1 || pr.Size%2 == 0 || pr.Size > 64 || !(pr.Alpha >= 0) || !(pr.Beta >= 0) || !(pr.Bias > 0) {
			return unsupported("window %d, alpha %v, beta %v, bias %v", pr.Size, pr.Alpha, pr.Beta, pr.Bias)
		}
		if x.h != out.h || x.w != out.w || x.c != out.c {
			return fmt.Errorf("%dx%dx%d -> %dx%dx%d", x.h, x.w, x.c, out.h, out.w, out.c)
		}
		code, u, items := lrnWGSL(x, out, pr.Size, pr.Alpha, pr.Beta, pr.Bias)
		c.add(op, code, u, items, x.buf, out.buf)
	case graph.Concatenation:
		if op.Params.Axis != 3 {
			return unsupported("concatenation along axis %d", op.Params.Axis)
		}
		off := 0
		for k := range op.Inputs {
			t, err := c.input(op, k)
			if err != nil {
				return err
			}
			if t.h != out.h || t.w != out.w || off+t.c > out.c {
				return fmt.Errorf("input %dx%dx%d into %dx%dx%d", t.h, t.w, t.c, out.h, out.w, out.c)
			}
			dst := &place{buf: out.buf, off: out.off + off, stride: out.stride, h: out.h, w: out.w, c: t.c}
			if t.buf != dst.buf || t.off != dst.off || t.stride != dst.stride {
				code, u, items := copyWGSL(t, dst)
				c.add(op, code, u, items, t.buf, dst.buf)
			}
			off += t.c
		}
		if off != out.c {
			return fmt.Errorf("%d channels into %d", off, out.c)
		}
	case graph.Add:
		y, err := c.input(op, 1)
		if err != nil {
			return err
		}
		if y.h != x.h || y.w != x.w || y.c != x.c || out.h != x.h || out.w != x.w || out.c != x.c {
			return unsupported("add without matching shapes")
		}
		code, u, items := addWGSL(x, y, out, act)
		c.add(op, code, u, items, x.buf, y.buf, out.buf)
	case graph.Mean:
		if !slices.Equal(op.Params.Axes, []int{1, 2}) || out.c != x.c || out.h*out.w != 1 {
			return unsupported("mean over axes %v", op.Params.Axes)
		}
		code, u, items := meanWGSL(x, out)
		c.add(op, code, u, items, x.buf, out.buf)
	case graph.Reshape, graph.Quantize:
		if x.h*x.w*x.c != out.h*out.w*out.c {
			return fmt.Errorf("%d values -> %d", x.h*x.w*x.c, out.h*out.w*out.c)
		}
		if x.stride != x.c || out.stride != out.c {
			return unsupported("reshape of a channel slice")
		}
		flat := func(p *place) *place {
			return &place{buf: p.buf, off: p.off, stride: 1, h: 1, w: p.h * p.w * p.c, c: 1}
		}
		code, u, items := copyWGSL(flat(x), flat(out))
		c.add(op, code, u, items, x.buf, out.buf)
	default:
		return unsupported("operator %s", op.Op)
	}
	return nil
}

// packKN lays out a filter stored output channel first ([n][k]: OHWI, FULLY_CONNECTED's [O][I], or depthwise
// [C][KH][KW][1]) as [k][n4] vec4s of four consecutive output channels, zero-padded: the shaders read four
// channels' weights for one reduction index in one load.
func packKN(w []float32, n, k int) []float32 {
	n4 := (n + 3) / 4
	out := make([]float32, k*n4*4)
	for o := range n {
		for kk := range k {
			out[kk*n4*4+o] = w[o*k+kk]
		}
	}
	return out
}

func padTo4(v []float32) []float32 {
	out := make([]float32, (len(v)+3)/4*4)
	copy(out, v)
	return out
}

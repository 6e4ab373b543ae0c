package quant

import (
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"inceptionweb/nn"
	"inceptionweb/nn/graph"
)

// Activations are stored as bytes in one arena. An int8 tensor is stored as
// uint8 with 128 added (and 128 added to its zero point): q-zp is unchanged, so
// every kernel runs the same uint8 code for both types; the few kernels whose
// rounding depends on the sign of q itself (pooling, mean) undo the offset.

// Program is a compiled Graph: kernels with their repacked weights and
// precomputed multipliers, and the arena their activations live in.
type Program struct {
	arena    []byte
	acc      []int32 // GEMM/depthwise accumulators
	cols     []byte  // im2col rows
	steps    []step
	ops      []string // each step's operator, for Profile
	input    slot
	output   slot
	outBuf   []byte       // output in the model's own type
	outFloat []float32    // a float32 output
	kept     map[int]slot // tensors Compile was asked to keep readable after Run
	kernels  KernelSet    // the kernel set the program was compiled for: its packings are made for it
	float    nn.KernelSet // the float kernels of LRN
}

type step interface {
	run(p *Program)
}

// slot is where a tensor lives in the arena and how it is quantized.
type slot struct {
	off, size int
	shape     []int
	signed    bool // int8, stored with +128
	scale     []float32
	zp        int32 // stored-domain zero point (declared + 128 for int8)
	max       int32 // the largest stored value the tensor may hold (255, or 2^Bits-1)
	float     bool  // float32 (the graph's input, or a classifier's logits)
}

func (s slot) data(p *Program) []byte { return p.arena[s.off : s.off+s.size : s.off+s.size] }

// float32s is a float32 slot's values, in place: the arena and every offset in it are 16-byte aligned.
func (s slot) float32s(p *Program) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(&p.arena[s.off])), s.size/4)
}

// declaredZP is the zero point in the tensor's declared type.
func (s slot) declaredZP() int32 {
	if s.signed {
		return s.zp - 128
	}
	return s.zp
}

// activation returns the stored-domain clamp bounds of a fused activation.
func (s slot) activation(act graph.Activation) (int32, int32, error) {
	off := int32(0)
	if s.signed {
		off = 128
	}
	lo, hi, err := activationRange(act, s.scale[0], s.declaredZP(), -off, s.max-off)
	return lo + off, hi + off, err
}

// Options are what a Program is compiled for. The zero value runs the pure-Go kernels.
type Options struct {
	// Kernels is the integer kernel set: the Program packs its weights for it and runs with it.
	Kernels KernelSet
	// Float is the float kernel set of the operators that compute in float32 (LRN).
	Float nn.KernelSet
	// Keep lists activation tensors that stay readable after Run (see Dequantize): their bytes are not reused.
	Keep []int
}

// Compile checks g, loads its constants through consts (raw little-endian
// bytes of the named tensor) and builds a Program for o.
func Compile(g *Graph, consts func(name string) ([]byte, error), o Options) (*Program, error) {
	c := &compiler{g: g, consts: consts, p: &Program{kernels: o.Kernels, float: o.Float}, keep: o.Keep}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c.p, nil
}

type compiler struct {
	g       *Graph
	consts  func(string) ([]byte, error)
	p       *Program
	slots   []slot
	keep    []int
	remote  []bool // per op: its outputs come from another part, it runs nothing (CompilePart)
	maxAcc  int
	maxCols int
}

func (c *compiler) compile() error {
	g := c.g
	if err := graph.Check(g); err != nil {
		return err
	}
	if err := checkRules(g); err != nil {
		return err
	}
	if err := c.planArena(); err != nil {
		return err
	}
	for i, op := range g.Ops {
		if c.remote != nil && c.remote[i] {
			// Another part computes its outputs (see CompilePart).
			c.p.steps = append(c.p.steps, nop{})
			c.p.ops = append(c.p.ops, string(op.Op))
			continue
		}
		s, err := c.build(op)
		if err != nil {
			return fmt.Errorf("quant: op %d %s: %w", i, op.Op, err)
		}
		c.p.steps = append(c.p.steps, s)
		c.p.ops = append(c.p.ops, string(op.Op))
	}
	c.p.kept = map[int]slot{}
	for _, x := range c.keep {
		c.p.kept[x] = c.slots[x]
	}
	c.p.input = c.slots[g.Inputs[0]]
	c.p.output = c.slots[g.Outputs[0]]
	c.p.outBuf = make([]byte, c.p.output.size)
	if c.p.output.float {
		c.p.outFloat = make([]float32, c.p.output.size/4)
	}
	c.p.acc = make([]int32, c.maxAcc)
	c.p.cols = make([]byte, c.maxCols)
	return nil
}

// planArena gives every activation tensor its slot: its place in the arena
// (graph.Plan) and its quantization in the stored domain.
func (c *compiler) planArena() error {
	g := c.g
	offs, size, err := graph.Plan(g, func(x int) int { return g.Tensors[x].Elements() * g.Tensors[x].Type.Size() }, c.keep)
	if err != nil {
		return err
	}
	c.slots = make([]slot, len(g.Tensors))
	for x, off := range offs {
		if off < 0 {
			continue
		}
		t := g.Tensors[x]
		s := slot{off: off, size: t.Elements() * t.Type.Size(), shape: t.Shape, signed: t.Type == Int8, scale: t.Scale, max: 255, float: t.Type == Float32}
		if t.Bits != 0 {
			s.max = 1<<t.Bits - 1
		}
		if len(t.ZeroPoint) > 0 {
			s.zp = t.ZeroPoint[0]
		}
		if s.signed {
			s.zp += 128
		}
		c.slots[x] = s
	}
	c.p.arena = make([]byte, size)
	return nil
}

// activation returns the slot of a non-constant input or output of an op.
func (c *compiler) activation(x int, want ...DType) (slot, error) {
	if x < 0 || c.g.Tensors[x].Const {
		return slot{}, errorf("tensor %d is not an activation", x)
	}
	t := c.g.Tensors[x]
	if t.Type != Uint8 && t.Type != Int8 {
		return slot{}, errorf("tensor %q: activations must be uint8 or int8, not %s", t.Name, t.Type)
	}
	if len(t.Scale) != 1 {
		return slot{}, errorf("tensor %q: activations need one scale and zero point, have %d", t.Name, len(t.Scale))
	}
	return c.slots[x], nil
}

// constant loads a constant tensor and checks its size against its shape and type.
func (c *compiler) constant(x int) (Tensor, []byte, error) {
	if x < 0 || !c.g.Tensors[x].Const {
		return Tensor{}, nil, errorf("tensor %d is not a constant", x)
	}
	t := c.g.Tensors[x]
	data, err := c.consts(t.Name)
	if err != nil {
		return t, nil, fmt.Errorf("constant %q: %w", t.Name, err)
	}
	if want := t.Elements() * t.Type.Size(); len(data) != want {
		return t, nil, errorf("constant %q: %d bytes, shape %v of %s needs %d", t.Name, len(data), t.Shape, t.Type, want)
	}
	return t, data, nil
}

// int32s decodes an int32 constant.
func int32s(data []byte) []int32 {
	out := make([]int32, len(data)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// Run executes the program on one input, given in the model input's own type
// (int8 values as their two's complement bytes).
func (p *Program) Run(input []byte) error {
	if len(input) != p.input.size {
		return errorf("input has %d bytes, want %d (shape %v)", len(input), p.input.size, p.input.shape)
	}
	dst := p.input.data(p)
	if p.input.signed {
		for i, v := range input {
			dst[i] = v ^ 0x80
		}
	} else {
		copy(dst, input)
	}
	p.exec()
	return nil
}

// Profile runs the program on a float32 input like RunFloat and returns the time each kind of operator took
// (a CONV_2D's im2col counts as its own): where an image's time goes.
func (p *Program) Profile(x []float32) (map[string]time.Duration, error) {
	if err := p.RunFloat(x); err != nil {
		return nil, err
	}
	times := map[string]time.Duration{}
	for i, s := range p.steps {
		start := time.Now()
		s.run(p)
		times[p.ops[i]] += time.Since(start)
	}
	return times, nil
}

// exec runs the steps on the input in the arena and leaves the output in outBuf.
func (p *Program) exec() {
	for _, s := range p.steps {
		s.run(p)
	}
	p.copyOutput()
}

// copyOutput copies the output out of the arena into outBuf, in the model output's own type.
func (p *Program) copyOutput() {
	src := p.output.data(p)
	if p.output.signed {
		for i, v := range src {
			p.outBuf[i] = v ^ 0x80
		}
	} else {
		copy(p.outBuf, src)
	}
}

// RunFloat executes a program whose input is float32 (it is quantized by the
// graph's first QUANTIZE).
func (p *Program) RunFloat(x []float32) error {
	if 4*len(x) != p.input.size {
		return errorf("input has %d values, want %d (shape %v)", len(x), p.input.size/4, p.input.shape)
	}
	copy(p.input.float32s(p), x)
	p.exec()
	return nil
}

// OutputFloat32 returns the last Run's output of a graph whose output is
// float32 (a classifier's logits); ok is false for an integer output.
func (p *Program) OutputFloat32() (v []float32, ok bool) {
	if !p.output.float {
		return nil, false
	}
	copy(p.outFloat, p.output.float32s(p))
	return p.outFloat, true
}

// Output returns the last Run's output in the model output's own type (int8
// values as two's complement bytes), with its quantization: real = scale*(q-zeroPoint).
// The slice is reused by the next Run.
func (p *Program) Output() (data []byte, typ DType, scale float32, zeroPoint int32) {
	typ = Uint8
	if p.output.signed {
		typ = Int8
	}
	return p.outBuf, typ, p.output.scale[0], p.output.declaredZP()
}

// InputShape and OutputShape describe the program's single input and output.
func (p *Program) InputShape() []int  { return p.input.shape }
func (p *Program) OutputShape() []int { return p.output.shape }

// inOut checks that op has minIn to maxIn inputs and one output, and returns its first input and its output.
func (c *compiler) inOut(op Op, minIn, maxIn int) (in, out slot, err error) {
	if len(op.Inputs) < minIn || len(op.Inputs) > maxIn || len(op.Outputs) != 1 {
		return in, out, errorf("want %d to %d inputs and 1 output, have %d and %d", minIn, maxIn, len(op.Inputs), len(op.Outputs))
	}
	if in, err = c.activation(op.Inputs[0]); err != nil {
		return in, out, err
	}
	out, err = c.activation(op.Outputs[0])
	return in, out, err
}

// Dequantize writes the real values of a tensor that Compile was asked to keep,
// as the last Run left it, into dst (its number of elements), in the tensor's
// own layout (NHWC).
func (p *Program) Dequantize(x int, dst []float32) error {
	s, ok := p.kept[x]
	if !ok {
		return errorf("tensor %d was not kept", x)
	}
	if len(dst) != s.size {
		return errorf("tensor %d has %d values, not %d", x, s.size, len(dst))
	}
	for i, q := range s.data(p) {
		dst[i] = s.scale[0] * float32(int32(q)-s.zp)
	}
	return nil
}

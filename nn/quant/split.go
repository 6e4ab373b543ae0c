package quant

import (
	"fmt"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/graph"
)

// Part is one of several parts of a graph's program that run one input together, each on its own worker.
//
// The graph is cut into segments where one tensor carries everything later ops read (the output of a block).
// A segment of branches that end in one CONCATENATION (the ops connected through their own tensors) gives its
// branches to the parts by cost; a lone CONV_2D is divided by output channels, with the pooling that follows
// it; everything else (LRN, the classifier) runs in every part. A part compiles only the ops it computes and
// loads only their weights. A stage ends before such a segment's CONCATENATION: each part shares the tensors
// it computed for it (Share) and receives the others' (Receive), then every part concatenates the whole block
// output itself.
type Part struct {
	prog   *Program
	part   int
	stages []stage
}

type stage struct {
	from, to int      // the program's steps it runs
	sends    [][]slot // sends[k]: the tensors part k computes in the stage, in the order its Share writes them
}

// CompilePart compiles part `part` (0-based) of `parts` of g for o (Keep aside), as Compile does the whole
// graph. Every part computes exactly the whole program's values.
func CompilePart(g *Graph, consts func(name string) ([]byte, error), part, parts int, o Options) (*Part, error) {
	if part < 0 || part >= parts {
		return nil, errorf("part %d of %d", part, parts)
	}
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, errorf("graph has %d inputs and %d outputs, want 1 and 1", len(g.Inputs), len(g.Outputs))
	}
	if in, out := g.Inputs[0], g.Outputs[0]; in < 0 || in >= len(g.Tensors) || out < 0 || out >= len(g.Tensors) {
		return nil, errorf("graph input %d or output %d out of range", in, out)
	}
	for i, op := range g.Ops {
		for _, x := range append(append([]int(nil), op.Inputs...), op.Outputs...) {
			if x < -1 || x >= len(g.Tensors) {
				return nil, errorf("op %d %s: tensor index %d out of range", i, op.Op, x)
			}
		}
	}
	d := newDivision(g, consts, part, parts)
	segs := segments(g)
	for i := 0; i < len(segs); i++ {
		from, to := segs[i][0], segs[i][1]
		if !d.divides(g.Ops[from:to]) {
			if err := d.add(from, to); err != nil {
				return nil, err
			}
			continue
		}
		// Pooling is channel by channel: the parts pool their own channels and exchange the smaller result.
		chain := []Op{g.Ops[from]}
		for i+1 < len(segs) && segs[i+1][1]-segs[i+1][0] == 1 && pools(g.Ops[segs[i+1][0]], chain[len(chain)-1]) {
			i++
			chain = append(chain, g.Ops[segs[i][0]])
		}
		if err := d.splitChannels(chain); err != nil {
			return nil, err
		}
	}
	c := &compiler{g: &d.g, consts: d.consts, p: &Program{kernels: o.Kernels, float: o.Float}, remote: d.remote}
	if err := c.compile(); err != nil {
		return nil, err
	}
	p := &Part{prog: c.p, part: part}
	from := 0
	for _, s := range d.stages {
		st := stage{from: from, to: s.end, sends: make([][]slot, parts)}
		from = s.end
		for k, xs := range s.sends {
			for _, x := range xs {
				st.sends[k] = append(st.sends[k], c.slots[x])
			}
		}
		p.stages = append(p.stages, st)
	}
	return p, nil
}

// BeginFloat takes the input of a program whose input is float32, before step 0.
func (p *Part) BeginFloat(x []float32) error {
	if 4*len(x) != p.prog.input.size || !p.prog.input.float {
		return errorf("input has %d float32 values, want %d bytes of shape %v", len(x), p.prog.input.size, p.prog.input.shape)
	}
	copy(p.prog.input.float32s(p.prog), x)
	return nil
}

// Steps is the number of stages; the parts exchange tensors after each one.
func (p *Part) Steps() int { return len(p.stages) }

// Step runs this part's share of stage i: the stages run in order, each after the previous exchange.
func (p *Part) Step(i int) {
	p.run(p.stages[i].from, p.stages[i].to)
}

func (p *Part) run(from, to int) {
	for _, s := range p.prog.steps[from:to] {
		s.run(p.prog)
	}
}

// ShareSize is the number of bytes that part computes in stage i for the others: the length of its Share.
func (p *Part) ShareSize(i, part int) int {
	n := 0
	for _, s := range p.stages[i].sends[part] {
		n += s.size
	}
	return n
}

// Share writes the tensors this part computed in stage i into dst (ShareSize bytes), for the other parts.
func (p *Part) Share(i int, dst []byte) {
	for _, s := range p.stages[i].sends[p.part] {
		dst = dst[copy(dst, s.data(p.prog)):]
	}
}

// Receive takes the tensors that part computed in stage i, as its Share wrote them.
func (p *Part) Receive(i, part int, src []byte) {
	for _, s := range p.stages[i].sends[part] {
		src = src[copy(s.data(p.prog), src):]
	}
}

// Finish runs what follows the last stage (the same in every part); then the output is the whole program's.
func (p *Part) Finish() {
	from := 0
	if n := len(p.stages); n > 0 {
		from = p.stages[n-1].to
	}
	p.run(from, len(p.prog.steps))
	p.prog.copyOutput()
}

// OutputFloat32 is Program.OutputFloat32 after Finish.
func (p *Part) OutputFloat32() ([]float32, bool) { return p.prog.OutputFloat32() }

// segments cuts the ops into ranges [from, to) at every point where exactly one tensor written before is
// read after: a block output (or the input), which every later op can read whole.
func segments(g *Graph) [][2]int {
	n := len(g.Ops)
	first, last := make([]int, len(g.Tensors)), make([]int, len(g.Tensors))
	for x := range first {
		first[x], last[x] = n, -1
	}
	first[g.Inputs[0]] = -1
	for i, op := range g.Ops {
		for _, x := range op.Outputs {
			first[x] = min(first[x], i)
		}
		for _, x := range op.Inputs {
			if x >= 0 && !g.Tensors[x].Const {
				last[x] = i
			}
		}
	}
	last[g.Outputs[0]] = n
	var segs [][2]int
	from := 0
	for i := 1; i < n; i++ {
		live := 0
		for x := range first {
			if first[x] < i && last[x] >= i {
				live++
			}
		}
		if live == 1 {
			segs = append(segs, [2]int{from, i})
			from = i
		}
	}
	if from < n {
		segs = append(segs, [2]int{from, n})
	}
	return segs
}

// division builds one part's graph: the ops it computes, the ops of other parts whose outputs it receives
// (remote: kept without inputs, so the arena holds their outputs from there to their last reader, and
// compiled to nothing), and the stages.
type division struct {
	src         *Graph
	srcConsts   func(string) ([]byte, error)
	part, parts int
	g           Graph
	remote      []bool
	slices      map[string]constSlice
	stages      []divStage
	total       int64 // the cost of all the graph's convolutions
}

type divStage struct {
	end   int
	sends [][]int
}

// constSlice is a constant made of channels [lo, hi) along the first dimension of the source's constant x.
type constSlice struct {
	x, lo, hi int
}

func newDivision(g *Graph, consts func(string) ([]byte, error), part, parts int) *division {
	d := &division{src: g, srcConsts: consts, part: part, parts: parts, slices: map[string]constSlice{}}
	d.g = *g
	d.g.Tensors = append([]Tensor(nil), g.Tensors...)
	d.g.Ops = nil
	for _, op := range g.Ops {
		d.total += d.cost(op)
	}
	return d
}

func (d *division) consts(name string) ([]byte, error) {
	s, ok := d.slices[name]
	if !ok {
		return d.srcConsts(name)
	}
	t := d.src.Tensors[s.x]
	data, err := d.srcConsts(t.Name)
	if err != nil {
		return nil, err
	}
	if want := numElements(t.Shape) * t.Type.Size(); len(data) != want {
		return nil, errorf("constant %q: %d bytes, shape %v of %s needs %d", t.Name, len(data), t.Shape, t.Type, want)
	}
	row := len(data) / t.Shape[0]
	return data[s.lo*row : s.hi*row], nil
}

func (d *division) op(op Op, remote bool) {
	if remote {
		op = Op{Op: op.Op, Outputs: op.Outputs}
	}
	d.g.Ops = append(d.g.Ops, op)
	d.remote = append(d.remote, remote)
}

// minShare: a lone convolution is divided when it is at least 1/minShare of the graph's convolutions. Below
// that (GoogLeNet's conv2/3x3_reduce, 0.8%; InceptionV3's Conv2d_1a_3x3 and Conv2d_3b_1x1) every part runs it.
const minShare = 64

// divides reports whether the segment is a lone convolution to divide by output channels: a small one costs
// less to run in every part than the exchange it would need.
func (d *division) divides(ops []Op) bool {
	return d.parts > 1 && len(ops) == 1 && ops[0].Op == graph.Conv2D && d.cost(ops[0])*minShare >= d.total
}

// pools reports whether op pools the output of prev alone (channel by channel).
func pools(op, prev Op) bool {
	return (op.Op == graph.MaxPool2D || op.Op == graph.AveragePool2D) && len(op.Inputs) == 1 && len(op.Outputs) == 1 &&
		len(prev.Outputs) == 1 && op.Inputs[0] == prev.Outputs[0]
}

// add divides the segment of ops [from, to) of the source graph.
func (d *division) add(from, to int) error {
	ops := d.src.Ops[from:to]
	last := len(ops) - 1
	if d.parts == 1 || len(ops) < 3 || ops[last].Op != graph.Concatenation {
		for _, op := range ops {
			d.op(op, false)
		}
		return nil
	}
	branch := branches(ops[:last])
	costs := make([]int64, 0, len(ops))
	for i, op := range ops[:last] {
		for len(costs) <= branch[i] {
			costs = append(costs, 0)
		}
		costs[branch[i]] += d.cost(op)
	}
	owner := nn.Balance(costs, d.parts)
	for b, k := range owner {
		// Each stage starts its turn at another part: the most expensive branches, often the heaviest
		// weights too, are not all the first part's.
		if k >= 0 {
			owner[b] = (k + len(d.stages)) % d.parts
		}
	}
	sends := make([][]int, d.parts)
	for i, op := range ops[:last] {
		k := owner[branch[i]]
		concatenated := false
		for _, x := range op.Outputs {
			if slices.Contains(ops[last].Inputs, x) {
				concatenated = true
				if k >= 0 {
					sends[k] = append(sends[k], x)
				}
			}
		}
		switch {
		case k < 0 || k == d.part:
			d.op(op, false)
		case concatenated:
			d.op(op, true)
		}
	}
	d.stages = append(d.stages, divStage{end: len(d.g.Ops), sends: sends})
	d.op(ops[last], false)
	return nil
}

// branches numbers the connected parts of ops: ops that write and read the same tensor are of one branch.
func branches(ops []Op) []int {
	branch := make([]int, len(ops))
	writer := map[int]int{}
	for i := range ops {
		branch[i] = -1
	}
	n := 0
	for i, op := range ops {
		for _, x := range op.Inputs {
			if w, ok := writer[x]; ok {
				if branch[i] >= 0 && branch[i] != branch[w] {
					// Two branches meet: renumber the later one.
					old := branch[i]
					for j := range branch[:i] {
						if branch[j] == old {
							branch[j] = branch[w]
						}
					}
				}
				branch[i] = branch[w]
			}
		}
		if branch[i] < 0 {
			branch[i] = n
			n++
		}
		for _, x := range op.Outputs {
			writer[x] = i
		}
	}
	return branch
}

// cost is the multiply-adds of a convolution, 0 for the rest.
func (d *division) cost(op Op) int64 {
	if op.Op != graph.Conv2D || len(op.Inputs) < 2 || len(op.Outputs) != 1 || op.Inputs[1] < 0 || op.Outputs[0] < 0 {
		return 0
	}
	f, out := d.src.Tensors[op.Inputs[1]].Shape, d.src.Tensors[op.Outputs[0]].Shape
	if len(f) == 0 {
		return 0
	}
	return int64(numElements(out)) * int64(numElements(f[1:]))
}

// splitChannels divides a convolution, and the pooling that follows it (chain), by output channels: part k
// computes channels [lo, hi), a whole number of panels, into tensors of its own, and every part then
// concatenates the last one's pieces into the chain's output.
func (d *division) splitChannels(chain []Op) error {
	conv := chain[0]
	if len(conv.Inputs) < 2 || len(conv.Outputs) != 1 || conv.Inputs[1] < 0 || conv.Outputs[0] < 0 {
		return errorf("CONV_2D: want a filter and 1 output")
	}
	out := d.src.Tensors[conv.Outputs[0]]
	filter := d.src.Tensors[conv.Inputs[1]]
	if len(out.Shape) != 4 || len(filter.Shape) != 4 || filter.Shape[0] != out.Shape[3] {
		return errorf("CONV_2D %q: filter %v for output %v", out.Name, filter.Shape, out.Shape)
	}
	n := out.Shape[3]
	panels := (n + PanelWidth - 1) / PanelWidth
	sends := make([][]int, d.parts)
	var pieces []int
	for k := range d.parts {
		lo, hi := min(k*panels/d.parts*PanelWidth, n), min((k+1)*panels/d.parts*PanelWidth, n)
		if lo == hi {
			continue
		}
		x := -1 // the piece of the previous op's output
		for j, op := range chain {
			if k != d.part && j < len(chain)-1 {
				continue // another part's: only its last piece comes here
			}
			t := d.src.Tensors[op.Outputs[0]]
			if len(t.Shape) != 4 || t.Shape[3] != n {
				return errorf("%s %q: output %v, want %d channels", op.Op, t.Name, t.Shape, n)
			}
			t.Name = fmt.Sprintf("%s[%d:%d]", t.Name, lo, hi)
			t.Shape = []int{t.Shape[0], t.Shape[1], t.Shape[2], hi - lo}
			y := d.tensor(t)
			if k != d.part {
				d.op(Op{Op: op.Op, Outputs: []int{y}}, true)
				x = y
				break
			}
			mine := op
			mine.Inputs = append([]int(nil), op.Inputs...)
			mine.Outputs = []int{y}
			if j > 0 {
				mine.Inputs[0] = x
			}
			for i := 1; j == 0 && i < len(op.Inputs); i++ {
				if c := op.Inputs[i]; c >= 0 {
					t := d.src.Tensors[c]
					if !t.Const || len(t.Shape) == 0 || t.Shape[0] != n || len(t.ZeroPoint) != len(t.Scale) ||
						(len(t.Scale) > 1 && len(t.Scale) != n) {
						return errorf("CONV_2D %q: input %d is not a constant of %d channels", out.Name, i, n)
					}
					mine.Inputs[i] = d.sliceConst(c, lo, hi)
				}
			}
			d.op(mine, false)
			x = y
		}
		pieces = append(pieces, x)
		sends[k] = []int{x}
	}
	d.stages = append(d.stages, divStage{end: len(d.g.Ops), sends: sends})
	last := chain[len(chain)-1]
	d.op(Op{Op: graph.Concatenation, Inputs: pieces, Outputs: last.Outputs, Params: Params{Axis: 3}}, false)
	return nil
}

// sliceConst adds the constant made of channels [lo, hi) of constant x (a filter or a bias), with their
// quantization.
func (d *division) sliceConst(x, lo, hi int) int {
	t := d.src.Tensors[x]
	t.Name = fmt.Sprintf("%s[%d:%d]", t.Name, lo, hi)
	t.Shape = append([]int{hi - lo}, t.Shape[1:]...)
	if len(t.Scale) > 1 {
		t.Scale, t.ZeroPoint = t.Scale[lo:hi], t.ZeroPoint[lo:hi]
	}
	d.slices[t.Name] = constSlice{x, lo, hi}
	return d.tensor(t)
}

func (d *division) tensor(t Tensor) int {
	d.g.Tensors = append(d.g.Tensors, t)
	return len(d.g.Tensors) - 1
}

// nop is an op another part computes.
type nop struct{}

func (nop) run(*Program) {}

package inception

import (
	"encoding/binary"
	"fmt"
	"math"

	"inceptionweb/nn"
)

// Params gives a network its parameters by name, in PyTorch's layout (OIHW convolutions).
type Params interface {
	Has(name string) bool
	Float32(name string, shape []int) ([]float32, error)
}

// Config selects the share of the work and the classifier's width.
type Config struct {
	// Classes is the classifier's width; 0 means the architecture's.
	Classes int
	// Input, when set, rewrites the input in place before the first step (torchvision's transform_input).
	Input func(x *nn.Tensor)
	// Split builds one part of a network run by several workers; the zero value is the whole network.
	Split Split
	// Kernels is the kernel set the layers are prepared for and run with; the zero value is pure Go.
	Kernels nn.KernelSet
}

// Split names one part of Parts. Each part computes whole branches of the inception blocks (balanced by
// their cost) and a share of the output channels of single convolutions; cheap pooling and LRN steps run in
// every part. A part builds only the layers it computes, so the weights are divided too. After each step the
// parts swap the channels they computed (Share, Receive), so each holds the whole step output for the next.
type Split struct {
	Part, Parts int
}

func (s Split) parts() int { return max(s.Parts, 1) }

func (a *Arch) classes(cfg Config) int {
	if cfg.Classes == 0 {
		return a.Classes
	}
	return cfg.Classes
}

// ParamSpec is one parameter a network reads.
type ParamSpec struct {
	Name  string
	Shape []int
}

// op is a compiled layer and the shape of what it writes.
type op struct {
	conv    *nn.Conv
	pool    *nn.Pool
	lrn     *nn.LRN
	h, w, c int
}

func (o *op) forward(in, out *nn.Tensor, off int) {
	switch {
	case o.conv != nil:
		o.conv.Forward(in, out, off)
	case o.pool != nil:
		o.pool.Forward(in, out, off)
	default:
		o.lrn.Forward(in, out, off)
	}
}

// everyPart marks work that every part does itself rather than receive (pooling costs less than a message):
// nn.Balance's owner of work that costs nothing.
const everyPart = -1

type compiledBranch struct {
	part   int  // which part computes it, or everyPart
	stem   []op // nil in the parts that do not compute the branch
	leaves []op
	offs   []int // channel offset of each leaf in the step's output
}

// channels are the channel ranges [off, off+c) of the step's output that the branch writes.
func (b *compiledBranch) channels(yield func(off, c int)) {
	for i, l := range b.leaves {
		yield(b.offs[i], l.c)
	}
}

type step struct {
	name     string
	h, w, c  int
	branches []compiledBranch
}

// Net is a built network (or one part of it) with every buffer it needs. It is not safe for concurrent use.
type Net struct {
	cfg      Config
	steps    []step
	fc       nn.Linear
	input    *nn.Tensor
	outs     [2]*nn.Tensor // step outputs, alternating
	scratch  [2]*nn.Tensor // intermediate results inside a branch, alternating
	features []float32
	logits   []float32
}

// The network as shapes: for each block, each branch, its layers with their input channels.
type plannedLayer struct {
	l          *Layer
	name       string
	inC        int
	h, w, outC int // output shape
	extraH     int // rows and columns past the input that a Ceil window covers
	extraW     int
}

type plannedBranch struct {
	stem, leaves []plannedLayer
	flops        int64
}

type plannedStep struct {
	b        *Block
	branches []plannedBranch
}

// outSize is a layer's output length for an input of n, and how far its last window hangs past the padding.
func outSize(n, k, stride, pad int, ceil bool) (out, extra int) {
	span := n + 2*pad - k
	out = span/stride + 1
	if ceil && span%stride != 0 {
		out++
		extra = (out-1)*stride + k - (n + 2*pad)
	}
	return out, extra
}

func (a *Arch) plan() []plannedStep {
	h, w, ch := a.InputSize, a.InputSize, 3
	var steps []plannedStep
	for i := range a.Blocks {
		b := &a.Blocks[i]
		ps := plannedStep{b: b}
		outC := 0
		var oh, ow int
		for bi := range b.Kind.Branches {
			br := &b.Kind.Branches[bi]
			var pb plannedBranch
			sh, sw, sc := h, w, ch
			layerOf := func(l *Layer) plannedLayer {
				c := l.OutC
				if c == Param {
					c = b.Param
				}
				if l.Kind != Conv {
					c = sc
				}
				pl := plannedLayer{l: l, name: a.layerName(b, l), inC: sc, outC: c}
				if l.Kind == LRN {
					pl.h, pl.w = sh, sw
				} else {
					pl.h, pl.extraH = outSize(sh, l.KH, l.Stride, l.PH, l.Ceil)
					pl.w, pl.extraW = outSize(sw, l.KW, l.Stride, l.PW, l.Ceil)
				}
				if l.Kind == Conv {
					pb.flops += 2 * int64(pl.h*pl.w) * int64(l.KH*l.KW*sc) * int64(c)
				}
				return pl
			}
			for li := range br.Stem {
				pl := layerOf(&br.Stem[li])
				pb.stem = append(pb.stem, pl)
				sh, sw, sc = pl.h, pl.w, pl.outC
			}
			for li := range br.Leaves {
				pl := layerOf(&br.Leaves[li])
				pb.leaves = append(pb.leaves, pl)
				oh, ow = pl.h, pl.w
				outC += pl.outC
			}
			ps.branches = append(ps.branches, pb)
		}
		steps = append(steps, ps)
		h, w, ch = oh, ow, outC
	}
	return steps
}

func (a *Arch) layerName(b *Block, l *Layer) string {
	if l.Name == "" {
		return b.Name
	}
	return b.Name + a.Sep + l.Name
}

func (a *Arch) convName(layer string) string { return layer + a.ConvSuffix }

// ParamSpecs lists the parameters the network reads, with their PyTorch shapes: each convolution's weight and,
// when bn is set, its unfolded batch norm (else its bias), then the classifier's weight and bias.
func (a *Arch) ParamSpecs(cfg Config, bn bool) []ParamSpec {
	var specs []ParamSpec
	add := func(pl plannedLayer) {
		if pl.l.Kind != Conv {
			return
		}
		conv := a.convName(pl.name)
		specs = append(specs, ParamSpec{conv + ".weight", []int{pl.outC, pl.inC, pl.l.KH, pl.l.KW}})
		if !bn {
			specs = append(specs, ParamSpec{conv + ".bias", []int{pl.outC}})
			return
		}
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			specs = append(specs, ParamSpec{pl.name + ".bn." + s, []int{pl.outC}})
		}
	}
	for _, s := range a.plan() {
		for _, b := range s.branches {
			for _, pl := range b.stem {
				add(pl)
			}
			for _, pl := range b.leaves {
				add(pl)
			}
		}
	}
	classes := a.classes(cfg)
	return append(specs, ParamSpec{a.Classifier + ".weight", []int{classes, a.Features}},
		ParamSpec{a.Classifier + ".bias", []int{classes}})
}

// StepNames are the names of the steps in order: the blocks' names.
func (a *Arch) StepNames() []string {
	names := make([]string, len(a.Blocks))
	for i, b := range a.Blocks {
		names[i] = b.Name
	}
	return names
}

// assign decides which part computes each branch of a step: branches without convolutions run everywhere, a
// step that is one convolution is divided by output channels, and the branches of an inception block go, most
// expensive first, to the part with the least work so far.
func assign(s plannedStep, parts int) (owner []int, channelSplit bool) {
	owner = make([]int, len(s.branches))
	if parts == 1 {
		return owner, false
	}
	if len(s.branches) == 1 && len(s.branches[0].stem) == 0 && s.branches[0].leaves[0].l.Kind == Conv {
		return owner, true
	}
	costs := make([]int64, len(s.branches))
	for i, b := range s.branches {
		costs[i] = b.flops
	}
	return nn.Balance(costs, parts), false
}

// New builds the network (or the part cfg.Split names) from p, folding batch norm into the convolutions.
func New(a *Arch, p Params, cfg Config) (*Net, error) {
	parts, me := cfg.Split.parts(), cfg.Split.Part
	if me < 0 || me >= parts {
		return nil, fmt.Errorf("%s: part %d of %d", a.Name, me, parts)
	}
	n := &Net{cfg: cfg}
	kernels := &n.cfg.Kernels
	maxOut, maxScratch := 0, 0
	for _, ps := range a.plan() {
		owner, channelSplit := assign(ps, parts)
		st := step{name: ps.b.Name}
		for bi, pb := range ps.branches {
			if channelSplit {
				// One convolution: part k computes output channels [k*c/parts, (k+1)*c/parts).
				pl := pb.leaves[0]
				for k := 0; k < parts; k++ {
					lo, hi := k*pl.outC/parts, (k+1)*pl.outC/parts
					cb := compiledBranch{part: k, offs: []int{lo}}
					o := op{h: pl.h, w: pl.w, c: hi - lo}
					if k == me {
						c, err := a.loadConv(p, pl)
						if err != nil {
							return nil, err
						}
						o.conv = sliceChannels(c, lo, hi)
						o.conv.Prepare(kernels)
					}
					cb.leaves = []op{o}
					st.branches = append(st.branches, cb)
				}
			} else {
				cb := compiledBranch{part: owner[bi]}
				mine := cb.part == everyPart || cb.part == me
				for _, pl := range pb.stem {
					o, err := a.compile(p, pl, mine, kernels)
					if err != nil {
						return nil, err
					}
					cb.stem = append(cb.stem, o)
					maxScratch = max(maxScratch, o.h*o.w*o.c)
				}
				off := 0
				for _, b := range st.branches {
					for _, l := range b.leaves {
						off += l.c
					}
				}
				for _, pl := range pb.leaves {
					o, err := a.compile(p, pl, mine, kernels)
					if err != nil {
						return nil, err
					}
					cb.offs = append(cb.offs, off)
					cb.leaves = append(cb.leaves, o)
					off += o.c
				}
				st.branches = append(st.branches, cb)
			}
		}
		for _, b := range st.branches {
			for _, l := range b.leaves {
				st.h, st.w, st.c = l.h, l.w, st.c+l.c
			}
		}
		maxOut = max(maxOut, st.h*st.w*st.c)
		n.steps = append(n.steps, st)
	}
	if last := n.steps[len(n.steps)-1]; last.c != a.Features {
		return nil, fmt.Errorf("%s: the last block has %d channels, the classifier takes %d", a.Name, last.c, a.Features)
	}
	classes := a.classes(cfg)
	n.fc = nn.Linear{In: a.Features, Out: classes}
	var err error
	if n.fc.Weight, err = p.Float32(a.Classifier+".weight", []int{classes, a.Features}); err != nil {
		return nil, err
	}
	if n.fc.Bias, err = p.Float32(a.Classifier+".bias", []int{classes}); err != nil {
		return nil, err
	}
	n.input = nn.NewTensor(a.InputSize, a.InputSize, 3)
	for i := range n.outs {
		n.outs[i] = &nn.Tensor{Data: make([]float32, maxOut)}
		n.scratch[i] = &nn.Tensor{Data: make([]float32, maxScratch)}
	}
	n.features = make([]float32, a.Features)
	n.logits = make([]float32, classes)
	return n, nil
}

// compile makes the layer for the kernel set k; layers of other parts keep only their shape.
func (a *Arch) compile(p Params, pl plannedLayer, mine bool, k *nn.KernelSet) (op, error) {
	o := op{h: pl.h, w: pl.w, c: pl.outC}
	if !mine {
		return o, nil
	}
	l := pl.l
	switch l.Kind {
	case MaxPool, AvgPool:
		o.pool = &nn.Pool{Max: l.Kind == MaxPool, KH: l.KH, KW: l.KW, StrideH: l.Stride, StrideW: l.Stride,
			PadH: l.PH, PadW: l.PW, ExtraPadH: pl.extraH, ExtraPadW: pl.extraW, CountPad: true, Kernels: k}
		return o, nil
	case LRN:
		lrn := a.LRN
		lrn.Kernels = k
		o.lrn = &lrn
		return o, nil
	}
	var err error
	if o.conv, err = a.loadConv(p, pl); err == nil {
		o.conv.Prepare(k) // now, so that one convolution's weights at a time exist in two layouts
	}
	return o, err
}

func (a *Arch) loadConv(p Params, pl plannedLayer) (*nn.Conv, error) {
	l, name, inC, outC := pl.l, pl.name, pl.inC, pl.outC
	c := &nn.Conv{InC: inC, OutC: outC, KH: l.KH, KW: l.KW, StrideH: l.Stride, StrideW: l.Stride,
		PadH: l.PH, PadW: l.PW, ReLU: true}
	conv := a.convName(name)
	w, err := p.Float32(conv+".weight", []int{outC, inC, l.KH, l.KW})
	if err != nil {
		return nil, err
	}
	if !p.Has(name + ".bn.weight") {
		if c.Bias, err = p.Float32(conv+".bias", []int{outC}); err != nil {
			return nil, fmt.Errorf("%s: neither batch norm nor a bias: %w", name, err)
		}
		c.Weight = nn.OIHWToHWIO(w, outC, inC, l.KH, l.KW)
		return c, nil
	}
	var bn [4][]float32
	for i, s := range []string{"weight", "bias", "running_mean", "running_var"} {
		if bn[i], err = p.Float32(name+".bn."+s, []int{outC}); err != nil {
			return nil, err
		}
	}
	w, c.Bias = nn.FoldBatchNorm(w, outC, bn[0], bn[1], bn[2], bn[3], a.BatchNormEps)
	c.Weight = nn.OIHWToHWIO(w, outC, inC, l.KH, l.KW)
	return c, nil
}

// sliceChannels returns the convolution restricted to output channels [lo, hi).
func sliceChannels(c *nn.Conv, lo, hi int) *nn.Conv {
	s := *c
	s.OutC = hi - lo
	s.Bias = c.Bias[lo:hi:hi]
	s.Weight = make([]float32, len(c.Weight)/c.OutC*s.OutC)
	for r := 0; r < len(c.Weight)/c.OutC; r++ {
		copy(s.Weight[r*s.OutC:(r+1)*s.OutC], c.Weight[r*c.OutC+lo:r*c.OutC+hi])
	}
	return &s
}

// Input is the buffer to fill with the preprocessed image before running the network.
func (n *Net) Input() *nn.Tensor { return n.input }

// Forward runs the whole network on Input() and returns the logits (valid until the next call). If hook is
// not nil it sees every step's output, named as the architecture names its blocks. A part of a split network
// runs its steps with Step and swaps channels with Share and Receive instead.
func (n *Net) Forward(hook func(name string, t *nn.Tensor)) []float32 {
	for i := range n.steps {
		out := n.Step(i)
		if hook != nil {
			hook(n.steps[i].name, out)
		}
	}
	return n.Logits()
}

// Steps is the number of steps; parts must swap channels after each one.
func (n *Net) Steps() int { return len(n.steps) }

// Step runs this part's share of step i (the input is Input() for step 0, else step i-1's complete output)
// and returns step i's output tensor.
func (n *Net) Step(i int) *nn.Tensor {
	x := n.input
	if i == 0 {
		if n.cfg.Input != nil {
			n.cfg.Input(x)
		}
	} else {
		x = n.output(i - 1)
	}
	out := n.output(i)
	s := &n.steps[i]
	for bi := range s.branches {
		br := &s.branches[bi]
		if len(br.leaves) == 0 || !n.computes(br) {
			continue
		}
		src := x
		for li := range br.stem {
			o := &br.stem[li]
			dst := n.scratch[li%2].View(o.h, o.w, o.c)
			o.forward(src, dst, 0)
			src = dst
		}
		for li := range br.leaves {
			br.leaves[li].forward(src, out, br.offs[li])
		}
	}
	return out
}

func (n *Net) computes(b *compiledBranch) bool {
	return b.part == everyPart || b.part == n.cfg.Split.Part
}

func (n *Net) output(i int) *nn.Tensor {
	s := &n.steps[i]
	return n.outs[i%2].View(s.h, s.w, s.c)
}

// ShareSize is the number of bytes part computes of step i: the length of Share's and Receive's buffers.
func (n *Net) ShareSize(i, part int) int {
	size := 0
	s := &n.steps[i]
	for bi := range s.branches {
		if s.branches[bi].part == part {
			s.branches[bi].channels(func(_, c int) { size += s.h * s.w * c * 4 })
		}
	}
	return size
}

// Share writes the channels this part computed in step i into dst (ShareSize bytes: little-endian float32s),
// for the other parts.
func (n *Net) Share(i int, dst []byte) {
	n.exchange(i, n.cfg.Split.Part, dst, true)
}

// Receive writes the channels that part computed in step i, as its Share gave them, into this part's copy.
func (n *Net) Receive(i, part int, src []byte) {
	n.exchange(i, part, src, false)
}

func (n *Net) exchange(i, part int, buf []byte, gather bool) {
	out, s := n.output(i), &n.steps[i]
	k := 0
	for bi := range s.branches {
		if s.branches[bi].part != part {
			continue
		}
		s.branches[bi].channels(func(off, c int) {
			for p := 0; p < s.h*s.w; p++ {
				px := out.Data[p*s.c+off : p*s.c+off+c]
				b := buf[k : k+4*c]
				for j := range px {
					if gather {
						binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(px[j]))
					} else {
						px[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
					}
				}
				k += 4 * c
			}
		})
	}
}

// Logits finishes a forward pass after the last step: global average pool and the classifier. The result is
// valid until the next call.
func (n *Net) Logits() []float32 {
	nn.GlobalAvgPool(n.output(len(n.steps)-1), n.features)
	n.fc.Forward(n.features, n.logits) // dropout is the identity at inference
	return n.logits
}

// Features are the pooled features the classifier read in the last Logits call (valid until the next call).
func (n *Net) Features() []float32 { return n.features }

// FeatureMap is the last step's output, the map that the global average pool reduces to Features.
func (n *Net) FeatureMap() *nn.Tensor { return n.output(len(n.steps) - 1) }

// Classifier is the final linear layer ([classes][features] weights).
func (n *Net) Classifier() *nn.Linear { return &n.fc }

// FLOPs is the work of one whole forward pass (multiplies and adds of the convolutions and the classifier).
func (a *Arch) FLOPs() int64 {
	var f int64
	for _, s := range a.plan() {
		for _, b := range s.branches {
			f += b.flops
		}
	}
	return f + 2*int64(a.Features*a.Classes)
}

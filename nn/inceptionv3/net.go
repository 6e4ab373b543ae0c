// Package inceptionv3 is InceptionV3 exactly as torchvision's inception_v3 defines it (eval mode, no auxiliary
// head): the architecture is the table in arch.go; this file compiles it into layers with preallocated buffers.
package inceptionv3

import (
	"fmt"

	"inceptionweb/nn"
)

// Params gives the network its parameters by torchvision name, in PyTorch's layout (OIHW convolutions).
// A convolution comes either unfolded, as "<name>.conv.weight" plus "<name>.bn.{weight,bias,running_mean,
// running_var}", or with batch norm already folded in, as "<name>.conv.weight" plus "<name>.conv.bias".
type Params interface {
	Has(name string) bool
	Float32(name string, shape []int) ([]float32, error)
}

// Config selects the variant of the weights.
type Config struct {
	// TransformInput re-maps ImageNet-normalised input to [-1, 1] as torchvision does for Google's weights.
	TransformInput bool
	// Classes is the classifier's width (1000 for torchvision, 1001 for TF-slim's background class); 0 means 1000.
	Classes int
}

func (c Config) classes() int {
	if c.Classes == 0 {
		return Classes
	}
	return c.Classes
}

// ParamSpec is one parameter the network reads.
type ParamSpec struct {
	Name  string
	Shape []int
}

// op is a compiled layer and the shape of what it writes.
type op struct {
	conv *nn.Conv
	pool *nn.Pool
	h, w int
	c    int
}

func (o *op) forward(in, out *nn.Tensor, off int) {
	if o.conv != nil {
		o.conv.Forward(in, out, off)
	} else {
		o.pool.Forward(in, out, off)
	}
}

type compiledBranch struct {
	stem   []op
	leaves []op
	offs   []int // channel offset of each leaf in the block's output
}

type step struct {
	name     string
	h, w, c  int
	branches []compiledBranch
}

// Net is a built InceptionV3 with every buffer it needs. It is not safe for concurrent use.
type Net struct {
	cfg      Config
	steps    []step
	fc       nn.Linear
	input    *nn.Tensor
	outs     [2]*nn.Tensor // block outputs, alternating
	scratch  [2]*nn.Tensor // intermediate results inside a branch, alternating
	features []float32
	logits   []float32
}

// walk visits every layer of the table with its input and output shapes.
func walk(cfg Config, visit func(b *block, bi int, l *layer, isLeaf bool, name string, inH, inW, inC int, o op)) (h, w, ch int) {
	h, w, ch = InputSize, InputSize, 3
	for i := range blocks {
		b := &blocks[i]
		outC := 0
		var oh, ow int
		for bi := range b.kind.branches {
			br := &b.kind.branches[bi]
			sh, sw, sc := h, w, ch
			for li := range br.stem {
				o := shapeOf(b, &br.stem[li], sh, sw, sc)
				visit(b, bi, &br.stem[li], false, layerName(b, &br.stem[li]), sh, sw, sc, o)
				sh, sw, sc = o.h, o.w, o.c
			}
			for li := range br.leaves {
				o := shapeOf(b, &br.leaves[li], sh, sw, sc)
				visit(b, bi, &br.leaves[li], true, layerName(b, &br.leaves[li]), sh, sw, sc, o)
				oh, ow = o.h, o.w
				outC += o.c
			}
		}
		h, w, ch = oh, ow, outC
	}
	return h, w, ch
}

func layerName(b *block, l *layer) string {
	if l.name == "" {
		return b.name
	}
	return b.name + "." + l.name
}

func shapeOf(b *block, l *layer, h, w, ch int) op {
	outC := l.outC
	if outC == param {
		outC = b.param
	}
	if l.kind != conv {
		outC = ch
	}
	return op{h: (h+2*l.ph-l.kh)/l.stride + 1, w: (w+2*l.pw-l.kw)/l.stride + 1, c: outC}
}

// Params lists the parameters the network reads, unfolded, with torchvision's names and shapes.
func ParamSpecs(cfg Config) []ParamSpec {
	var specs []ParamSpec
	walk(cfg, func(b *block, _ int, l *layer, _ bool, name string, _, _, inC int, o op) {
		if l.kind != conv {
			return
		}
		specs = append(specs, ParamSpec{name + ".conv.weight", []int{o.c, inC, l.kh, l.kw}})
		for _, s := range []string{"weight", "bias", "running_mean", "running_var"} {
			specs = append(specs, ParamSpec{name + ".bn." + s, []int{o.c}})
		}
	})
	specs = append(specs, ParamSpec{"fc.weight", []int{cfg.classes(), Features}}, ParamSpec{"fc.bias", []int{cfg.classes()}})
	return specs
}

// New builds the network from p, folding batch norm into the convolutions.
func New(p Params, cfg Config) (*Net, error) {
	n := &Net{cfg: cfg}
	var err error
	maxOut, maxScratch := 0, 0
	var cur *step
	var curBranch int = -1
	walk(cfg, func(b *block, bi int, l *layer, isLeaf bool, name string, inH, inW, inC int, o op) {
		if err != nil {
			return
		}
		if cur == nil || cur.name != b.name {
			n.steps = append(n.steps, step{name: b.name})
			cur = &n.steps[len(n.steps)-1]
			curBranch = -1
		}
		if bi != curBranch {
			cur.branches = append(cur.branches, compiledBranch{})
			curBranch = bi
		}
		br := &cur.branches[len(cur.branches)-1]
		switch l.kind {
		case conv:
			o.conv, err = loadConv(p, name, inC, o.c, l)
		case maxPool, avgPool:
			o.pool = &nn.Pool{Max: l.kind == maxPool, KH: l.kh, KW: l.kw, StrideH: l.stride, StrideW: l.stride,
				PadH: l.ph, PadW: l.pw, CountPad: true}
		}
		if isLeaf {
			br.offs = append(br.offs, cur.c)
			br.leaves = append(br.leaves, o)
			cur.h, cur.w, cur.c = o.h, o.w, cur.c+o.c
			maxOut = max(maxOut, o.h*o.w*cur.c)
		} else {
			br.stem = append(br.stem, o)
			maxScratch = max(maxScratch, o.h*o.w*o.c)
		}
	})
	if err != nil {
		return nil, err
	}
	classes := cfg.classes()
	n.fc = nn.Linear{In: Features, Out: classes}
	if n.fc.Weight, err = p.Float32("fc.weight", []int{classes, Features}); err != nil {
		return nil, err
	}
	if n.fc.Bias, err = p.Float32("fc.bias", []int{classes}); err != nil {
		return nil, err
	}
	n.input = nn.NewTensor(InputSize, InputSize, 3)
	for i := range n.outs {
		n.outs[i] = &nn.Tensor{Data: make([]float32, maxOut)}
		n.scratch[i] = &nn.Tensor{Data: make([]float32, maxScratch)}
	}
	n.features = make([]float32, Features)
	n.logits = make([]float32, classes)
	return n, nil
}

func loadConv(p Params, name string, inC, outC int, l *layer) (*nn.Conv, error) {
	c := &nn.Conv{InC: inC, OutC: outC, KH: l.kh, KW: l.kw, StrideH: l.stride, StrideW: l.stride,
		PadH: l.ph, PadW: l.pw, ReLU: true}
	w, err := p.Float32(name+".conv.weight", []int{outC, inC, l.kh, l.kw})
	if err != nil {
		return nil, err
	}
	if !p.Has(name + ".bn.weight") {
		if c.Bias, err = p.Float32(name+".conv.bias", []int{outC}); err != nil {
			return nil, fmt.Errorf("%s: neither batch norm nor a folded bias: %w", name, err)
		}
		c.Weight = nn.OIHWToHWIO(w, outC, inC, l.kh, l.kw)
		return c, nil
	}
	var bn [4][]float32
	for i, s := range []string{"weight", "bias", "running_mean", "running_var"} {
		if bn[i], err = p.Float32(name+".bn."+s, []int{outC}); err != nil {
			return nil, err
		}
	}
	c.Weight, c.Bias = nn.FoldBatchNorm(w, outC, inC, l.kh, l.kw, bn[0], bn[1], bn[2], bn[3], BatchNormEps)
	return c, nil
}

// Input is the buffer to fill with a normalised 299x299 RGB image before calling Forward.
func (n *Net) Input() *nn.Tensor { return n.input }

// Forward runs the network on Input() and returns the logits (valid until the next call). If hook is not nil it
// sees every block's output, named as torchvision names the module.
func (n *Net) Forward(hook func(name string, t *nn.Tensor)) []float32 {
	x := n.input
	if n.cfg.TransformInput {
		transformInput(x)
	}
	for i := range n.steps {
		s := &n.steps[i]
		out := n.outs[i%2].View(s.h, s.w, s.c)
		for bi := range s.branches {
			br := &s.branches[bi]
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
		if hook != nil {
			hook(s.name, out)
		}
		x = out
	}
	nn.GlobalAvgPool(x, n.features)
	n.fc.Forward(n.features, n.logits) // dropout is the identity at inference
	return n.logits
}

// transformInput is torchvision's transform_input: ImageNet-normalised channels become (x*std+mean-0.5)/0.5.
func transformInput(x *nn.Tensor) {
	scale := [3]float32{0.229 / 0.5, 0.224 / 0.5, 0.225 / 0.5}
	shift := [3]float32{(0.485 - 0.5) / 0.5, (0.456 - 0.5) / 0.5, (0.406 - 0.5) / 0.5}
	for i := 0; i < len(x.Data); i += 3 {
		for c := 0; c < 3; c++ {
			x.Data[i+c] = float32(x.Data[i+c]*scale[c]) + shift[c]
		}
	}
}

// FLOPs is the work of one forward pass (multiplies and adds).
func (n *Net) FLOPs() int64 {
	var f int64
	h, w := InputSize, InputSize
	for _, s := range n.steps {
		for _, br := range s.branches {
			sh, sw := h, w
			for _, o := range br.stem {
				if o.conv != nil {
					f += o.conv.FLOPs(sh, sw)
				}
				sh, sw = o.h, o.w
			}
			for _, o := range br.leaves {
				if o.conv != nil {
					f += o.conv.FLOPs(sh, sw)
				}
			}
		}
		h, w = s.h, s.w
	}
	return f + 2*int64(n.fc.In*n.fc.Out)
}

package inception

import (
	"fmt"

	"inceptionweb/nn/graph"
)

// Graph describes the whole network as an operator graph in float32 (NHWC activations, OHWI filters with batch
// norm folded in, [out][in] classifier) ending in a softmax, with its constants by name. The graph executors
// run it: the float one (nn/float) as it is, the integer one (nn/quant) once calibration has quantized it.
// cfg.Input and cfg.Split are not expressible in a graph: a caller folds an input transform into the first
// convolution's weights itself.
func (a *Arch) Graph(p Params, cfg Config) (*graph.Graph, map[string][]float32, error) {
	if cfg.Input != nil || cfg.Split.parts() != 1 {
		return nil, nil, fmt.Errorf("%s: a graph is the whole network without an input function", a.Name)
	}
	g := &graph.Graph{Requantize: graph.RequantizeFP32, Mean: graph.MeanFP32, Softmax: graph.SoftmaxTable}
	consts := map[string][]float32{}
	tensor := func(name string, shape ...int) int {
		g.Tensors = append(g.Tensors, graph.Tensor{Name: name, Type: graph.Float32, Shape: shape})
		return len(g.Tensors) - 1
	}
	constant := func(name string, v []float32, shape ...int) int {
		consts[name] = v
		x := tensor(name, shape...)
		g.Tensors[x].Const = true
		return x
	}
	add := func(op graph.Kind, pr graph.Params, out int, in ...int) {
		g.Ops = append(g.Ops, graph.Op{Op: op, Inputs: in, Outputs: []int{out}, Params: pr})
	}
	x := tensor("input", 1, a.InputSize, a.InputSize, 3)
	g.Inputs = []int{x}
	layer := func(b *Block, pl plannedLayer, in int) (int, error) {
		l := pl.l
		name := pl.name
		if l.Name == "" && len(b.Kind.Branches) > 1 {
			name += a.Sep + "pool" // the unnamed pooling of a block's pool branch (Caffe's name)
		}
		out := tensor(name, 1, pl.h, pl.w, pl.outC)
		pr := graph.Params{Padding: graph.Explicit, Pads: []int{l.PH, l.PW, l.PH + pl.extraH, l.PW + pl.extraW},
			StrideH: max(l.Stride, 1), StrideW: max(l.Stride, 1), FilterH: l.KH, FilterW: l.KW}
		switch l.Kind {
		case Conv:
			c, err := a.loadConv(p, pl)
			if err != nil {
				return 0, err
			}
			k := c.KH * c.KW * c.InC
			w := constant(pl.name+".weight", transpose(c.Weight, k, c.OutC), c.OutC, c.KH, c.KW, c.InC)
			b := constant(pl.name+".bias", c.Bias, c.OutC)
			pr.FilterH, pr.FilterW, pr.Activation = 0, 0, graph.ReLU
			add(graph.Conv2D, pr, out, in, w, b)
		case MaxPool:
			add(graph.MaxPool2D, pr, out, in)
		case AvgPool:
			pr.CountPadding = true
			add(graph.AveragePool2D, pr, out, in)
		case LRN:
			add(graph.LRN, graph.Params{Size: a.LRN.Size, Alpha: a.LRN.Alpha, Beta: a.LRN.Beta,
				Bias: a.LRN.K}, out, in)
		}
		return out, nil
	}
	for _, ps := range a.plan() {
		var leaves []int
		var h, w, c int
		for _, pb := range ps.branches {
			y := x
			var err error
			for _, pl := range pb.stem {
				if y, err = layer(ps.b, pl, y); err != nil {
					return nil, nil, err
				}
			}
			for _, pl := range pb.leaves {
				leaf, err := layer(ps.b, pl, y)
				if err != nil {
					return nil, nil, err
				}
				leaves = append(leaves, leaf)
				h, w, c = pl.h, pl.w, c+pl.outC
			}
		}
		if len(leaves) == 1 {
			x = leaves[0]
			continue
		}
		x = tensor(ps.b.Name, 1, h, w, c)
		add(graph.Concatenation, graph.Params{Axis: 3}, x, leaves...)
	}
	if c := g.Tensors[x].Shape[3]; c != a.Features {
		return nil, nil, fmt.Errorf("%s: the last block has %d channels, the classifier takes %d", a.Name, c, a.Features)
	}
	pooled := tensor("pool", 1, a.Features)
	add(graph.Mean, graph.Params{Axes: []int{1, 2}}, pooled, x)
	classes := a.classes(cfg)
	fw, err := p.Float32(a.Classifier+".weight", []int{classes, a.Features})
	if err != nil {
		return nil, nil, err
	}
	fb, err := p.Float32(a.Classifier+".bias", []int{classes})
	if err != nil {
		return nil, nil, err
	}
	logits := tensor("logits", 1, classes)
	add(graph.FullyConnected, graph.Params{}, logits,
		pooled, constant(a.Classifier+".weight", fw, classes, a.Features), constant(a.Classifier+".bias", fb, classes))
	probs := tensor("probs", 1, classes)
	add(graph.Softmax, graph.Params{Beta: 1}, probs, logits)
	g.Outputs = []int{probs}
	return g, consts, nil
}

// transpose turns [rows][cols] into [cols][rows] (HWIO filters into OHWI).
func transpose(v []float32, rows, cols int) []float32 {
	out := make([]float32, len(v))
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out[c*rows+r] = v[r*cols+c]
		}
	}
	return out
}

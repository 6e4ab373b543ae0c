package model

import (
	"bytes"
	"fmt"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/float"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
)

// buildQuant compiles an integer graph (TFLite semantics) for b whose input is raw RGB pixels.
func buildQuant(name string, mf *weights.Model, b Backend) (*Model, error) {
	g, consts, err := quantGraph(name, mf)
	if err != nil {
		return nil, err
	}
	taps, hasTaps := findClassifier(g)
	var keep []int
	if hasTaps {
		keep = []int{taps.fmap, taps.pooled}
	}
	logits := logitsOf(g)
	if logits >= 0 {
		keep = append(keep, logits)
	}
	prog, err := quant.Compile(g, consts, quant.Options{Kernels: b.Int8, Float: b.Float, Keep: keep})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	// The input is raw RGB pixels (TFLite's graphs) or the model's float preprocessing, which the graph's first
	// QUANTIZE reads (the Inception networks quantized by calibration).
	floatInput := g.Tensors[g.Inputs[0]].Type == graph.Float32
	if want := []int{1, s, s, 3}; !slices.Equal(prog.InputShape(), want) || (mf.Input.Normalize == "float") != floatInput {
		return nil, fmt.Errorf("%s: graph input %v (float %v), metadata says %v %s input", name, prog.InputShape(), floatInput, want, mf.Input.Normalize)
	}
	out := prog.OutputShape()
	classes := out[len(out)-1]
	rgb := make([]byte, s*s*3)
	x := make([]float32, s*s*3)
	probs := make([]float32, classes)
	m := &Model{meta: mf.Meta, classes: classes}
	input := mf.Input // not mf: the model file need not stay alive in every worker
	// A TFLite graph ends in its own softmax: its dequantized output is the probabilities.
	m.probs = func(rgba []byte) ([]float32, error) {
		var err error
		if floatInput {
			input.FloatInput(rgba, x)
			err = prog.RunFloat(x)
		} else {
			dropAlpha(rgb, rgba)
			err = prog.Run(rgb)
		}
		if err != nil {
			return nil, err
		}
		if logits, ok := prog.OutputFloat32(); ok {
			nn.Softmax(logits, probs)
			return probs, nil
		}
		data, typ, scale, zp := prog.Output()
		for i, q := range data {
			v := int32(q)
			if typ == graph.Int8 {
				v = int32(int8(q))
			}
			probs[i] = scale * float32(v-zp)
		}
		return probs, nil
	}
	m.scores = m.probs
	if g.Tensors[g.Outputs[0]].Type == graph.Float32 {
		// The graph ends in float32 logits (an Inception network quantized by calibration).
		m.scores = func(rgba []byte) ([]float32, error) {
			if _, err := m.probs(rgba); err != nil {
				return nil, err
			}
			v, _ := prog.OutputFloat32()
			return v, nil
		}
	} else if logits >= 0 {
		// Scores are the dequantized logits, as a float model's are.
		l := make([]float32, classes)
		m.scores = func(rgba []byte) ([]float32, error) {
			if _, err := m.probs(rgba); err != nil {
				return nil, err
			}
			return l, prog.Dequantize(logits, l)
		}
	}
	if hasTaps {
		if err := taps.attach(m, g, prog, consts); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return m, nil
}

// quantGraph is a model file's integer graph and its constants, read in place.
func quantGraph(name string, mf *weights.Model) (*graph.Graph, func(string) ([]byte, error), error) {
	g, err := readGraph(name, mf)
	if err != nil {
		return nil, nil, err
	}
	consts := func(cn string) ([]byte, error) {
		t, ok := mf.Tensor(cn)
		if !ok {
			return nil, fmt.Errorf("missing tensor %q", cn)
		}
		return t.Data, nil
	}
	return g, consts, nil
}

// openQuantPart builds one part of an int8-compute graph, whose input is the model's float preprocessing and
// whose output is float32 logits.
func (b Backend) openQuantPart(name string, mf *weights.Model, part, parts int) (*Part, error) {
	g, consts, err := quantGraph(name, mf)
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 || !isFloat(g, g.Inputs[0]) || !isFloat(g, g.Outputs[0]) {
		return nil, fmt.Errorf("%s: an int8-compute graph takes the float preprocessing and gives float32 logits", name)
	}
	qp, err := quant.CompilePart(g, consts, part, parts, quant.Options{Kernels: b.Int8, Float: b.Float})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	out := g.Tensors[g.Outputs[0]].Shape
	m := &Model{meta: mf.Meta, classes: out[len(out)-1]}
	input := make([]float32, s*s*3)
	logits := func() []float32 {
		qp.Finish()
		v, _ := qp.OutputFloat32()
		return v
	}
	return &Part{info: m.Info(), top: m.top, net: qp, input: input, begin: func() error { return qp.BeginFloat(input) },
		logits: logits, probs: make([]float32, m.classes)}, nil
}

func isFloat(g *graph.Graph, x int) bool {
	return x >= 0 && x < len(g.Tensors) && g.Tensors[x].Type == graph.Float32
}

// classifierTaps are the tensors of an integer graph's head: the last feature map, its global average, and the
// 1x1 convolution (or fully connected layer) that classifies it.
type classifierTaps struct {
	fmap, pooled, weight int
}

// dropAlpha writes the RGB bytes of rgba's pixels into rgb, byte by byte: a copy per pixel is a call each in
// wasm: 0.6-1 ms per 224x224 image in Node, 0.09 ms byte by byte.
func dropAlpha(rgb, rgba []byte) {
	for i, j := 0, 0; i+3 <= len(rgb) && j+3 <= len(rgba); i, j = i+3, j+4 {
		d, s := rgb[i:i+3:i+3], rgba[j:j+3:j+3]
		d[0], d[1], d[2] = s[0], s[1], s[2]
	}
}

// findClassifier finds the head MobileNetV2 has (AVERAGE_POOL_2D or MEAN over the whole map, then a 1x1
// CONV_2D) or the Inception networks' (MEAN, then FULLY_CONNECTED); graphs without one have no features or
// class activation maps.
func findClassifier(g *graph.Graph) (classifierTaps, bool) {
	for i := len(g.Ops) - 1; i > 0; i-- {
		op, prev := g.Ops[i], g.Ops[i-1]
		if (op.Op != graph.Conv2D && op.Op != graph.FullyConnected) || len(op.Inputs) < 2 ||
			(prev.Op != graph.AveragePool2D && prev.Op != graph.Mean) ||
			len(prev.Outputs) != 1 || prev.Outputs[0] != op.Inputs[0] || len(prev.Inputs) < 1 {
			continue
		}
		fmap, pooled, w := prev.Inputs[0], op.Inputs[0], op.Inputs[1]
		fs, ps, ws := g.Tensors[fmap].Shape, g.Tensors[pooled].Shape, g.Tensors[w].Shape
		if len(fs) != 4 || !g.Tensors[w].Const || ps[len(ps)-1] != fs[3] || ws[len(ws)-1] != fs[3] ||
			graph.NumElements(ps) != fs[3] || graph.NumElements(ws) != ws[0]*fs[3] {
			return classifierTaps{}, false
		}
		return classifierTaps{fmap, pooled, w}, true
	}
	return classifierTaps{}, false
}

// logitsOf is the input of the graph's final SOFTMAX, or -1.
func logitsOf(g *graph.Graph) int {
	if n := len(g.Ops); n > 0 && g.Ops[n-1].Op == graph.Softmax && len(g.Ops[n-1].Inputs) == 1 && g.Ops[n-1].Outputs[0] == g.Outputs[0] {
		return g.Ops[n-1].Inputs[0]
	}
	return -1
}

// attach gives m its features and class activation maps from the kept tensors and the dequantized classifier.
func (t classifierTaps) attach(m *Model, g *graph.Graph, prog *quant.Program, consts func(string) ([]byte, error)) error {
	wt := g.Tensors[t.weight]
	data, err := consts(wt.Name)
	if err != nil {
		return err
	}
	outC, inC := wt.Shape[0], wt.Shape[len(wt.Shape)-1]
	if len(data) != outC*inC || (wt.Type != graph.Uint8 && wt.Type != graph.Int8) || len(wt.Scale) == 0 ||
		(len(wt.Scale) != 1 && len(wt.Scale) != outC) || len(wt.ZeroPoint) != len(wt.Scale) {
		return fmt.Errorf("classifier weights %q: %s %v with %d scales", wt.Name, wt.Type, wt.Shape, len(wt.Scale))
	}
	// The classifier's int8/uint8 weights, copied so the model file need not stay alive; one class's row is
	// dequantized when its map is asked for, rather than all 1001 rows (5 MB of float32) in every worker.
	q := bytes.Clone(data)
	row := make([]float32, inC)
	dequantizeRow := func(o int) []float32 {
		k := min(o, len(wt.Scale)-1)
		for i := range row {
			v := int32(q[o*inC+i])
			if wt.Type == graph.Int8 {
				v = int32(int8(q[o*inC+i]))
			}
			row[i] = wt.Scale[k] * float32(v-wt.ZeroPoint[k])
		}
		return row
	}
	fs := g.Tensors[t.fmap].Shape
	fmap := nn.NewTensor(fs[1], fs[2], fs[3])
	features := make([]float32, inC)
	m.features = func() []float32 {
		if err := prog.Dequantize(t.pooled, features); err != nil {
			return nil
		}
		return features
	}
	m.cam = func(index int) CAM {
		if err := prog.Dequantize(t.fmap, fmap.Data); err != nil {
			return CAM{}
		}
		return camOf(fmap, dequantizeRow(index))
	}
	return nil
}

// pixelValues is how a float graph file's input takes pixels: the real values its input's quantization gives
// them (the graph came from an integer model that took raw pixels), RGBA in, RGB out.
func pixelValues(name string, g *graph.Graph) (func(dst []float32, rgba []byte), error) {
	in := g.Tensors[g.Inputs[0]]
	if len(in.Scale) != 1 || len(in.ZeroPoint) != 1 {
		return nil, fmt.Errorf("%s: the graph's input does not say how pixels map to values", name)
	}
	scale, zp := in.Scale[0], float32(in.ZeroPoint[0])
	return func(dst []float32, rgba []byte) {
		for i := 0; i < len(dst)/3; i++ {
			for c := 0; c < 3; c++ {
				dst[i*3+c] = scale * (float32(rgba[i*4+c]) - zp)
			}
		}
	}, nil
}

// buildFloatGraph compiles a float graph (nn/float) for the kernel set k; pixels map to the input's real values
// through the input's own quantization, as in the integer model it came from.
func buildFloatGraph(name string, mf *weights.Model, k nn.KernelSet) (*Model, error) {
	g, err := readGraph(name, mf)
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) != 1 || g.Inputs[0] < 0 || g.Inputs[0] >= len(g.Tensors) {
		return nil, fmt.Errorf("%s: the graph needs one input", name)
	}
	fill, err := pixelValues(name, g)
	if err != nil {
		return nil, err
	}
	prog, err := float.Compile(g, mf.Float32, k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	x := prog.Input()
	if x.H != s || x.W != s || x.C != 3 || mf.Input.Normalize != "pixels" {
		return nil, fmt.Errorf("%s: graph input %s, metadata says %dx%d raw pixels", name, x.Shape(), s, s)
	}
	m := &Model{meta: mf.Meta, classes: g.Tensors[g.Outputs[0]].Elements()}
	m.probs = func(rgba []byte) ([]float32, error) {
		fill(x.Data, rgba)
		return prog.Run(), nil
	}
	m.scores = func(rgba []byte) ([]float32, error) {
		if _, err := m.probs(rgba); err != nil {
			return nil, err
		}
		return prog.Logits(), nil
	}
	return m, nil
}

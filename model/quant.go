package model

import (
	"encoding/json"
	"fmt"
	"slices"

	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
)

// buildQuant compiles an integer graph (TFLite semantics) whose input is raw RGB pixels.
func buildQuant(name string, mf *weights.Model) (*Model, error) {
	var g quant.Graph
	if err := json.Unmarshal(mf.Config, &g); err != nil {
		return nil, fmt.Errorf("%s: bad graph: %w", name, err)
	}
	prog, err := quant.Compile(&g, func(cn string) ([]byte, error) {
		t, ok := mf.Tensor(cn)
		if !ok {
			return nil, fmt.Errorf("missing tensor %q", cn)
		}
		return t.Data, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	if want := []int{1, s, s, 3}; !slices.Equal(prog.InputShape(), want) || mf.Input.Normalize != "pixels" {
		return nil, fmt.Errorf("%s: graph input %v (%s), metadata says %v raw pixels", name, prog.InputShape(), mf.Input.Normalize, want)
	}
	out := prog.OutputShape()
	classes := out[len(out)-1]
	rgb := make([]byte, s*s*3)
	probs := make([]float32, classes)
	m := &Model{meta: mf.Meta, classes: classes}
	// The graph ends in its own softmax: its dequantized output is the probabilities.
	m.probs = func(rgba []byte) ([]float32, error) {
		for i := 0; i < s*s; i++ {
			copy(rgb[i*3:i*3+3], rgba[i*4:i*4+3])
		}
		if err := prog.Run(rgb); err != nil {
			return nil, err
		}
		data, typ, scale, zp := prog.Output()
		for i, q := range data {
			v := int32(q)
			if typ == quant.Int8 {
				v = int32(int8(q))
			}
			probs[i] = scale * float32(v-zp)
		}
		return probs, nil
	}
	m.scores = m.probs
	return m, nil
}

// buildFloatGraph compiles a float graph (nn/graph); pixels map to the input's real values through the
// input's own quantization, as in the integer model it came from.
func buildFloatGraph(name string, mf *weights.Model) (*Model, error) {
	var g quant.Graph
	if err := json.Unmarshal(mf.Config, &g); err != nil {
		return nil, fmt.Errorf("%s: bad graph: %w", name, err)
	}
	if len(g.Inputs) != 1 || g.Inputs[0] < 0 || g.Inputs[0] >= len(g.Tensors) {
		return nil, fmt.Errorf("%s: the graph needs one input", name)
	}
	in := g.Tensors[g.Inputs[0]]
	if len(in.Scale) != 1 || len(in.ZeroPoint) != 1 {
		return nil, fmt.Errorf("%s: the graph's input does not say how pixels map to values", name)
	}
	prog, err := graph.Compile(&g, mf.Float32)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s := mf.Input.Size
	x := prog.Input()
	if x.H != s || x.W != s || x.C != 3 || mf.Input.Normalize != "pixels" {
		return nil, fmt.Errorf("%s: graph input %s, metadata says %dx%d raw pixels", name, x.Shape(), s, s)
	}
	scale, zp := in.Scale[0], float32(in.ZeroPoint[0])
	out := prog.Run()
	m := &Model{meta: mf.Meta, classes: len(out)}
	m.probs = func(rgba []byte) ([]float32, error) {
		for i := 0; i < s*s; i++ {
			for c := 0; c < 3; c++ {
				x.Data[i*3+c] = scale * (float32(rgba[i*4+c]) - zp)
			}
		}
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

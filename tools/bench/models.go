package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"inceptionweb/model"
	"inceptionweb/nn/imagenet"
)

// indexEntry is what the bench reads of an index.json entry (weights.IndexEntry, and compute, which model files
// that compute in int8 carry; absent means float32).
type indexEntry struct {
	Name    string `json:"name"`
	File    string `json:"file"`
	Compute string `json:"compute"`
}

// parseModels splits a list of models (the flag name's value): names separated by commas or spaces, each once,
// in order.
func parseModels(flagName, s string) ([]string, error) {
	var names []string
	seen := map[string]bool{}
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if familyOf(n) == nil {
			var known []string
			for _, f := range families {
				known = append(known, f.Name+"[_...]")
			}
			return nil, fmt.Errorf("%s: %q is no network the bench knows (%s)", flagName, n, strings.Join(known, ", "))
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s names no model", flagName)
	}
	return names, nil
}

// webgpuSkipped says why a model asked for on WebGPU gets no WebGPU rows (see onWebGPU): it is not measured at
// all, or not float. A model that is missing is already skipped with its reason.
func webgpuSkipped(names []string, models []benchModel) []string {
	var lines []string
	for _, n := range names {
		i := slices.IndexFunc(models, func(m benchModel) bool { return m.Name == n })
		switch {
		case i < 0:
			lines = append(lines, fmt.Sprintf("%s on WebGPU: skipped, not among -models", n))
		case models[i].Missing == "" && models[i].Compute != computeFloat:
			lines = append(lines, fmt.Sprintf("%s on WebGPU: skipped, %s compute (WebGPU runs float models)", n, models[i].Compute))
		}
	}
	return lines
}

// findModels looks each model up in its family's index. A model the index does not list, or whose file is
// missing, is kept with Missing saying why: it is skipped, not an error. Compute comes from the index.
func findModels(names []string) []benchModel {
	indexes := map[string][]indexEntry{}
	errs := map[string]error{}
	var out []benchModel
	for _, name := range names {
		f := familyOf(name)
		m := benchModel{Name: name, Family: f.Name, Entry: f.Entry(name)}
		if _, ok := indexes[f.Index]; !ok && errs[f.Index] == nil {
			indexes[f.Index], errs[f.Index] = readIndex(f.Index)
		}
		m.Missing = "not in " + f.Index
		if errs[f.Index] != nil {
			m.Missing = errs[f.Index].Error()
		}
		for _, e := range indexes[f.Index] {
			if e.Name != m.Entry {
				continue
			}
			m.Path = filepath.Join(filepath.Dir(f.Index), e.File)
			m.Compute = e.Compute
			m.Missing = ""
			if _, err := os.Stat(m.Path); err != nil {
				m.Missing = fmt.Sprintf("%s lists %s, but %v", f.Index, e.Name, err)
			}
		}
		if m.Missing != "" && m.Entry != name {
			m.Missing = fmt.Sprintf("%s (as %s)", m.Missing, m.Entry)
		}
		out = append(out, m)
	}
	return out
}

func readIndex(path string) ([]indexEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var es []indexEntry
	if err := json.Unmarshal(data, &es); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return es, nil
}

// native is what our engine gives natively (pure Go) for a model on the bench's test image: what the browser
// rows are checked against.
type native struct {
	Input  imagenet.Preprocess
	Quant  string    // the file's weight encoding (model.Info's Quantization)
	Logits []float64 // model.Scores
	Probs  []float64 // the probability of every output (model.ClassifyRGBA), by output index
}

// openModel opens a present model natively, fills in its input size, compute and whether it splits, and runs
// it once on the test image.
func openModel(m *benchModel) (native, error) {
	var n native
	data, err := os.ReadFile(m.Path)
	if err != nil {
		return n, err
	}
	mod, err := model.Open(m.Path, data)
	if err != nil {
		return n, err
	}
	info := mod.Info()
	n.Input, n.Quant = info.Input, info.Quantization
	m.Size = info.Input.Size
	m.Compute = info.Compute // the file says (weights.Meta.Compute); index.json repeats it
	m.Split = mod.CanSplit()
	pix := testImage(m.Size)
	s, err := mod.Scores(pix, m.Size)
	if err != nil {
		return n, fmt.Errorf("%s: %v", m.Path, err)
	}
	for _, v := range s {
		n.Logits = append(n.Logits, float64(v))
	}
	preds, err := mod.ClassifyRGBA(pix, m.Size, 0)
	if err != nil {
		return n, fmt.Errorf("%s: %v", m.Path, err)
	}
	n.Probs = make([]float64, len(n.Logits))
	for _, p := range preds {
		if p.Index >= 0 && p.Index < len(n.Probs) {
			n.Probs[p.Index] = float64(p.Prob)
		}
	}
	return n, nil
}

// nchwInput is the network's float input for size x size RGBA pixels, as our engine makes it (the model file's
// own preprocessing), in PyTorch's NCHW layout: what PyTorch and onnxruntime-web get.
func nchwInput(p imagenet.Preprocess, rgba []byte) []float32 {
	hw := p.Size * p.Size
	nhwc := make([]float32, hw*3)
	p.FloatInput(rgba, nhwc)
	out := make([]float32, len(nhwc))
	for i := 0; i < hw; i++ {
		for c := 0; c < 3; c++ {
			out[c*hw+i] = nhwc[i*3+c]
		}
	}
	return out
}

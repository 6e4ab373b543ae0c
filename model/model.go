// Package model opens a model file and classifies pixels with it: the one API that the page's inference worker
// and the command line classifier share.
package model

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/inception"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/nn/quant"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
	"inceptionweb/weights/torch"
)

// Info describes an opened model.
type Info struct {
	Name         string              `json:"name"`
	Title        string              `json:"title"`
	Input        imagenet.Preprocess `json:"input"` // how an image becomes the network's input
	Classes      int                 `json:"classes"`
	Quantization string              `json:"quantization"`
	Compute      string              `json:"compute"` // "int8" (an integer graph, nn/quant) or "float32"
}

// Fields is i as the JSON object encoding/json makes of it (see imagenet.Preprocess.Fields): the page's worker
// sends it to the page without running encoding/json's encoder.
func (i Info) Fields() map[string]any {
	return map[string]any{"name": i.Name, "title": i.Title, "input": i.Input.Fields(), "classes": i.Classes,
		"quantization": i.Quantization, "compute": i.Compute}
}

// Prediction is one class and its probability.
type Prediction struct {
	Index int     `json:"index"` // in the model's output (TF-slim's background class shifts it by one)
	Class int     `json:"class"` // the ImageNet class, 0..999 in sorted-WNID order
	WNID  string  `json:"wnid"`  // the class's WordNet ID, e.g. "n02097047"
	Label string  `json:"label"` // the class's first synonym
	Prob  float32 `json:"prob"`
}

// Model is a ready network. It is not safe for concurrent use: a worker owns one.
type Model struct {
	meta   weights.Meta
	scores func(rgba []byte) ([]float32, error) // logits, or what the network has before its softmax
	probs  func(rgba []byte) ([]float32, error)
	logits func(nchw []float32) ([]float32, error) // float models: raw input tensor to logits
	// features are the pooled features of the last classification and cam its class activation maps (nil
	// where the network does not expose them).
	features func() []float32
	cam      func(index int) CAM
	classes  int
	close    func() // releases a GPU program
}

// CAM is a class activation map: how much each position of the network's last feature map adds to one class's
// score (the class's classifier weights against the features at that position, before the global average
// pool). Every network here ends in a global average pool and a linear classifier, so the map is exact: its
// mean plus the class's bias is the class's logit.
type CAM struct {
	H, W   int
	Values []float32 // H*W, row by row, over the model's input crop
}

// Features returns the pooled features the classifier read in the last classification (1024 for GoogLeNet,
// 2048 for InceptionV3, 1280 for MobileNetV2), or nil; valid until the next classification.
func (m *Model) Features() []float32 {
	if m.features == nil {
		return nil
	}
	return m.features()
}

// ClassCAM returns the class activation map of an output index for the last classification.
func (m *Model) ClassCAM(index int) (CAM, error) {
	if m.cam == nil {
		return CAM{}, errors.New("this model has no class activation maps")
	}
	if index < 0 || index >= m.classes {
		return CAM{}, fmt.Errorf("class index %d out of range [0, %d)", index, m.classes)
	}
	return m.cam(index), nil
}

// Backend is the kernel sets a model is built for: its layers are prepared for them when it is opened and run
// with them from then on. The zero value is the pure-Go kernels; the page's worker passes the SIMD sets of
// wasm/simd when the browser has them.
type Backend struct {
	Float nn.KernelSet    // float32 convolution, pooling and LRN
	Int8  quant.KernelSet // the integer graphs' kernels
}

// Open builds a model from a file with the pure-Go kernels: a model file of this product (see package weights),
// or torchvision InceptionV3 weights as people have them (a torch.save state_dict, zip or legacy, or
// safetensors with the same names).
func Open(name string, data []byte) (*Model, error) { return Backend{}.open(name, data, false) }

// Open is the package's Open for the kernel sets of b.
func (b Backend) Open(name string, data []byte) (*Model, error) { return b.open(name, data, false) }

// OpenForLogits opens a float model for LogitsNCHW: the input reaches the first convolution unchanged, so
// transform_input is off whatever the weights ask for.
func OpenForLogits(name string, data []byte) (*Model, error) { return Backend{}.open(name, data, true) }

// Build builds the network of a model file already read (weights.Read or ReadVerified). The page's workers
// read the file themselves (they look at it before they choose the CPU or the GPU) and build it with Build:
// a program that opens nothing but model files does not link the readers of PyTorch's formats.
func (b Backend) Build(name string, mf *weights.Model) (*Model, error) {
	return b.build(name, mf.Meta, mf, false)
}

// openModelFile opens a model file read by read (weights.Read, or ReadVerified for bytes already verified).
func (b Backend) openModelFile(name string, data []byte, read func(string, []byte) (*weights.Model, error), rawInput bool) (*Model, error) {
	if !weights.IsModelFile(data) {
		return nil, fmt.Errorf("%s: %w", name, weights.ErrNotModel)
	}
	m, err := read(name, data)
	if err != nil {
		return nil, err
	}
	return b.build(name, m.Meta, m, rawInput)
}

func (b Backend) open(name string, data []byte, rawInput bool) (*Model, error) {
	if weights.IsModelFile(data) {
		return b.openModelFile(name, data, weights.Read, rawInput)
	}
	tensors, err := ReadStateDict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b.build(name, TorchvisionMeta(name), TensorParams(tensors), rawInput)
}

// ReadStateDict reads named tensors from a safetensors file or a PyTorch state_dict (zip or legacy format).
func ReadStateDict(data []byte) ([]safetensors.Tensor, error) {
	f, err := safetensors.Read(data)
	if err == nil {
		return f.Tensors, nil
	}
	if looksLikeSafetensors(data) {
		return nil, err // the safetensors reader says best what is wrong
	}
	t, err := torch.ReadStateDict(data)
	if err != nil {
		return nil, fmt.Errorf("neither a model file, a safetensors file nor a PyTorch state_dict: %w", err)
	}
	return t, nil
}

// looksLikeSafetensors reports whether data starts as a safetensors file does: a little-endian header length
// within the file, then a JSON object.
func looksLikeSafetensors(data []byte) bool {
	return len(data) > 9 && binary.LittleEndian.Uint64(data) < uint64(len(data)) && data[8] == '{'
}

// InceptionConfig is the metadata config of an inception_v3 model file.
type InceptionConfig struct {
	TransformInput bool `json:"transform_input"`
	Classes        int  `json:"classes"`
}

// TorchvisionMeta describes torchvision's inception_v3 weights: 299x299, resize 342 and crop 299, ImageNet
// normalisation, and transform_input, which torchvision turns on for Google's weights.
func TorchvisionMeta(name string) weights.Meta {
	cfg, _ := json.Marshal(InceptionConfig{TransformInput: true, Classes: inceptionv3.Classes})
	return weights.Meta{
		Format: weights.Format, Name: "inception_v3", Title: "InceptionV3 (" + name + ")",
		Architecture: weights.InceptionV3, Config: cfg,
		Input:  imagenet.Torchvision(inceptionv3.InputSize, imagenet.InceptionCrop),
		Labels: imagenet.Labels, Quantization: "float32",
	}
}

func (b Backend) build(name string, meta weights.Meta, p inception.Params, rawInput bool) (*Model, error) {
	switch meta.Architecture {
	case weights.InceptionV3, weights.GoogLeNet:
		arch, cfg, err := netConfig(name, meta, rawInput, inception.Split{})
		if err != nil {
			return nil, err
		}
		cfg.Kernels = b.Float
		return buildNet(name, meta, arch, p, cfg)
	case weights.QuantGraph, weights.FloatGraph:
		mf, ok := p.(*weights.Model)
		if !ok {
			return nil, fmt.Errorf("%s: a graph needs a model file", name)
		}
		if meta.Architecture == weights.FloatGraph {
			return buildFloatGraph(name, mf, b.Float)
		}
		return buildQuant(name, mf, b)
	}
	return nil, fmt.Errorf("%s: unknown architecture %q", name, meta.Architecture)
}

// netConfig is the table and the build settings of a network made of inception blocks.
func netConfig(name string, meta weights.Meta, rawInput bool, split inception.Split) (*inception.Arch, inception.Config, error) {
	var arch *inception.Arch
	var cfg inception.Config
	switch meta.Architecture {
	case weights.InceptionV3:
		ic, err := decodeInceptionConfig(name, meta.Config)
		if err != nil {
			return nil, cfg, err
		}
		arch = inceptionv3.Arch
		cfg = inceptionv3.Config{TransformInput: ic.TransformInput && !rawInput, Classes: ic.Classes, Split: split}.Inception()
	case weights.GoogLeNet:
		arch, cfg = googlenet.Arch, googlenet.Config{Split: split}
	default:
		return nil, cfg, fmt.Errorf("%s: %s is not made of inception blocks", name, meta.Architecture)
	}
	if meta.Input.Size != arch.InputSize || meta.Input.Normalize != "float" {
		return nil, cfg, fmt.Errorf("%s: %s wants %d px float input, the file says %d px %q",
			name, arch.Name, arch.InputSize, meta.Input.Size, meta.Input.Normalize)
	}
	return arch, cfg, nil
}

func buildNet(name string, meta weights.Meta, arch *inception.Arch, p inception.Params, cfg inception.Config) (*Model, error) {
	net, err := inception.New(arch, p, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Model{meta: meta, classes: arch.Classes}
	if cfg.Classes != 0 {
		m.classes = cfg.Classes
	}
	in := net.Input()
	probs := make([]float32, m.classes)
	m.scores = func(rgba []byte) ([]float32, error) {
		meta.Input.FloatInput(rgba, in.Data)
		return net.Forward(nil), nil
	}
	m.probs = func(rgba []byte) ([]float32, error) {
		l, err := m.scores(rgba)
		if err != nil {
			return nil, err
		}
		nn.Softmax(l, probs)
		return probs, nil
	}
	m.logits = func(nchw []float32) ([]float32, error) {
		in.FromNCHW(nchw)
		return net.Forward(nil), nil
	}
	m.features = net.Features
	m.cam = func(index int) CAM {
		fc := net.Classifier()
		return camOf(net.FeatureMap(), fc.Weight[index*fc.In:(index+1)*fc.In])
	}
	return m, nil
}

// camOf weighs each position's features of fmap by w (one class's classifier weights).
func camOf(fmap *nn.Tensor, w []float32) CAM {
	c := CAM{H: fmap.H, W: fmap.W, Values: make([]float32, fmap.H*fmap.W)}
	for p := range c.Values {
		var s float32
		for k, v := range fmap.Data[p*fmap.C : (p+1)*fmap.C] {
			s += v * w[k]
		}
		c.Values[p] = s
	}
	return c
}

// Info describes the model.
func (m *Model) Info() Info {
	return Info{Name: m.meta.Name, Title: m.meta.Title, Input: m.meta.Input, Classes: m.classes,
		Quantization: m.meta.Quantization, Compute: m.meta.Compute()}
}

// ClassifyRGBA classifies size x size RGBA pixels that are already the model's crop at its input size, and
// returns the topK classes, most probable first (topK <= 0, or more than the classes, means all of them).
func (m *Model) ClassifyRGBA(pix []byte, size, topK int) ([]Prediction, error) {
	if err := m.checkPixels(pix, size); err != nil {
		return nil, err
	}
	probs, err := m.probs(pix)
	if err != nil {
		return nil, err
	}
	return m.top(probs, topK), nil
}

// Scores returns the logits for size x size RGBA pixels (for quantized graphs, the dequantized input of the
// final softmax), valid until the next call. Comparing two encodings of a model's weights uses them.
func (m *Model) Scores(pix []byte, size int) ([]float32, error) {
	if err := m.checkPixels(pix, size); err != nil {
		return nil, err
	}
	return m.scores(pix)
}

func (m *Model) checkPixels(pix []byte, size int) error {
	if size != m.meta.Input.Size || len(pix) != size*size*4 {
		return fmt.Errorf("the model takes %dx%d RGBA pixels, got %d bytes for size %d", m.meta.Input.Size, m.meta.Input.Size, len(pix), size)
	}
	return nil
}

// ClassifyImage crops and resizes img as the model expects, then classifies it.
func (m *Model) ClassifyImage(img image.Image, topK int) ([]Prediction, error) {
	s := m.meta.Input.Size
	return m.ClassifyRGBA(m.meta.Input.CropResize(img), s, topK)
}

// LogitsNCHW runs one already preprocessed NCHW image through a float model, unchanged, and returns its logits
// (valid until the next call).
func (m *Model) LogitsNCHW(x []float32) ([]float32, error) {
	if m.logits == nil {
		return nil, errors.New("raw logits are only available for float models")
	}
	if s := m.meta.Input.Size; len(x) != 3*s*s {
		return nil, fmt.Errorf("input has %d values, want 3x%dx%d", len(x), s, s)
	}
	return m.logits(x)
}

// top ranks the classes that have labels: outputs such as TF-slim's "background" are not answers. k <= 0, or
// more than there are classes, means every class (k comes from the command line and from worker messages).
func (m *Model) top(probs []float32, k int) []Prediction {
	idx := make([]int, 0, len(probs))
	for i := range probs {
		if j := i - m.meta.LabelOffset; j >= 0 && j < len(m.meta.Labels) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case probs[a] > probs[b]:
			return -1
		case probs[a] < probs[b]:
			return 1
		}
		return 0
	})
	if k <= 0 || k > len(idx) {
		k = len(idx)
	}
	out := make([]Prediction, k)
	for r, i := range idx[:k] {
		class := i - m.meta.LabelOffset
		out[r] = Prediction{Index: i, Class: class, Label: imagenet.ShortLabel(m.meta.Labels[class]), Prob: probs[i]}
		if len(m.meta.Labels) == imagenet.Classes {
			out[r].WNID = imagenet.WNIDs[class]
		}
	}
	return out
}

// TensorParams serves named tensors (a state_dict) as network parameters.
func TensorParams(ts []safetensors.Tensor) inception.Params {
	m := make(map[string]*safetensors.Tensor, len(ts))
	for i := range ts {
		m[ts[i].Name] = &ts[i]
	}
	return tensorMap(m)
}

type tensorMap map[string]*safetensors.Tensor

func (t tensorMap) Has(name string) bool { _, ok := t[name]; return ok }
func (t tensorMap) Float32(name string, shape []int) ([]float32, error) {
	return weights.Float32(func(n string) (*safetensors.Tensor, bool) { x, ok := t[n]; return x, ok }, name, shape)
}

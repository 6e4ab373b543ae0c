package model

import (
	"fmt"

	"inceptionweb/nn"
	"inceptionweb/nn/inception"
	"inceptionweb/weights"
)

// Part is one of several workers' share of a model made of inception blocks that classify one image together
// (see inception.Split, and quant.CompilePart for the int8-compute graphs). Every part is given the same
// pixels; all run Step(i), each sends Share(i) to the others and Receives theirs, then the next step; after
// the last, Predictions.
type Part struct {
	info   Info
	top    func([]float32, int) []Prediction
	net    splitNet
	input  []float32        // the preprocessed image
	begin  func() error     // takes input
	logits func() []float32 // after the last step
	probs  []float32
}

// splitNet is the part of a network that runs here, exchanging bytes with the other parts after each step.
type splitNet interface {
	Steps() int
	Step(i int)
	ShareSize(i, part int) int
	Share(i int, dst []byte)
	Receive(i, part int, src []byte)
}

// floatNet is an inception.Net as a splitNet.
type floatNet struct{ *inception.Net }

func (n floatNet) Step(i int) { n.Net.Step(i) }

// CanSplit reports whether the model's network can be split across workers (see OpenPart).
func (m *Model) CanSplit() bool {
	switch m.meta.Architecture {
	case weights.InceptionV3, weights.GoogLeNet:
		return true
	case weights.QuantGraph:
		return m.meta.Quantization == Int8Compute
	}
	return false
}

// OpenPart builds part `part` of `parts` of a model file of InceptionV3 or GoogLeNet, in float or as an
// int8-compute graph, with the pure-Go kernels; it holds only that part's weights.
func OpenPart(name string, data []byte, part, parts int) (*Part, error) {
	return Backend{}.OpenPart(name, data, part, parts)
}

// OpenPart is the package's OpenPart for the kernel sets of b.
func (b Backend) OpenPart(name string, data []byte, part, parts int) (*Part, error) {
	mf, err := weights.Read(name, data)
	if err != nil {
		return nil, err
	}
	return b.openPart(name, mf, part, parts)
}

// BuildPart is OpenPart for a model file already read (see Build).
func (b Backend) BuildPart(name string, mf *weights.Model, part, parts int) (*Part, error) {
	return b.openPart(name, mf, part, parts)
}

func (b Backend) openPart(name string, mf *weights.Model, part, parts int) (*Part, error) {
	if mf.Architecture == weights.QuantGraph && mf.Quantization == Int8Compute {
		return b.openQuantPart(name, mf, part, parts)
	}
	arch, cfg, err := netConfig(name, mf.Meta, false, inception.Split{Part: part, Parts: parts})
	if err != nil {
		return nil, fmt.Errorf("%s: only networks of inception blocks can be split across workers: %w", name, err)
	}
	cfg.Kernels = b.Float
	net, err := inception.New(arch, mf, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Model{meta: mf.Meta, classes: arch.Classes}
	if cfg.Classes != 0 {
		m.classes = cfg.Classes
	}
	return &Part{info: m.Info(), top: m.top, net: floatNet{net}, input: net.Input().Data,
		begin: func() error { return nil }, logits: net.Logits, probs: make([]float32, m.classes)}, nil
}

// Info describes the model.
func (p *Part) Info() Info { return p.info }

// Begin takes the image: size x size RGBA pixels of the model's crop.
func (p *Part) Begin(pix []byte, size int) error {
	if size != p.info.Input.Size || len(pix) != size*size*4 {
		return fmt.Errorf("the model takes %dx%d RGBA pixels, got %d bytes for size %d", p.info.Input.Size, p.info.Input.Size, len(pix), size)
	}
	p.info.Input.FloatInput(pix, p.input)
	return p.begin()
}

// Steps is the number of steps, each followed by an exchange.
func (p *Part) Steps() int { return p.net.Steps() }

// Step runs this part's share of step i.
func (p *Part) Step(i int) { p.net.Step(i) }

// ShareSize is the number of bytes part `from` computes in step i.
func (p *Part) ShareSize(i, from int) int { return p.net.ShareSize(i, from) }

// Share copies this part's results of step i into dst.
func (p *Part) Share(i int, dst []byte) { p.net.Share(i, dst) }

// Receive takes part `from`'s results of step i.
func (p *Part) Receive(i, from int, src []byte) { p.net.Receive(i, from, src) }

// Predictions finishes the image after the last step and returns its topK classes.
func (p *Part) Predictions(topK int) []Prediction {
	nn.Softmax(p.logits(), p.probs)
	return p.top(p.probs, topK)
}

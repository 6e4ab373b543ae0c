//go:build js && wasm

package worker

import (
	"syscall/js"
	"time"

	"inceptionweb/model"
	"inceptionweb/nn"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// stages times the stages of a model load, for the page's start-up breakdown (?debug=timing): each done(name)
// records the time since the previous one, in milliseconds.
type stages struct {
	detail bool // also time the model's digest on its own (it is then computed twice)
	last   time.Time
	ms     map[string]any
}

func newStages(detail bool) *stages {
	return &stages{detail: detail, last: time.Now(), ms: map[string]any{}}
}

func (s *stages) done(name string) {
	now := time.Now()
	s.ms[name] = float64(now.Sub(s.last).Microseconds()) / 1000
	s.last = now
}

func (s *stages) js() js.Value { return js.ValueOf(s.ms) }

// read reads the model file, timed as "read": the file's parsing and, unless verified, its digest (see
// weights.ReadVerified). With detail, the digest is also computed on its own first to say what it costs.
func (s *stages) read(name string, data []byte, verified bool) (*weights.Model, error) {
	if !weights.IsModelFile(data) {
		return nil, weights.ErrNotModel
	}
	if s.detail {
		if f, err := safetensors.Read(data); err == nil {
			s.done("before-digest")
			weights.Digest([]byte(f.Metadata["inceptionweb"]), f.Tensors)
			s.done("digest (measured apart)")
		}
	}
	read := weights.Read
	if verified {
		read = weights.ReadVerified
	}
	mf, err := read(name, data)
	s.done("read")
	return mf, err
}

// build builds the model for b, timed as "build", and inside it the kernel set's preparation of the
// convolution weights ("pack (in build)").
func (s *stages) build(b model.Backend, name string, mf *weights.Model) (*model.Model, error) {
	var pack time.Duration
	if prepare := b.Float.Prepare; prepare != nil {
		b.Float.Prepare = func(c *nn.Conv) {
			t := time.Now()
			prepare(c)
			pack += time.Since(t)
		}
	}
	m, err := b.Build(name, mf)
	s.done("build")
	s.ms["pack (in build)"] = float64(pack.Microseconds()) / 1000
	return m, err
}

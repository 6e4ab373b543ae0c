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

// open opens the model for b, timing the file's parsing and digest ("read"), the building of the network
// ("build") and, inside it, the kernel set's preparation of the convolution weights ("pack"). verified skips
// the digest (model.Backend.OpenVerified).
func (s *stages) open(b model.Backend, name string, data []byte, verified bool) (*model.Model, error) {
	if s.detail {
		if f, err := safetensors.Read(data); err == nil {
			s.done("before-digest")
			weights.Digest([]byte(f.Metadata["inceptionweb"]), f.Tensors)
			s.done("digest (measured apart)")
		}
	}
	var pack time.Duration
	if prepare := b.Float.Prepare; prepare != nil {
		b.Float.Prepare = func(c *nn.Conv) {
			t := time.Now()
			prepare(c)
			pack += time.Since(t)
		}
	}
	var m *model.Model
	var err error
	if verified {
		m, err = b.OpenVerified(name, data)
	} else {
		m, err = b.OpenModelFile(name, data)
	}
	s.done("open")
	s.ms["pack (in open)"] = float64(pack.Microseconds()) / 1000
	return m, err
}

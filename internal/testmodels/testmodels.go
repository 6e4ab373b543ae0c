// Package testmodels converts the real models of the reference mirror (../shared) for tests, as `make weights`
// does, without depending on the build's outputs.
package testmodels

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/model"
	"inceptionweb/weights"
)

var googlenet struct {
	once sync.Once
	data []byte
	err  error
}

// GoogLeNet is BVLC GoogLeNet as a float32 model file, converted once per test binary.
func GoogLeNet(t testing.TB) []byte {
	t.Helper()
	dir := filepath.Join(testenv.Shared(t), "weights-source", "inception_v1", "caffejs-bvlc_googlenet")
	googlenet.once.Do(func() {
		synsets, err := os.ReadFile(filepath.Join(dir, "data", "ilsvrc12", "synset_words.txt"))
		if err != nil {
			googlenet.err = err
			return
		}
		files := func(p string) ([]byte, error) {
			return os.ReadFile(filepath.Join(dir, "models", "bvlc_googlenet", "weights", p))
		}
		googlenet.data, googlenet.err = model.FromCaffeJS(weights.Meta{Name: "googlenet", Title: "GoogLeNet"}, files, synsets)
	})
	if googlenet.err != nil {
		t.Fatal(googlenet.err)
	}
	return googlenet.data
}

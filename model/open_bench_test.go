package model

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"inceptionweb/internal/testenv"
)

// builtModels reads the integer model files of build/models (make weights), skipping when they are missing.
func builtModels(tb testing.TB) map[string][]byte {
	tb.Helper()
	files := map[string][]byte{}
	for _, name := range []string{"mobilenet_v2_uint8", "mobilenet_v2_int8", "googlenet_int8"} {
		data, err := os.ReadFile(filepath.Join(testenv.Root(tb), "build", "models", name+".safetensors"))
		if err != nil {
			tb.Skipf("no built models (make weights): %v", err)
		}
		files[name] = data
	}
	return files
}

// BenchmarkOpen is what a worker pays to open a model the page has verified: reading the file and compiling
// its integer program.
func BenchmarkOpen(b *testing.B) {
	files := builtModels(b)
	for _, name := range []string{"mobilenet_v2_uint8", "mobilenet_v2_int8", "googlenet_int8"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := OpenVerified(name, files[name]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFirstOpen logs how long the first open of each built model takes (what the page's first worker pays,
// its code not yet warm): run one model alone in a fresh process, -run FirstOpen/googlenet_int8.
func TestFirstOpen(t *testing.T) {
	files := builtModels(t)
	for _, name := range []string{"mobilenet_v2_uint8", "mobilenet_v2_int8", "googlenet_int8"} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			if _, err := OpenVerified(name, files[name]); err != nil {
				t.Fatal(err)
			}
			t.Logf("first open %v", time.Since(start))
		})
	}
}

package npy

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that Read never panics and that an array it accepts has
// exactly the bytes its shape needs.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.npy"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(data)
		if err != nil {
			return
		}
		if _, err := a.Float32(); err != nil {
			t.Fatal(err)
		}
	})
}

package weights

import (
	"testing"

	"inceptionweb/weights/safetensors"
)

// FuzzRead checks that the model file reader never panics, and that what it accepts is consistent.
func FuzzRead(f *testing.F) {
	f.Add(testFile(f))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read("fuzz", data)
		if err != nil {
			if m != nil {
				t.Fatal("a model with an error")
			}
			return
		}
		for _, tt := range m.Tensors() {
			if len(tt.Data) != tt.NumElements()*safetensors.DTypeSize(tt.DType) {
				t.Fatalf("tensor %q: %d bytes for %s %v", tt.Name, len(tt.Data), tt.DType, tt.Shape)
			}
		}
	})
}

package safetensors

import (
	"bytes"
	"testing"
)

// FuzzRead checks that Read never panics and that whatever it accepts is
// consistent: each tensor's data matches its shape, and writing the file
// back gives a file that reads the same.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, map[string]string{"k": "v"}, sampleTensors()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(build(`{}`, nil))
	f.Add(build(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}))
	f.Add(build(`{"a":{"dtype":"F32","shape":[2,0],"data_offsets":[0,0]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}`, []byte{1, 2}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data)
		if err != nil {
			return
		}
		for i := range file.Tensors {
			tt := &file.Tensors[i]
			if len(tt.Data) != tt.NumElements()*DTypeSize(tt.DType) {
				t.Fatalf("tensor %q: %d bytes for shape %v", tt.Name, len(tt.Data), tt.Shape)
			}
			if _, err := tt.Float32(); err != nil {
				t.Fatal(err)
			}
		}
		var out bytes.Buffer
		if err := Write(&out, file.Metadata, file.Tensors); err != nil {
			return // e.g. names that are not valid UTF-8
		}
		back, err := Read(out.Bytes())
		if err != nil {
			t.Fatalf("re-reading a written file: %v", err)
		}
		if len(back.Tensors) != len(file.Tensors) {
			t.Fatalf("re-read %d tensors, want %d", len(back.Tensors), len(file.Tensors))
		}
	})
}

package tflite

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that no input makes Read panic. Seeds are truncations of
// the real MobileNetV2 file.
func FuzzRead(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x08\x00\x00\x00TFL3"))
	data := readSource(f)
	for _, n := range []int{8, 16, 64, 200, 1000, 5000, len(data) / 2, len(data) - 1} {
		f.Add(data[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Read(data)
		if err == nil {
			FromTFLite(m)
		}
	})
}

// readSource reads the real uint8 MobileNetV2 file from the shared reference folder.
func readSource(tb testing.TB) []byte {
	data, err := os.ReadFile(filepath.Join(sourceDir(tb), "mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// TestCorruptFiles: every truncation and many single-byte corruptions of the
// real file must give an error or a model, never a panic.
func TestCorruptFiles(t *testing.T) {
	data := readSource(t)
	if _, err := Read(data); err != nil {
		t.Fatal(err)
	}
	// The last ~21 KB of this file hold tables Read does not use (metadata),
	// so only cuts before them are certain to be noticed.
	for n := 0; n < len(data); n += 997 {
		_, err := Read(data[:n])
		if err == nil && n < len(data)*99/100 {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	buf := make([]byte, len(data))
	for i := 0; i < 2000; i++ {
		copy(buf, data)
		pos := (i * 7919) % 20000 // the tables sit in the first and last bytes
		if i%2 == 1 {
			pos = len(buf) - 1 - pos
		}
		buf[pos] ^= byte(1 + i%255)
		if m, err := Read(buf); err == nil {
			FromTFLite(m)
		}
	}
}

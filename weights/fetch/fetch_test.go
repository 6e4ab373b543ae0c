package fetch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionweb/weights"
)

// TestFileVerifies takes a source from a local mirror: the right bytes pass, other bytes are refused with an
// error naming the file.
func TestFileVerifies(t *testing.T) {
	mirror := t.TempDir()
	data := []byte("model bytes")
	s := weights.Source{Name: "m", File: "m.tflite", Mirror: "sub/m.tflite", URL: "http://127.0.0.1:1/m.tflite", SHA256: weights.SHA256(data)}
	if err := os.MkdirAll(filepath.Join(mirror, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(mirror, s.Mirror), data, 0o644)
	got, where, err := File(s, mirror)
	if err != nil || string(got) != string(data) || !strings.HasSuffix(where, "sub/m.tflite") {
		t.Fatalf("File = %q from %s, %v", got, where, err)
	}
	os.WriteFile(filepath.Join(mirror, s.Mirror), []byte("tampered bytes"), 0o644)
	if _, _, err := File(s, mirror); err == nil || !strings.Contains(err.Error(), "m.tflite") || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("tampered mirror file: %v", err)
	}
	// Without the mirror the official address is tried; here it is unreachable, and the error says so.
	if _, _, err := File(s, t.TempDir()); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("no mirror, no network: %v", err)
	}
}

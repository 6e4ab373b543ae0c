//go:build !(js && wasm)

package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// ReadShared reads a file of the reference folder (rel is relative to it).
func ReadShared(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(Shared(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

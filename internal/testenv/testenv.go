// Package testenv finds what tests need outside their package: the module root and the read-only reference
// material (photographs, model sources) that lives in ../shared beside it.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// Root is the module root: the nearest folder above the working directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared is the reference folder ../shared beside the module root (override with $SHARED). Tests that need it
// fail when it is missing: CI and every developer have it.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SHARED")
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "images")); err != nil {
		t.Fatalf("testenv: reference material not found at %s (set SHARED): %v", dir, err)
	}
	return dir
}

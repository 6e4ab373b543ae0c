package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
)

// TestShellMatchesUI checks that the page index.html shows before the UI runs (its header and drop zone) says
// what the UI's own (root.vugu) says, so that the first render changes nothing a person was reading.
func TestShellMatchesUI(t *testing.T) {
	read := func(parts ...string) string {
		b, err := os.ReadFile(filepath.Join(append([]string{testenv.Root(t)}, parts...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	index, ui := read("wasm", "site", "index.html"), read("wasm", "ui", "root.vugu")
	start := strings.Index(index, `<div id="app"`)
	if start < 0 {
		t.Fatal(`index.html has no <div id="app">`)
	}
	texts := regexp.MustCompile(`<(h1|p class="tagline"|span class="drop-title")>([^<]+)<`).FindAllStringSubmatch(index[start:], -1)
	if len(texts) != 3 {
		t.Fatalf("index.html's shell: found %d of its 3 texts (title, tagline, drop zone)", len(texts))
	}
	for _, m := range texts {
		if !strings.Contains(ui, ">"+m[2]+"<") {
			t.Errorf("index.html's shell says %q (%s), root.vugu does not", m[2], m[1])
		}
	}
}

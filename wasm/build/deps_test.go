package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
)

// pageExcluded are packages the page's program (wasm/app) must not link: the page never downloads over Go's HTTP
// client, renders templates, decodes images in Go (the browser does; wasm/imagecheck only reads headers) or needs
// a linear algebra library, and each of these costs hundreds of kilobytes of wasm that every visit fetches and
// compiles. Their users on the command line have packages of their own (weights/fetch, dataset/report, imagefile).
var pageExcluded = []string{"net/http", "crypto/tls", "html/template", "text/template", "gonum.org/v1/gonum/",
	"golang.org/x/image/", "inceptionweb/imagefile", "inceptionweb/weights/fetch", "inceptionweb/dataset/report",
	"inceptionweb/dataset/views"}

// TestPageDependencies lists what app.wasm is built from and refuses any of pageExcluded.
func TestPageDependencies(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	for _, pkg := range []string{"./wasm/app"} {
		cmd := exec.Command(goBin, "list", "-deps", pkg)
		cmd.Dir = testenv.Root(t)
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, x := range pageExcluded {
				if dep == x || (strings.HasSuffix(x, "/") && strings.HasPrefix(dep, x)) {
					t.Errorf("%s links %s", pkg, dep)
				}
			}
		}
	}
}

// pageUnlinked are code the page's program imports (through model) but must not link, checked by the names
// of the functions in app.wasm: a person's own weights are converted by a program of their own (wasm/convert),
// so the readers of their formats and the calibration stay out of every visit's download (~1.2 MB); the
// page's shaders name their uniforms without regular expressions. A package's init is linked with its import
// and is allowed.
var pageUnlinked = []string{"inceptionweb/weights/torch.", "inceptionweb/weights/tflite.", "inceptionweb/weights/caffejs.",
	"inceptionweb/nn/calibrate.", "inceptionweb/model.Import", "inceptionweb/model.From", "regexp."}

// TestPageLinks builds app.wasm with its function names and refuses any function of pageUnlinked.
func TestPageLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the page's program")
	}
	bin := filepath.Join(t.TempDir(), "app.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./wasm/app")
	cmd.Dir = testenv.Root(t)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building app.wasm: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	names, err := wasmFunctionNames(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 1000 {
		t.Fatalf("app.wasm names %d functions: not the page's program", len(names))
	}
	found := map[string]string{}
	for _, n := range names {
		for _, x := range pageUnlinked {
			// The linker writes a package path's slashes as underscores in these names.
			if strings.HasPrefix(n, strings.ReplaceAll(x, "/", "_")) && !strings.HasSuffix(n, ".init") && found[x] == "" {
				found[x] = n
			}
		}
	}
	for x, n := range found {
		t.Errorf("app.wasm links %s (%s)", strings.TrimSuffix(x, "."), n)
	}
}

// wasmFunctionNames returns the function names of a wasm module's "name" section.
func wasmFunctionNames(data []byte) ([]string, error) {
	if len(data) < 8 || string(data[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	r := bytes.NewReader(data[8:])
	for r.Len() > 0 {
		id, _ := r.ReadByte()
		body, err := sized(r)
		if err != nil {
			return nil, err
		}
		s := bytes.NewReader(body)
		if name, err := sized(s); id != 0 || err != nil || string(name) != "name" {
			continue
		}
		for s.Len() > 0 {
			sub, _ := s.ReadByte()
			part, err := sized(s)
			if err != nil {
				return nil, err
			}
			if sub != 1 { // function names
				continue
			}
			p := bytes.NewReader(part)
			count, _ := binary.ReadUvarint(p)
			var names []string
			for range count {
				if _, err := binary.ReadUvarint(p); err != nil {
					return nil, err
				}
				name, err := sized(p)
				if err != nil {
					return nil, err
				}
				names = append(names, string(name))
			}
			return names, nil
		}
	}
	return nil, errors.New("no function names in the module")
}

// sized reads what wasm writes as a LEB128 length and that many bytes (a section, a name).
func sized(r *bytes.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > uint64(r.Len()) {
		return nil, errors.New("truncated wasm module")
	}
	b := make([]byte, n)
	r.Read(b)
	return b, nil
}

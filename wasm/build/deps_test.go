package main

import (
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

// Command build writes the static site:
//
//	go run ./wasm/build [-out web] [-models build/models]
//
// It generates the Vugu UI code, builds the page's Go program for js/wasm (wasm/app: the UI and the inference
// worker in one binary), and writes into -out that program, the SIMD kernel modules, wasm_exec.js, the page's CSS and JS, and the model files listed
// in -models/index.json, all under content-hashed names (name-<12 hex>.ext, cached for good), then
// index.html and models.json that refer to them by relative URLs, so the folder works from any static host
// under any path. Large files get .br and .gz companions. Files of earlier builds that the new index.html no
// longer names are removed. Running it again with nothing changed rewrites only index.html and models.json.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"inceptionweb/internal/limits"
	"inceptionweb/wasm/simd/kernelgen"
)

func main() {
	out := flag.String("out", "web", "directory to write the site into")
	models := flag.String("models", "build/models", "directory with index.json and the model files")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("build: ")
	if err := run(*out, *models); err != nil {
		log.Fatal(err)
	}
}

func run(out, modelsDir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	site := newSite(out)
	if err := os.MkdirAll(filepath.Join(out, "models"), 0o755); err != nil {
		return err
	}

	if err := generateUI(root); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "site-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	files := map[string]string{}
	// One Go program for the page's thread (the UI) and the workers (inference): see wasm/app.
	bin := filepath.Join(tmp, "app.wasm")
	if err := buildWasm(root, "./wasm/app", bin); err != nil {
		return err
	}
	if files["wasm"], err = site.addFile("app.wasm", bin); err != nil {
		return err
	}
	// The conversion of a person's own weights is a program of its own: see wasm/convert.
	bin = filepath.Join(tmp, "convert.wasm")
	if err := buildWasm(root, "./wasm/convert", bin); err != nil {
		return err
	}
	if files["convert"], err = site.addFile("convert.wasm", bin); err != nil {
		return err
	}

	goroot, err := goEnv("GOROOT")
	if err != nil {
		return err
	}
	for _, f := range []struct{ key, name, src string }{
		{"wasmExec", "wasm_exec.js", filepath.Join(goroot, "lib", "wasm", "wasm_exec.js")},
		{"simdLoader", "simd_loader.js", filepath.Join(root, "wasm", "simd", "simd_loader.js")},
		{"modelFile", "modelfile.js", filepath.Join(root, "wasm", "site", "modelfile.js")},
		{"app", "app.js", filepath.Join(root, "wasm", "site", "app.js")},
		{"workerScript", "worker.js", filepath.Join(root, "wasm", "site", "worker.js")},
		{"style", "style.css", filepath.Join(root, "wasm", "site", "style.css")},
	} {
		if files[f.key], err = site.addFile(f.name, f.src); err != nil {
			return err
		}
	}
	// The kernel modules keep their plain names as keys: simd_loader.js asks for them by those names.
	simd := map[string]string{}
	for _, k := range []struct {
		name    string
		relaxed bool
	}{{kernelgen.PlainFile, false}, {kernelgen.RelaxedFile, true}} {
		if simd[k.name], err = site.add(k.name, kernelgen.Module(k.relaxed)); err != nil {
			return err
		}
	}

	entries, err := site.addModels(modelsDir)
	if err != nil {
		return err
	}
	modelsJSON, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := site.addFixed("models.json", append(modelsJSON, '\n')); err != nil {
		return err
	}

	page, err := indexHTML(filepath.Join(root, "wasm", "site", "index.html"), files, simd, entries)
	if err != nil {
		return err
	}
	if err := site.addFixed("index.html", page); err != nil {
		return err
	}
	sw, err := serviceWorker(filepath.Join(root, "wasm", "site", "sw.js"), files, simd, page, modelsJSON)
	if err != nil {
		return err
	}
	if err := site.addFixed("sw.js", sw); err != nil {
		return err
	}
	if err := site.removeStale(); err != nil {
		return err
	}
	log.Printf("wrote %s (%d files, %d new)", out, len(site.kept), site.written)
	return nil
}

// indexHTML fills the page template with the hashed names. The worker script gets the same names in its
// init message (from the page's site-files JSON), since it cannot read the page.
func indexHTML(templatePath string, files, simd map[string]string, models []modelEntry) ([]byte, error) {
	src, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	t, err := template.New("index.html").Parse(string(src))
	if err != nil {
		return nil, err
	}
	all := map[string]any{}
	for k, v := range files {
		all[k] = v
	}
	all["simd"] = simd
	filesJSON, err := json.Marshal(all) // escapes <, > and & so it cannot end the script element
	if err != nil {
		return nil, err
	}
	// The page's first worker starts reading the start model before models.json could arrive: the page
	// carries the models of this build too (models.json stays the list the UI shows).
	modelsJSON, err := json.Marshal(models)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, map[string]string{
		"Style": files["style"], "WasmExec": files["wasmExec"], "App": files["app"], "ModelFile": files["modelFile"],
		"FilesJSON": string(filesJSON), "ModelsJSON": string(modelsJSON),
		"ImageFileBytes": strconv.Itoa(limits.ImageFileBytes), // the early drop zone reads no larger file
	})
	return buf.Bytes(), err
}

// serviceWorker fills the service worker's template with the site's hashed files (and which of them are the
// Go programs, which it leaves to the HTTP cache) and a version that changes
// with any of them (a digest of index.html, which names them all, and models.json), so that a new build is a
// new sw.js and browsers update to it.
func serviceWorker(templatePath string, files, simd map[string]string, page, modelsJSON []byte) ([]byte, error) {
	src, err := os.ReadFile(templatePath)
	if err != nil {
		return nil, err
	}
	simdFiles := slices.Collect(maps.Values(simd))
	listJSON, err := sortedJSON(append(slices.Collect(maps.Values(files)), simdFiles...))
	if err != nil {
		return nil, err
	}
	programsJSON, err := sortedJSON(append([]string{files["wasm"], files["convert"]}, simdFiles...))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append(append([]byte{}, page...), modelsJSON...))
	t, err := template.New("sw.js").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, map[string]string{"Version": hex.EncodeToString(sum[:6]), "Files": string(listJSON), "Programs": string(programsJSON)})
	return buf.Bytes(), err
}

// sortedJSON is names sorted, as a JSON list.
func sortedJSON(names []string) ([]byte, error) {
	slices.Sort(names)
	return json.Marshal(names)
}

func moduleRoot() (string, error) {
	gomod, err := goEnv("GOMOD")
	if err != nil {
		return "", err
	}
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run inside the module (no go.mod found)")
	}
	return filepath.Dir(gomod), nil
}

func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// generateUI runs vugugen on the UI package and marks its output for js/wasm only, like the rest of the
// package (it refers to code that uses syscall/js), so that host builds of ./... skip it.
func generateUI(root string) error {
	dir := filepath.Join(root, "wasm", "ui")
	cmd := exec.Command("go", "tool", "vugugen", "-skip-go-mod", "-skip-main", "-s", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("vugugen: %v\n%s", err, out)
	}
	gen := filepath.Join(dir, "0_components_gen.go")
	src, err := os.ReadFile(gen)
	if err != nil {
		return err
	}
	const tag = "//go:build js && wasm\n\n"
	if !bytes.HasPrefix(src, []byte(tag)) {
		src = append([]byte(tag), src...)
	}
	if src, err = format.Source(src); err != nil {
		return fmt.Errorf("vugugen output: %v", err)
	}
	return os.WriteFile(gen, src, 0o644)
}

func buildWasm(root, pkg, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s: %v\n%s", pkg, err, msg)
	}
	return nil
}

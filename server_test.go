package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// site writes a small built site into a temporary directory: plain, hashed and precompressed files, and a
// secret file beside the site that must never be served.
func site(t *testing.T) string {
	t.Helper()
	parent := t.TempDir()
	dir := filepath.Join(parent, "web")
	files := map[string]string{
		"index.html":                        "<!doctype html><title>page</title>",
		"models.json":                       `[{"name":"m"}]`,
		"ui-0123456789ab.wasm":              "\x00asm-plain",
		"ui-0123456789ab.wasm.br":           "brotli-bytes",
		"ui-0123456789ab.wasm.gz":           "gzip-bytes",
		"app-aaaaaaaaaaaa.js":               "console.log(1)",
		"style.css":                         "body{}",
		"models/m-bbbbbbbbbbbb.safetensors": "0123456789",
		"sub/index.html":                    "sub",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(parent, filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func handler(t *testing.T, coi bool) http.Handler {
	t.Helper()
	h, err := newSiteHandler(site(t), coi)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestContentTypes(t *testing.T) {
	h := handler(t, false)
	for target, want := range map[string]string{
		"/":                                  "text/html; charset=utf-8",
		"/index.html":                        "text/html; charset=utf-8",
		"/models.json":                       "application/json",
		"/ui-0123456789ab.wasm":              "application/wasm",
		"/app-aaaaaaaaaaaa.js":               "text/javascript; charset=utf-8",
		"/style.css":                         "text/css; charset=utf-8",
		"/models/m-bbbbbbbbbbbb.safetensors": "application/octet-stream",
	} {
		resp := get(t, h, "GET", target, nil)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", target, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", target, got, want)
		}
	}
}

func TestPrecompressed(t *testing.T) {
	h := handler(t, false)
	cases := []struct{ accept, encoding, body string }{
		{"gzip, deflate, br", "br", "brotli-bytes"},
		{"gzip", "gzip", "gzip-bytes"},
		{"br;q=0, gzip;q=0.5", "gzip", "gzip-bytes"},
		{"*", "br", "brotli-bytes"},
		{"identity", "", "\x00asm-plain"},
		{"", "", "\x00asm-plain"},
	}
	for _, c := range cases {
		resp := get(t, h, "GET", "/ui-0123456789ab.wasm", map[string]string{"Accept-Encoding": c.accept})
		if got := resp.Header.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", c.accept, got, c.encoding)
		}
		if got := body(t, resp); got != c.body {
			t.Errorf("Accept-Encoding %q: body %q, want %q", c.accept, got, c.body)
		}
		if got := resp.Header.Get("Content-Type"); got != "application/wasm" {
			t.Errorf("Accept-Encoding %q: Content-Type %q", c.accept, got)
		}
		if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: Vary %q", c.accept, got)
		}
	}
	// A file without variants is not marked as varying.
	if v := get(t, h, "GET", "/style.css", map[string]string{"Accept-Encoding": "br"}).Header.Get("Vary"); v != "" {
		t.Errorf("style.css: Vary %q", v)
	}
}

func TestCaching(t *testing.T) {
	h := handler(t, false)
	for target, want := range map[string]string{
		"/ui-0123456789ab.wasm":              "public, max-age=31536000, immutable",
		"/models/m-bbbbbbbbbbbb.safetensors": "public, max-age=31536000, immutable",
		"/app-aaaaaaaaaaaa.js":               "public, max-age=31536000, immutable",
		"/":                                  "no-cache",
		"/index.html":                        "no-cache",
		"/models.json":                       "no-cache",
		"/style.css":                         "no-cache",
	} {
		if got := get(t, h, "GET", target, nil).Header.Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", target, got, want)
		}
	}
	// Revalidation of a no-cache file answers 304.
	resp := get(t, h, "GET", "/models.json", nil)
	lm := resp.Header.Get("Last-Modified")
	if lm == "" {
		t.Fatal("models.json: no Last-Modified")
	}
	if got := get(t, h, "GET", "/models.json", map[string]string{"If-Modified-Since": lm}).StatusCode; got != 304 {
		t.Errorf("revalidation: status %d, want 304", got)
	}
}

func TestHeadAndRange(t *testing.T) {
	h := handler(t, false)
	resp := get(t, h, "HEAD", "/models/m-bbbbbbbbbbbb.safetensors", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != "10" || body(t, resp) != "" {
		t.Errorf("HEAD: status %d, length %q", resp.StatusCode, resp.Header.Get("Content-Length"))
	}
	resp = get(t, h, "GET", "/models/m-bbbbbbbbbbbb.safetensors", map[string]string{"Range": "bytes=2-5"})
	if resp.StatusCode != 206 {
		t.Fatalf("Range: status %d", resp.StatusCode)
	}
	if got := body(t, resp); got != "2345" {
		t.Errorf("Range: body %q", got)
	}
	if got := resp.Header.Get("Content-Range"); got != "bytes 2-5/10" {
		t.Errorf("Range: Content-Range %q", got)
	}
	if got := get(t, h, "POST", "/index.html", nil).StatusCode; got != 405 {
		t.Errorf("POST: status %d, want 405", got)
	}
}

func TestNeverOutsideDir(t *testing.T) {
	h := handler(t, false)
	for _, target := range []string{
		"/../secret.txt",
		"/sub/../../secret.txt",
		"/%2e%2e/secret.txt",
		"/escape.txt",    // symlink to a file outside
		"/up/secret.txt", // symlink to a directory outside
		"/up/web/index.html",
		"/..%5csecret.txt",
		"/missing.html",
	} {
		resp := get(t, h, "GET", target, nil)
		b := body(t, resp)
		if resp.StatusCode == 200 || strings.Contains(b, "secret") || strings.Contains(b, "<title>") {
			t.Errorf("%s: status %d, body %q", target, resp.StatusCode, b)
		}
	}
	// A raw request line with "..", which httptest.NewRequest would clean away.
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /sub/../../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	raw, _ := io.ReadAll(conn)
	if strings.Contains(string(raw), "secret") || strings.HasPrefix(string(raw), "HTTP/1.1 200") {
		t.Errorf("raw request escaped the directory: %q", raw)
	}
	// Directories serve their index.html, never a listing.
	if got := body(t, get(t, h, "GET", "/sub/", nil)); got != "sub" {
		t.Errorf("/sub/: body %q", got)
	}
	if got := get(t, h, "GET", "/models/", nil).StatusCode; got != 404 {
		t.Errorf("/models/: status %d, want 404", got)
	}
}

func TestCrossOriginIsolation(t *testing.T) {
	with := get(t, handler(t, true), "GET", "/", nil).Header
	if with.Get("Cross-Origin-Opener-Policy") != "same-origin" || with.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
		t.Errorf("-coi: headers %v", with)
	}
	without := get(t, handler(t, false), "GET", "/", nil).Header
	if without.Get("Cross-Origin-Opener-Policy") != "" || without.Get("Cross-Origin-Embedder-Policy") != "" {
		t.Errorf("no -coi: headers %v", without)
	}
}

func TestShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, handler(t, false)) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/index.html"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestAccepts(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           bool
	}{
		{"gzip, br", "br", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"*;q=0.1", "gzip", true},
		{"*;q=0, gzip", "gzip", true},
		{"*;q=0", "br", false},
		{"BR", "br", true},
		{"", "gzip", false},
	} {
		if got := accepts(c.header, c.coding); got != c.want {
			t.Errorf("accepts(%q, %q) = %v", c.header, c.coding, got)
		}
	}
}

// TestSignalShutdown runs the real main in a child process and stops it with SIGTERM and SIGINT.
func TestSignalShutdown(t *testing.T) {
	if os.Getenv("SITE_SERVER_CHILD") != "" {
		os.Args = []string{"server", "-addr", "127.0.0.1:0", "-dir", os.Getenv("SITE_SERVER_CHILD")}
		main()
		os.Exit(0)
	}
	for _, sig := range []os.Signal{syscall.SIGTERM, os.Interrupt} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSignalShutdown$")
		cmd.Env = append(os.Environ(), "SITE_SERVER_CHILD="+site(t))
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stderr).ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("child: %v (%q)", err, line)
		}
		_, url, ok := strings.Cut(strings.TrimSpace(line), " on ")
		if !ok {
			cmd.Process.Kill()
			t.Fatalf("child said %q", line)
		}
		resp, err := http.Get(url + "index.html")
		if err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, stderr)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%v: child exited with %v, want a clean exit", sig, err)
		}
	}
}

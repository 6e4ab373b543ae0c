package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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
		// q-values are preferences, not only permissions.
		{"br;q=0.5, gzip", "gzip", "gzip-bytes"},
		{"gzip;q=0.8, br;q=0.9", "br", "brotli-bytes"},
		{"gzip;q=0.1, identity", "", "\x00asm-plain"},
		{"br;q=0.5, identity;q=0.5", "br", "brotli-bytes"},
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
		if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(c.body)); got != want {
			t.Errorf("Accept-Encoding %q: Content-Length %q, want %q", c.accept, got, want)
		}
	}
	// HEAD and a single range of a precompressed file carry their length too.
	resp := get(t, h, "HEAD", "/ui-0123456789ab.wasm", map[string]string{"Accept-Encoding": "br"})
	if got := resp.Header.Get("Content-Length"); got != "12" {
		t.Errorf("HEAD br: Content-Length %q, want 12", got)
	}
	resp = get(t, h, "GET", "/ui-0123456789ab.wasm", map[string]string{"Accept-Encoding": "br", "Range": "bytes=0-5"})
	if got := resp.Header.Get("Content-Length"); resp.StatusCode != 206 || got != "6" || body(t, resp) != "brotli" {
		t.Errorf("range of br: status %d, Content-Length %q", resp.StatusCode, got)
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

func TestRanges(t *testing.T) {
	h := handler(t, false)
	const file = "/models/m-bbbbbbbbbbbb.safetensors" // "0123456789"
	many := strings.Repeat("0-9,", 100_000)
	for _, c := range []struct {
		name, rng    string
		status       int
		contentRange string
		body         string // for single ranges and whole files
	}{
		// bytes=-0 asks for nothing: unsatisfiable, with the size (Go's ServeContent says "bytes */0"... or worse).
		{"suffix of zero", "bytes=-0", 416, "bytes */10", ""},
		{"past the end", "bytes=10-", 416, "bytes */10", ""},
		{"unsatisfiable part dropped", "bytes=-0,2-3", 206, "bytes 2-3/10", "23"},
		{"overlapping ranges coalesce", "bytes=0-3,2-5,5-6", 206, "bytes 0-6/10", "0123456"},
		{"adjacent ranges coalesce", "bytes=0-1,2-3", 206, "bytes 0-3/10", "0123"},
		{"100,000 overlapping ranges are one", "bytes=" + many[:len(many)-1], 200, "", "0123456789"},
		{"suffix", "bytes=-3", 206, "bytes 7-9/10", "789"},
		{"open end", "bytes=8-", 206, "bytes 8-9/10", "89"},
		{"not bytes", "items=0-1", 200, "", "0123456789"},
		{"bad syntax", "bytes=5-2", 200, "", "0123456789"},
	} {
		resp := get(t, h, "GET", file, map[string]string{"Range": c.rng})
		if resp.StatusCode != c.status || resp.Header.Get("Content-Range") != c.contentRange {
			t.Errorf("%s: status %d, Content-Range %q; want %d, %q", c.name, resp.StatusCode, resp.Header.Get("Content-Range"), c.status, c.contentRange)
			continue
		}
		if got := body(t, resp); c.status != 416 && got != c.body {
			t.Errorf("%s: body %q, want %q", c.name, got, c.body)
		}
	}
	// Disjoint ranges are a multipart answer no larger than the file and its part headers.
	var sb strings.Builder
	for i := range 10 {
		fmt.Fprintf(&sb, "%d-%d,", 9-i, 9-i)
	}
	resp := get(t, h, "GET", file, map[string]string{"Range": "bytes=" + strings.TrimSuffix(sb.String(), ",")})
	if resp.StatusCode != 206 || resp.Header.Get("Content-Range") != "bytes 0-9/10" {
		t.Errorf("10 adjacent single bytes: status %d, Content-Range %q, want one range", resp.StatusCode, resp.Header.Get("Content-Range"))
	}
	sb.Reset()
	for i := range 5 {
		fmt.Fprintf(&sb, "%d-%d,", 2*i, 2*i)
	}
	resp = get(t, h, "GET", file, map[string]string{"Range": "bytes=" + strings.TrimSuffix(sb.String(), ",")})
	if b := body(t, resp); resp.StatusCode != 206 || strings.Count(b, "Content-Range") != 5 {
		t.Errorf("5 disjoint bytes: status %d, %d parts", resp.StatusCode, strings.Count(b, "Content-Range"))
	}
	// More disjoint ranges than an answer holds: the whole file.
	if resp := get(t, h, "GET", "/index.html", map[string]string{"Range": "bytes=" + strings.Repeat("0-0,2-2,4-4,6-6,", 5) + "8-8"}); resp.StatusCode != 206 {
		t.Errorf("overlapping repeats: status %d, want 206", resp.StatusCode)
	}
	sb.Reset()
	for i := range maxRanges + 1 {
		fmt.Fprintf(&sb, "%d-%d,", 2*i, 2*i)
	}
	if resp := get(t, h, "GET", "/index.html", map[string]string{"Range": "bytes=" + strings.TrimSuffix(sb.String(), ",")}); resp.StatusCode != 200 {
		t.Errorf("%d ranges: status %d, want 200", maxRanges+1, resp.StatusCode)
	}
}

func TestConnectionTimeouts(t *testing.T) {
	srv := newServer(handler(t, false))
	if srv.IdleTimeout <= 0 || srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout != 0 {
		t.Errorf("timeouts: idle %v, header %v, read %v, write %v", srv.IdleTimeout, srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout)
	}
}

func TestClientThatStopsReading(t *testing.T) {
	dir := site(t)
	big := make([]byte, 32<<20) // more than the socket buffers hold
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	sh, err := newSiteHandler(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stallBound(sh, 300*time.Millisecond))
	defer srv.Close()

	// A slow reader keeps its connection: each write makes progress within the bound.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(time.Second) // stop reading: the server's write blocks past its deadline
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _ := io.Copy(io.Discard, conn)
	if n >= int64(len(big)) {
		t.Errorf("a client that stopped reading for 1 s got all %d bytes; the write bound is 300 ms", n)
	}

	slow, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	slow.SetReadDeadline(time.Now().Add(30 * time.Second))
	var got int64
	buf := make([]byte, 1<<20)
	for start := time.Now(); ; {
		m, err := slow.Read(buf)
		got += int64(m)
		if err != nil {
			break
		}
		if time.Since(start) < time.Second {
			time.Sleep(10 * time.Millisecond) // slower than the server writes, never stalled for 300 ms
		}
	}
	if got < int64(len(big)) {
		t.Errorf("a slow reader got %d of %d bytes", got, len(big))
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

func TestQValue(t *testing.T) {
	for _, c := range []struct {
		header, coding string
		want           float64
	}{
		{"gzip, br", "br", 1},
		{"gzip;q=1.0, br;q=0", "br", 0},
		{"*;q=0.1", "gzip", 0.1},
		{"*;q=0, gzip", "gzip", 1},
		{"*;q=0", "br", 0},
		{"BR;Q=0.5", "br", 0.5},
		{"", "gzip", 0},
		{"gzip;q=2", "gzip", 1}, // out of range: ignored
	} {
		if got := qvalue(c.header, c.coding); got != c.want {
			t.Errorf("qvalue(%q, %q) = %v, want %v", c.header, c.coding, got, c.want)
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

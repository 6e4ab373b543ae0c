// Command inceptionweb serves the static site that `go run ./wasm/build -out web` writes:
//
//	go run . [-addr 127.0.0.1:8080] [-dir web] [-coi]
//
// It serves only files inside -dir (no "..", no symlink that leads out), with the right content types,
// precompressed .br/.gz variants when the client accepts them, long immutable caching for content-hashed
// names and revalidation for everything else, HEAD and Range requests, and a clean shutdown on SIGINT/SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dir := flag.String("dir", "web", "directory of the built site")
	coi := flag.Bool("coi", false, "send COOP/COEP headers (cross-origin isolation, for SharedArrayBuffer)")
	flag.Parse()
	log.SetFlags(0)

	h, err := newSiteHandler(*dir, *coi)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("serving %s on http://%s/", *dir, ln.Addr())
	if err := serve(ctx, ln, h); err != nil {
		log.Fatal(err)
	}
}

// serve runs an HTTP server on ln until ctx is done, then lets requests in flight finish (for up to 5 s).
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// siteHandler serves the files of one directory.
type siteHandler struct {
	root *os.Root // confines every open to the directory, symlinks included
	coi  bool
}

func newSiteHandler(dir string, coi bool) (*siteHandler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("site directory: %w", err)
	}
	return &siteHandler{root: root, coi: coi}, nil
}

// hashedName matches the content-hashed names the site build writes: name-<12 hex>.ext.
var hashedName = regexp.MustCompile(`-[0-9a-f]{12}\.[a-z0-9.]+$`)

// contentTypes are set explicitly: the host's MIME tables vary, and instantiateStreaming insists on
// application/wasm.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".wasm":        "application/wasm",
	".safetensors": "application/octet-stream",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (s *siteHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := fileName(r.URL.Path)
	if !ok {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	if s.coi {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
	}

	f, info, err := s.open(name)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	defer f.Close()

	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("X-Content-Type-Options", "nosniff")
	if hashedName.MatchString(name) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}

	// A precompressed variant, when there is one and the client takes it, replaces the file.
	if enc, cf, cinfo := s.precompressed(name, r.Header.Get("Accept-Encoding")); cf != nil {
		f.Close()
		f, info = cf, cinfo
		defer f.Close()
		h.Add("Vary", "Accept-Encoding")
		h.Set("Content-Encoding", enc)
	} else if s.hasVariant(name) {
		h.Add("Vary", "Accept-Encoding")
	}
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// fileName turns a URL path into a name relative to the site directory; ok is false for paths that try to
// leave it. Directories map to their index.html.
func fileName(urlPath string) (string, bool) {
	if !strings.HasPrefix(urlPath, "/") || strings.ContainsRune(urlPath, 0) || strings.Contains(urlPath, "\\") {
		return "", false
	}
	for _, seg := range strings.Split(urlPath, "/") {
		if seg == ".." {
			return "", false
		}
	}
	name := strings.TrimPrefix(path.Clean(urlPath), "/")
	if name == "" || strings.HasSuffix(urlPath, "/") {
		name = path.Join(name, "index.html")
	}
	return name, true
}

// open opens a regular file inside the root; directories and anything outside are not found.
func (s *siteHandler) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := s.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fs.ErrNotExist
	}
	return f, info, nil
}

var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// precompressed opens name.br or name.gz, in that order of preference, if acceptEncoding allows it.
func (s *siteHandler) precompressed(name, acceptEncoding string) (string, *os.File, fs.FileInfo) {
	for _, e := range encodings {
		if !accepts(acceptEncoding, e.name) {
			continue
		}
		if f, info, err := s.open(name + e.ext); err == nil {
			return e.name, f, info
		}
	}
	return "", nil, nil
}

func (s *siteHandler) hasVariant(name string) bool {
	for _, e := range encodings {
		if _, err := s.root.Stat(name + e.ext); err == nil {
			return true
		}
	}
	return false
}

// accepts reports whether an Accept-Encoding header allows coding (explicitly or through "*") with q > 0.
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		c := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch c {
		case coding:
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

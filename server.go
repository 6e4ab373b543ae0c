// Command inceptionweb serves the static site that `go run ./wasm/build -out web` writes:
//
//	go run . [-addr 127.0.0.1:8080] [-dir web] [-coi]
//
// It serves only files inside -dir (no "..", no symlink that leads out), with the right content types,
// precompressed .br/.gz variants in the client's order of preference, long immutable caching for content-hashed
// names and revalidation for everything else, HEAD and Range requests, and a clean shutdown on SIGINT/SIGTERM.
// Connections are bounded in time: idle ones are closed, and so are clients that stop reading.
package main

import (
	"cmp"
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
	"slices"
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

// Time bounds of a connection. A response has no total bound, so that a slow phone can take the 95 MB model at
// any speed, but each write must make progress within writeStall.
const (
	readTimeout = 30 * time.Second // a request's header and body
	idleTimeout = 2 * time.Minute  // between requests on a keep-alive connection
	writeStall  = 30 * time.Second
)

// serve runs an HTTP server on ln until ctx is done, then lets requests in flight finish (for up to 5 s).
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := newServer(h)
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

func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: stallBound(h, writeStall), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: readTimeout, IdleTimeout: idleTimeout}
}

// stallBound gives every write of a response stall to complete: a client that stops reading loses its
// connection, one that reads slowly keeps it.
func stallBound(h http.Handler, stall time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(time.Now().Add(stall)) // also replaces the previous response's deadline
		h.ServeHTTP(&stallWriter{ResponseWriter: w, rc: rc, stall: stall}, r)
	})
}

type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (s *stallWriter) Write(b []byte) (int, error) {
	// ServeContent writes in chunks of 32 KiB: each gets its own deadline.
	s.rc.SetWriteDeadline(time.Now().Add(s.stall))
	return s.ResponseWriter.Write(b)
}

func (s *stallWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

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

	// A precompressed variant, when there is one and the client prefers it, replaces the file.
	if enc, cf, cinfo := s.precompressed(name, r.Header.Get("Accept-Encoding")); cf != nil {
		f.Close()
		f, info = cf, cinfo
		defer f.Close()
		h.Add("Vary", "Accept-Encoding")
		h.Set("Content-Encoding", enc)
		// ServeContent leaves out Content-Length when there is a Content-Encoding; the length is known.
		w = &lengthWriter{ResponseWriter: w, size: info.Size()}
	} else if s.hasVariant(name) {
		h.Add("Vary", "Accept-Encoding")
	}
	if !sanitizeRange(r, info.Size()) {
		h.Del("Content-Encoding")
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", info.Size()))
		http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return
	}
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// lengthWriter sets the Content-Length of a whole file or of a single range when the headers go out.
type lengthWriter struct {
	http.ResponseWriter
	size        int64
	wroteHeader bool
}

func (l *lengthWriter) WriteHeader(code int) {
	l.wroteHeader = true
	h := l.Header()
	if h.Get("Content-Length") == "" {
		var first, last int64
		switch {
		case code == http.StatusOK:
			h.Set("Content-Length", strconv.FormatInt(l.size, 10))
		case code == http.StatusPartialContent && h.Get("Content-Range") != "":
			if _, err := fmt.Sscanf(h.Get("Content-Range"), "bytes %d-%d/", &first, &last); err == nil {
				h.Set("Content-Length", strconv.FormatInt(last-first+1, 10))
			}
		}
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l *lengthWriter) Write(b []byte) (int, error) {
	if !l.wroteHeader { // a body without WriteHeader is a 200
		l.WriteHeader(http.StatusOK)
	}
	return l.ResponseWriter.Write(b)
}

func (l *lengthWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// maxRanges bounds the parts of a multipart/byteranges answer.
const maxRanges = 16

// sanitizeRange rewrites a GET's Range header for a file of size bytes into at most maxRanges disjoint ranges in
// ascending order, merging those that overlap or touch (RFC 9110 section 14.2 allows a server to coalesce
// them), so a body never repeats the file. A header that cannot be parsed, or that still holds too many ranges,
// is dropped: the answer is the whole file. It returns false when no range can be satisfied ("bytes=-0"), for a
// 416 that ServeContent would get wrong.
func sanitizeRange(r *http.Request, size int64) bool {
	header := r.Header.Get("Range")
	if header == "" || r.Method != http.MethodGet {
		return true
	}
	ranges, ok := parseRanges(header, size)
	switch {
	case !ok || len(ranges) > maxRanges:
		r.Header.Del("Range")
		return true
	case len(ranges) == 0:
		if r.Header.Get("If-Range") != "" {
			r.Header.Del("Range") // If-Range decides whether the range applies at all: send the file
			return true
		}
		return false
	}
	parts := make([]string, len(ranges))
	for i, rg := range ranges {
		parts[i] = fmt.Sprintf("%d-%d", rg[0], rg[1])
	}
	r.Header.Set("Range", "bytes="+strings.Join(parts, ","))
	return true
}

// parseRanges resolves a Range header against a size into satisfiable, sorted, merged [first, last] ranges.
// ok is false when the header is not a valid bytes range set.
func parseRanges(header string, size int64) (ranges [][2]int64, ok bool) {
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found {
		return nil, false
	}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue // RFC 9110 allows empty list elements
		}
		a, b, found := strings.Cut(part, "-")
		if !found {
			return nil, false
		}
		var first, last int64
		if a == "" { // the last b bytes
			n, err := strconv.ParseInt(b, 10, 64)
			if err != nil || n < 0 {
				return nil, false
			}
			if n == 0 || size == 0 {
				continue // unsatisfiable
			}
			first, last = max(0, size-n), size-1
		} else {
			var err error
			if first, err = strconv.ParseInt(a, 10, 64); err != nil || first < 0 {
				return nil, false
			}
			last = size - 1
			if b != "" {
				if last, err = strconv.ParseInt(b, 10, 64); err != nil || last < first {
					return nil, false
				}
				last = min(last, size-1)
			}
			if first >= size {
				continue // unsatisfiable
			}
		}
		if ranges = append(ranges, [2]int64{first, last}); len(ranges) > 1024 {
			return nil, false // too many to be worth merging: the whole file is the answer
		}
	}
	slices.SortFunc(ranges, func(x, y [2]int64) int { return cmp.Compare(x[0], y[0]) })
	merged := ranges[:0]
	for _, rg := range ranges {
		if n := len(merged); n > 0 && rg[0] <= merged[n-1][1]+1 {
			merged[n-1][1] = max(merged[n-1][1], rg[1])
			continue
		}
		merged = append(merged, rg)
	}
	return merged, true
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

// precompressed opens the variant (name.br or name.gz) that acceptEncoding prefers, by q-value, to the others
// and to the plain file; on a tie the smaller brotli wins, and a compressed variant wins over the plain file.
func (s *siteHandler) precompressed(name, acceptEncoding string) (string, *os.File, fs.FileInfo) {
	var best *os.File
	var bestInfo fs.FileInfo
	bestName, bestQ := "", qvalue(acceptEncoding, "identity")
	for _, e := range encodings {
		q := qvalue(acceptEncoding, e.name)
		if q <= 0 || q < bestQ || (best != nil && q == bestQ) {
			continue
		}
		if f, info, err := s.open(name + e.ext); err == nil {
			if best != nil {
				best.Close()
			}
			best, bestInfo, bestName, bestQ = f, info, e.name, q
		}
	}
	return bestName, best, bestInfo
}

func (s *siteHandler) hasVariant(name string) bool {
	for _, e := range encodings {
		if _, err := s.root.Stat(name + e.ext); err == nil {
			return true
		}
	}
	return false
}

// qvalue is the weight an Accept-Encoding header gives coding: its own q, else that of "*", else 0. The plain
// file is sent when nothing else is preferred, so identity's implicit acceptability needs no weight.
func qvalue(header, coding string) float64 {
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		c := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if v, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(p)), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
		}
		switch c {
		case coding:
			return q
		case "*":
			star = q
		}
	}
	return max(star, 0)
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
)

// server serves the bench pages (/bench/), the competing engines (/nm/), the built site (/site/) and the
// measured files (/data/), and receives each page's result (POST /result?id=N). One server listens on two
// ports: the plain one is any static host; the isolated one adds COOP/COEP, which wasm threads need.
type server struct {
	data map[string]string // /data/ name -> path

	mu      sync.Mutex
	waiting map[string]chan []byte // result id -> where its page's result goes
}

func newServer(data map[string]string) *server {
	return &server{data: data, waiting: map[string]chan []byte{}}
}

// listen starts the server on a free port of 127.0.0.1 and returns its origin.
func (s *server) listen(isolated bool) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	h := http.Handler(s)
	if isolated {
		h = crossOriginIsolate(h)
	}
	go http.Serve(ln, h)
	return "http://" + ln.Addr().String(), nil
}

func crossOriginIsolate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// expect registers a result id and returns the channel its result arrives on.
func (s *server) expect(id string) chan []byte {
	ch := make(chan []byte, 1)
	s.mu.Lock()
	s.waiting[id] = ch
	s.mu.Unlock()
	return ch
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/result" && r.Method == http.MethodPost {
		s.result(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	roots := []struct{ prefix, dir string }{
		{"/bench/", pageDir},
		{"/nm/", filepath.Join(buildDir, "node_modules")},
		{"/site/", siteDir},
	}
	for _, root := range roots {
		if rest, ok := strings.CutPrefix(r.URL.Path, root.prefix); ok {
			serveFile(w, r, root.dir, rest)
			return
		}
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/data/"); ok {
		if path, ok := s.data[name]; ok {
			http.ServeFile(w, r, path)
			return
		}
	}
	http.NotFound(w, r)
}

// serveFile serves dir/rest, never a file outside dir, with the types wasm and module scripts need.
func serveFile(w http.ResponseWriter, r *http.Request, dir, rest string) {
	if strings.Contains(rest, "..") || strings.HasPrefix(rest, "/") {
		http.Error(w, "bad path", http.StatusBadRequest)
		return
	}
	switch filepath.Ext(rest) {
	case ".wasm":
		w.Header().Set("Content-Type", "application/wasm")
	case ".js", ".mjs":
		w.Header().Set("Content-Type", "text/javascript")
	default:
		if t := mime.TypeByExtension(filepath.Ext(rest)); t != "" {
			w.Header().Set("Content-Type", t)
		}
	}
	http.ServeFile(w, r, filepath.Join(dir, filepath.FromSlash(rest)))
}

func (s *server) result(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		http.Error(w, fmt.Sprint("bad result: ", err), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	ch := s.waiting[id]
	delete(s.waiting, id)
	s.mu.Unlock()
	if ch == nil {
		http.Error(w, "no measurement waits for result "+id, http.StatusNotFound)
		return
	}
	ch <- body
	w.WriteHeader(http.StatusNoContent)
}

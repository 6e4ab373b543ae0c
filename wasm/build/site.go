package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/andybalholm/brotli"

	"inceptionweb/model"
)

// site is the output directory of one build.
type site struct {
	dir     string
	kept    map[string]bool // slash paths relative to dir written or confirmed by this build
	written int
}

func newSite(dir string) *site { return &site{dir: dir, kept: map[string]bool{}} }

// hashedName matches the names add gives: name-<12 hex>.ext (and their .br/.gz companions).
var hashedName = regexp.MustCompile(`-[0-9a-f]{12}\.[a-z0-9]+(\.br|\.gz)?$`)

// hashed returns name with the first 12 hex digits of sum before its extension: app.js -> app-0123456789ab.js.
func hashed(name string, sum [32]byte) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "-" + hex.EncodeToString(sum[:])[:12] + ext
}

// add writes data under its content-hashed name, unless that file is already there, and returns the name.
func (s *site) add(name string, data []byte) (string, error) {
	rel := hashed(name, sha256.Sum256(data))
	if _, err := os.Stat(s.path(rel)); err != nil {
		if err := s.write(rel, data); err != nil {
			return "", err
		}
	}
	return rel, s.compress(rel, data)
}

func (s *site) addFile(name, src string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	return s.add(name, data)
}

// addFixed writes a file whose name does not change (index.html, models.json).
func (s *site) addFixed(rel string, data []byte) error {
	if old, err := os.ReadFile(s.path(rel)); err != nil || !bytes.Equal(old, data) {
		if err := s.write(rel, data); err != nil {
			return err
		}
		for _, ext := range []string{".br", ".gz"} { // stale companions of the old content
			os.Remove(s.path(rel + ext))
		}
	}
	return s.compress(rel, data)
}

func (s *site) path(rel string) string { return filepath.Join(s.dir, filepath.FromSlash(rel)) }

// write writes through a temporary file, so that a server never sees half a file.
func (s *site) write(rel string, data []byte) error {
	p := s.path(rel)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		return err
	}
	s.kept[rel] = true
	s.written++
	return nil
}

// compressible are the kinds of files worth a .br and a .gz companion.
var compressible = map[string]bool{".wasm": true, ".js": true, ".css": true, ".html": true, ".json": true, ".safetensors": true}

// compress writes rel.br and rel.gz when they are missing and save at least a tenth of the size. Hashed
// names never change content, so an existing companion is up to date.
func (s *site) compress(rel string, data []byte) error {
	s.kept[rel] = true
	if !compressible[path.Ext(rel)] || len(data) < 1024 {
		return nil
	}
	for _, c := range []struct {
		ext string
		fn  func([]byte) ([]byte, error)
	}{{".br", brotliBytes}, {".gz", gzipBytes}} {
		name := rel + c.ext
		if _, err := os.Stat(s.path(name)); err == nil {
			s.kept[name] = true
			continue
		}
		z, err := c.fn(data)
		if err != nil {
			return err
		}
		if len(z) > len(data)*9/10 {
			continue
		}
		if err := s.write(name, z); err != nil {
			return err
		}
	}
	return nil
}

func brotliBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	// Quality 9 is within a few percent of 11 at a fraction of the time for multi-megabyte wasm files.
	w := brotli.NewWriterLevel(&buf, 9)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	err := w.Close()
	return buf.Bytes(), err
}

func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	err := w.Close()
	return buf.Bytes(), err
}

// modelEntry is a line of build/models/index.json, and of the site's models.json with its URL and the model
// file's Summary added (network and precision for the page's picker, the preprocessing for its early crop).
type modelEntry struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Bytes   int64  `json:"bytes"`
	Default bool   `json:"default,omitempty"`
	URL     string `json:"url,omitempty"`
	Compute string `json:"compute,omitempty"` // "int8" or "float32", from index.json
	model.Summary
}

// addModels copies the models of dir/index.json, verified by size and sha256, to models/<name>-<sha>.safetensors.
func (s *site) addModels(dir string) ([]modelEntry, error) {
	index := filepath.Join(dir, "index.json")
	raw, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("%v (run `make weights` first)", err)
	}
	var entries []modelEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("%s: %v", index, err)
	}
	for i, e := range entries {
		if e.Name == "" || e.File == "" || strings.ContainsAny(e.File, `/\`) || len(e.SHA256) != 64 {
			return nil, fmt.Errorf("%s: entry %d: needs name, a plain file name and a 64-digit sha256", index, i)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.File))
		if err != nil {
			return nil, fmt.Errorf("%s: entry %q: %v", index, e.Name, err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != e.SHA256 || int64(len(data)) != e.Bytes {
			return nil, fmt.Errorf("%s: %s has sha256 %s and %d bytes; index.json says %s and %d bytes",
				index, e.File, got, len(data), e.SHA256, e.Bytes)
		}
		if entries[i].Summary, err = model.Summarize(e.File, data); err != nil {
			return nil, fmt.Errorf("%s: %v", index, err)
		}
		rel, err := s.add("models/"+e.Name+path.Ext(e.File), data)
		if err != nil {
			return nil, err
		}
		entries[i].URL = rel
	}
	return entries, nil
}

// removeStale deletes hashed files (and temporary files) that this build did not produce.
func (s *site) removeStale() error {
	for _, sub := range []string{".", "models"} {
		list, err := os.ReadDir(filepath.Join(s.dir, sub))
		if err != nil {
			return err
		}
		for _, f := range list {
			rel := path.Join(sub, f.Name())
			if f.IsDir() || s.kept[rel] {
				continue
			}
			if hashedName.MatchString(f.Name()) || strings.HasSuffix(f.Name(), ".tmp") {
				if err := os.Remove(s.path(rel)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

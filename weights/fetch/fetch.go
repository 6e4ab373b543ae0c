// Package fetch gets the model sources of the manifest (weights.Source) for the converter: from a local mirror
// folder when the file is there, else from its official address over the network, verified by sha256 either way.
// It is a package of its own so that what runs in the page, which reads package weights, does not carry an HTTP
// client.
package fetch

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"inceptionweb/weights"
)

// File returns the source's file, from the local mirror when it is there, else from its official address, and
// verifies its sha256 either way. where says which it was.
func File(s weights.Source, mirrorDir string) (data []byte, where string, err error) {
	if s.Mirror != "" && mirrorDir != "" {
		p := filepath.Join(mirrorDir, s.Mirror)
		if data, err := os.ReadFile(p); err == nil {
			return data, p, s.Verify(p, data)
		}
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	resp, err := client.Get(s.URL)
	if err != nil {
		return nil, s.URL, fmt.Errorf("%s: not in the local mirror and the official address is unreachable: %w", s.File, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, s.URL, fmt.Errorf("%s: %s answered %s", s.File, s.URL, resp.Status)
	}
	data, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, s.URL, fmt.Errorf("%s: download: %w", s.File, err)
	}
	return data, s.URL, s.Verify(s.URL, data)
}

// Files returns every file of a source of several files by its path, each from the local mirror when it is there,
// else from the official address, verified by its sha256 either way. where says where the first came from.
func Files(s weights.Source, mirrorDir string) (files map[string][]byte, where string, err error) {
	if len(s.Files) == 0 {
		return nil, "", fmt.Errorf("%s: the manifest lists no files", s.Name)
	}
	files = make(map[string][]byte, len(s.Files))
	for i, f := range s.Files {
		one := weights.Source{Name: s.Name, File: f.Path, URL: s.URL + f.Path, SHA256: f.SHA256}
		if s.Mirror != "" {
			one.Mirror = s.Mirror + "/" + f.Path
		}
		data, w, err := File(one, mirrorDir)
		if err != nil {
			return nil, w, err
		}
		if i == 0 {
			where = strings.TrimSuffix(w, f.Path)
		}
		files[f.Path] = data
	}
	return files, where, nil
}

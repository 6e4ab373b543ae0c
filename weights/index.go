package weights

import (
	"encoding/json"
	"fmt"
)

// IndexEntry describes one converted model file in build/models/index.json, which the site build and the
// command line classifier read.
type IndexEntry struct {
	Name    string `json:"name"`
	Title   string `json:"title"`
	File    string `json:"file"`   // relative to the index
	SHA256  string `json:"sha256"` // of the whole file
	Bytes   int64  `json:"bytes"`
	Default bool   `json:"default,omitempty"`
	Compute string `json:"compute,omitempty"` // the arithmetic the model runs in (Meta.Compute)
}

// ParseIndex reads an index and checks that it names at most one default model.
func ParseIndex(data []byte) ([]IndexEntry, error) {
	var entries []IndexEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("bad model index: %w", err)
	}
	defaults := 0
	for _, e := range entries {
		if e.Name == "" || e.File == "" || len(e.SHA256) != 64 {
			return nil, fmt.Errorf("bad model index entry %+v", e)
		}
		if e.Default {
			defaults++
		}
	}
	if defaults > 1 {
		return nil, fmt.Errorf("model index names %d default models", defaults)
	}
	return entries, nil
}

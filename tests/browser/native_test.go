package browser

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
)

// nativeTop runs the native classifier (tools/classify, the same Go code) and returns, per file, the labels
// that score within tie of its best: the browser resizes with its own filter, so near-ties may swap.
func nativeTop(t *testing.T, tie float64, files ...string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./tools/classify", "-json"}, files...)...)
	cmd.Dir = testenv.Root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("native classifier: %v", err)
	}
	var results []struct {
		File        string `json:"file"`
		Predictions []struct {
			Label string  `json:"label"`
			Prob  float64 `json:"prob"`
		} `json:"predictions"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("native classifier output: %v", err)
	}
	top := map[string][]string{}
	for _, r := range results {
		for _, p := range r.Predictions {
			if p.Prob >= r.Predictions[0].Prob-tie {
				top[filepath.Base(r.File)] = append(top[filepath.Base(r.File)], p.Label)
			}
		}
	}
	return top
}

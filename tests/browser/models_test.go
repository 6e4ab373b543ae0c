package browser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"inceptionweb/model"
)

const syntheticInception = "inception_v3_synthetic"

var synthetic struct {
	once sync.Once
	data []byte
	err  error
}

// syntheticInceptionFile is InceptionV3 with the deterministic test weights, int8-encoded (about 24 MB): the
// real network's shape and cost, for tests that need an InceptionV3 model without its real weights.
func syntheticInceptionFile(t testing.TB) []byte {
	t.Helper()
	synthetic.once.Do(func() { synthetic.data, synthetic.err = model.Synthetic(model.Int8) })
	if synthetic.err != nil {
		t.Fatal(synthetic.err)
	}
	return synthetic.data
}

// serveWithInception serves the built site with the synthetic InceptionV3 added to its models.json.
func serveWithInception(t testing.TB, site string) string {
	t.Helper()
	data := syntheticInceptionFile(t)
	raw, err := os.ReadFile(filepath.Join(site, "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []map[string]any
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatalf("models.json: %v", err)
	}
	sum := sha256.Sum256(data)
	file := syntheticInception + ".safetensors"
	entries = append(entries, map[string]any{
		"name": syntheticInception, "title": "InceptionV3 (synthetic test weights)", "file": file,
		"sha256": hex.EncodeToString(sum[:]), "bytes": len(data), "url": "test-models/" + file,
	})
	models, err := json.Marshal(entries)
	if err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(site))
	mux := http.NewServeMux()
	mux.HandleFunc("/models.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(models)
	})
	mux.HandleFunc("/test-models/"+file, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data)
	})
	mux.Handle("/", files)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

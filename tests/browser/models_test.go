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
	return serveWithInceptionAfter(t, site, nil)
}

// serveWithInceptionAfter is serveWithInception whose models.json is answered only once gate is closed (nil:
// at once).
func serveWithInceptionAfter(t testing.TB, site string, gate <-chan struct{}) string {
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
		if gate != nil {
			<-gate
		}
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

// TestHostModelList serves a models.json with a model the build does not have, and holds it back: the page
// starts with the build's default model without it, and offers the host's model once models.json is
// answered; asked for by name, that model is found in models.json and loaded.
func TestHostModelList(t *testing.T) {
	site := builtSite(t)
	raw, err := os.ReadFile(filepath.Join(site, "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Name    string
		Default bool
	}
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	def := entries[0].Name
	for _, e := range entries {
		if e.Default {
			def = e.Name
		}
	}
	gate := make(chan struct{})
	released := false
	release := func() {
		if !released {
			close(gate)
			released = true
		}
	}
	url := serveWithInceptionAfter(t, site, gate)
	t.Cleanup(release) // before the server closes: it waits for its handlers
	b := browser(t)
	ctx := open(t, b, url+"?workers=1")
	waitReady(t, ctx)
	if got := eval[string](t, ctx, statusJS+".dataset.model"); got != def {
		t.Errorf("started with %q, want the build's default %q", got, def)
	}
	release()
	waitFor(t, ctx, "the host's model in the picker", fmt.Sprintf(`Array.from(document.querySelectorAll("[data-testid=model-select] option"), (o) => o.value).includes(%q)`, syntheticInception))

	ctx = open(t, b, url+"?workers=1&model="+syntheticInception)
	waitReady(t, ctx)
	if got := eval[string](t, ctx, statusJS+".dataset.model"); got != syntheticInception {
		t.Errorf("?model=%s started with %q", syntheticInception, got)
	}
}

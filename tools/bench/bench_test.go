package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsolatedOriginHeaders(t *testing.T) {
	t.Chdir("../..") // paths are relative to the repository root, where make runs the bench
	s := newServer(nil)
	for _, isolated := range []bool{false, true} {
		var h http.Handler = s
		if isolated {
			h = crossOriginIsolate(s)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/bench/common.js", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("isolated=%v: GET /bench/common.js: %d", isolated, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/javascript" {
			t.Errorf("isolated=%v: Content-Type %q", isolated, got)
		}
		coep := rec.Header().Get("Cross-Origin-Embedder-Policy")
		if isolated != (coep == "require-corp") || isolated != (rec.Header().Get("Cross-Origin-Opener-Policy") == "same-origin") {
			t.Errorf("isolated=%v: COOP %q, COEP %q", isolated, rec.Header().Get("Cross-Origin-Opener-Policy"), coep)
		}
	}
}

func TestServerServesOnlyItsFiles(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.bin")
	if err := os.WriteFile(model, []byte("weights"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newServer(map[string]string{"m.bin": model})
	for path, want := range map[string]int{
		"/data/m.bin":           http.StatusOK,
		"/data/other.bin":       http.StatusNotFound,
		"/bench/../bench.go":    http.StatusBadRequest,
		"/bench/%2e%2e/main.go": http.StatusBadRequest,
		"/elsewhere":            http.StatusNotFound,
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, &http.Request{Method: "GET", URL: mustURL(t, path)})
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

func TestResultReachesItsMeasurement(t *testing.T) {
	s := newServer(nil)
	ch := s.expect("7")
	post := func(id, body string) int {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("POST", "/result?id="+id, strings.NewReader(body)))
		return rec.Code
	}
	if code := post("7", "not json"); code != http.StatusBadRequest {
		t.Errorf("bad JSON: %d", code)
	}
	if code := post("8", `{"median_ms":1}`); code != http.StatusNotFound {
		t.Errorf("unknown id: %d", code)
	}
	if code := post("7", `{"median_ms":12.5}`); code != http.StatusNoContent {
		t.Fatalf("result: %d", code)
	}
	if got := string(<-ch); got != `{"median_ms":12.5}` {
		t.Errorf("got %s", got)
	}
	if code := post("7", `{"median_ms":1}`); code != http.StatusNotFound {
		t.Errorf("second result for one id: %d", code)
	}
}

func TestPlan(t *testing.T) {
	ms := plan(10, 2, "")
	if len(ms) != 12 {
		t.Fatalf("%d measurements, want 9 of ours (one split), 2 onnxruntime-web, 1 TFLite", len(ms))
	}
	seen := map[string]bool{}
	for _, m := range ms {
		id := pageID(m.Page)
		if id == "" || seen[id] {
			t.Errorf("%s: missing or repeated id", m.Page)
		}
		seen[id] = true
		if !strings.Contains(m.Page, "runs=10") || !strings.Contains(m.Page, "warmup=2") {
			t.Errorf("%s: runs or warm-up missing", m.Page)
		}
		if strings.HasPrefix(m.Engine, "inceptionweb") && (m.Workers > 1) != (strings.Contains(m.Engine, "round-robin") || strings.Contains(m.Engine, "split")) {
			t.Errorf("%s with %d workers: the label must say whether it is round-robin", m.Engine, m.Workers)
		}
		if m.Isolated != strings.Contains(m.Engine, "COOP/COEP") {
			t.Errorf("%s: isolated=%v", m.Engine, m.Isolated)
		}
	}
	if got := plan(10, 2, "tflite"); len(got) != 1 || pageID(got[0].Page) != pageID(ms[11].Page) {
		t.Errorf("-only tflite: %+v", got)
	}
}

func TestReportJSONLines(t *testing.T) {
	peak := 100.0 * mib
	results := []result{
		{measurement: measurement{Engine: ourEngine("simd", 1), Model: inception, Workers: 1},
			pageResult: pageResult{MedianMS: 240.04, PeakBytes: &peak}},
		{measurement: measurement{Engine: ortName + " (wasm)", Model: inception, Workers: 1},
			pageResult: pageResult{MedianMS: 300}},
		{measurement: measurement{Engine: tfliteNm, Model: mobilenet, Workers: 1}, Err: "timeout"},
	}
	var out bytes.Buffer
	jsonl := filepath.Join(t.TempDir(), "results.jsonl")
	if err := report(&out, results, nil, jsonl); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"engine":"inceptionweb (SIMD)","model":"inception_v3","workers":1,"median_ms":240,"peak_mb":100}
{"engine":"onnxruntime-web 1.30.0 (wasm)","model":"inception_v3","workers":1,"median_ms":300,"peak_mb":null}
{"engine":"tflite-web 0.0.1-alpha.10","model":"mobilenet_v2_uint8","workers":1,"median_ms":null,"peak_mb":null}
`
	if string(file) != want {
		t.Errorf("results.jsonl:\n%s\nwant\n%s", file, want)
	}
	if !strings.HasSuffix(out.String(), "\n\n"+want) {
		t.Errorf("the JSON lines must come last:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "= 0.80  [<= 0.8]") {
		t.Errorf("no InceptionV3 1-worker ratio 240/300:\n%s", out.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || len(m) != 5 {
			t.Errorf("%s: %v, %d keys", l, err, len(m))
		}
	}
}

func TestTestImage(t *testing.T) {
	a, b := testImage(224), testImage(224)
	if !bytes.Equal(a, b) || len(a) != 224*224*4 {
		t.Fatal("the test image must be the same every time, 224x224 RGBA")
	}
	for i := 3; i < len(a); i += 4 {
		if a[i] != 255 {
			t.Fatalf("pixel %d is not opaque", i/4)
		}
	}
}

func mustURL(t *testing.T, path string) *url.URL {
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

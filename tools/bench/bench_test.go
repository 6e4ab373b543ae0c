package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"inceptionweb/nn/imagenet"
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

// testModels is what findModels and openModel make of a typical build: GoogLeNet float and int8-compute,
// InceptionV3 float (its int8 file missing), MobileNetV2.
func testModels() []benchModel {
	return []benchModel{
		{Name: "googlenet", Family: googlenet, Entry: "googlenet", Compute: computeFloat, Size: 224, Split: true},
		{Name: "googlenet_int8", Family: googlenet, Entry: "googlenet_int8", Compute: computeInt8, Size: 224, Split: true},
		{Name: "inception_v3", Family: inception, Entry: "inception_v3_synthetic", Compute: computeFloat, Size: 299, Split: true},
		{Name: "inception_v3_int8", Family: inception, Entry: "inception_v3_synthetic_int8", Missing: "not in build/bench-models/index.json"},
		{Name: mobileU8, Family: mobilenet, Entry: mobileU8, Compute: computeInt8, Size: 224},
	}
}

var testData = map[string]string{
	"googlenet.onnx": "x", "inception_v3.onnx": "x", "mobilenet_v2_uint8.tflite": "x",
}

func TestPlan(t *testing.T) {
	ms := plan(testModels(), testData, options{Kernels: []string{"simd"}, Workers: []int{1, 2}, Warmup: 3})
	type row struct {
		engine, model, compute string
		workers                int
	}
	var got []row
	seen := map[string]bool{}
	for _, m := range ms {
		got = append(got, row{m.Engine, m.Model, m.Compute, m.Workers})
		id := pageID(m.Page)
		if id == "" || seen[id] {
			t.Errorf("%s: missing or repeated id", m.Page)
		}
		seen[id] = true
		if !strings.Contains(m.Page, "warmup=3") {
			t.Errorf("%s: warm-up missing", m.Page)
		}
		if strings.HasPrefix(m.Engine, "inceptionweb") && (m.Workers > 1) != (strings.Contains(m.Engine, "round-robin") || strings.Contains(m.Engine, "split")) {
			t.Errorf("%s with %d workers: the label must say whether it is round-robin", m.Engine, m.Workers)
		}
		if m.Isolated != strings.Contains(m.Engine, "COOP/COEP") {
			t.Errorf("%s: isolated=%v", m.Engine, m.Isolated)
		}
	}
	want := []row{
		{"inceptionweb (SIMD)", "googlenet", "float32", 1},
		{"inceptionweb (SIMD, round-robin)", "googlenet", "float32", 2},
		{"inceptionweb (SIMD, split)", "googlenet", "float32", 2},
		{"inceptionweb (SIMD)", "googlenet_int8", "int8", 1},
		{"inceptionweb (SIMD, round-robin)", "googlenet_int8", "int8", 2},
		{"inceptionweb (SIMD, split)", "googlenet_int8", "int8", 2},
		{"inceptionweb (SIMD)", "inception_v3", "float32", 1},
		{"inceptionweb (SIMD, round-robin)", "inception_v3", "float32", 2},
		{"inceptionweb (SIMD, split)", "inception_v3", "float32", 2},
		{"inceptionweb (SIMD)", mobileU8, "int8", 1},
		{"inceptionweb (SIMD, round-robin)", mobileU8, "int8", 2},
		{ort1, "inception_v3", "float32", 1},
		{ort2, "inception_v3", "float32", 2},
		{ort1, "googlenet", "float32", 1},
		{ort2, "googlenet", "float32", 2},
		{tflite1, mobileU8, "int8", 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("plan:\n%v\nwant\n%v", got, want)
	}
	for _, m := range ms {
		switch {
		case m.Engine == ort1 && m.Model == "googlenet" && !strings.Contains(m.Page, "ort.html?net=googlenet&size=224&threads=1"),
			m.Engine == ort2 && m.Model == "inception_v3" && !strings.Contains(m.Page, "net=inception_v3&size=299&threads=2"),
			m.Engine == tflite1 && !strings.Contains(m.Page, "tflite.html?model=mobilenet_v2_uint8.tflite"),
			m.Model == "inception_v3" && strings.HasPrefix(m.Engine, "inceptionweb") && !strings.Contains(m.Page, "model=inception_v3_synthetic.safetensors&size=299"):
			t.Errorf("%s on %s: page %s", m.Engine, m.Model, m.Page)
		}
	}

	// -only keeps the ids of the full plan, so results still find their tab.
	if got := plan(testModels(), testData, options{Kernels: []string{"simd"}, Workers: []int{1, 2}, Only: "tflite"}); len(got) != 1 || pageID(got[0].Page) != pageID(ms[15].Page) {
		t.Errorf("-only tflite: %+v", got)
	}
	// Pure Go adds rows of its own, never split; a reference whose file is not served has no row.
	both := plan(testModels(), map[string]string{"googlenet.onnx": "x"}, options{Kernels: []string{"go", "simd"}, Workers: []int{1}})
	var engines []string
	for _, m := range both {
		engines = append(engines, m.Engine+" "+m.Model)
	}
	wantEngines := []string{
		"inceptionweb (pure Go) googlenet", "inceptionweb (SIMD) googlenet", "inceptionweb (SIMD, split) googlenet",
		"inceptionweb (pure Go) googlenet_int8", "inceptionweb (SIMD) googlenet_int8", "inceptionweb (SIMD, split) googlenet_int8",
		"inceptionweb (pure Go) inception_v3", "inceptionweb (SIMD) inception_v3", "inceptionweb (SIMD, split) inception_v3",
		"inceptionweb (pure Go) mobilenet_v2_uint8", "inceptionweb (SIMD) mobilenet_v2_uint8",
		ort1 + " googlenet", ort2 + " googlenet",
	}
	if !slices.Equal(engines, wantEngines) {
		t.Errorf("go,simd with 1 worker and only GoogLeNet's ONNX:\n%q\nwant\n%q", engines, wantEngines)
	}
	// WebGPU rows: ours on each float model asked for, onnxruntime-web's WebGPU provider on its network; their
	// own runs and one warm-up, the others' unchanged.
	gpu := plan(testModels(), map[string]string{"googlenet.onnx": "x", "googlenet_webgpu.onnx": "x"}, options{Kernels: []string{"simd"}, Workers: []int{1},
		Runs: 25, Warmup: 2, WebGPU: []string{"googlenet", "googlenet_int8", mobileU8}, WebGPURuns: 3})
	engines = nil
	for _, m := range gpu {
		engines = append(engines, m.Engine+" "+m.Model)
		if want := 25; m.WebGPU {
			want = 3
			if m.Runs != want || !strings.Contains(m.Page, "warmup=1") {
				t.Errorf("%s on %s: %d runs, page %s", m.Engine, m.Model, m.Runs, m.Page)
			}
		} else if m.Runs != want || !strings.Contains(m.Page, "warmup=2") {
			t.Errorf("%s on %s: %d runs, page %s", m.Engine, m.Model, m.Runs, m.Page)
		}
		switch {
		case m.Engine == oursGPU && !strings.Contains(m.Page, "ours.html?model=googlenet.safetensors&size=224&workers=1&gpu=gpu&"),
			m.Engine == ortGPU && !strings.Contains(m.Page, "ort.html?net=googlenet&size=224&ep=webgpu&"),
			m.WebGPU != (m.Engine == oursGPU || m.Engine == ortGPU),
			!m.WebGPU && strings.Contains(m.Page, "gpu="):
			t.Errorf("%s on %s: page %s, WebGPU %v", m.Engine, m.Model, m.Page, m.WebGPU)
		}
	}
	wantEngines = []string{
		"inceptionweb (SIMD) googlenet", "inceptionweb (SIMD, split) googlenet", oursGPU + " googlenet",
		"inceptionweb (SIMD) googlenet_int8", "inceptionweb (SIMD, split) googlenet_int8",
		"inceptionweb (SIMD) inception_v3", "inceptionweb (SIMD, split) inception_v3",
		"inceptionweb (SIMD) mobilenet_v2_uint8",
		ort1 + " googlenet", ort2 + " googlenet", ortGPU + " googlenet",
	}
	if !slices.Equal(engines, wantEngines) {
		t.Errorf("WebGPU on googlenet (float), googlenet_int8 and mobilenet_v2_uint8 (int8):\n%q\nwant\n%q", engines, wantEngines)
	}
	if got := webgpuSkipped([]string{"googlenet", "googlenet_int8", "inception_v3_int8", "mobilenet_v2_int8"}, testModels()); !slices.Equal(got, []string{
		"googlenet_int8 on WebGPU: skipped, int8 compute (WebGPU runs float models)",
		"mobilenet_v2_int8 on WebGPU: skipped, not among -models",
	}) {
		t.Errorf("WebGPU skipped: %q", got)
	}
	// No model of a family present: no reference rows for it either.
	var none []benchModel
	for _, m := range testModels() {
		if m.Family != googlenet {
			m.Missing = "gone"
		}
		none = append(none, m)
	}
	for _, m := range plan(none, testData, options{Kernels: []string{"simd"}, Workers: []int{1}}) {
		if m.Family != googlenet {
			t.Errorf("%s on %s planned without a model of its family", m.Engine, m.Model)
		}
	}
}

func TestSchedule(t *testing.T) {
	for _, c := range []struct {
		runs          []int
		batch, rounds int
	}{
		{[]int{25, 25, 25, 25, 25}, 1, 25}, {[]int{10, 10, 10}, 4, 3}, {[]int{3, 3, 3, 3}, 10, 1}, {[]int{1}, 1, 1},
		{[]int{5, 5, 3, 3}, 1, 5}, {[]int{10, 3, 10, 3}, 4, 3}, {[]int{25, 3}, 2, 13},
	} {
		sched := schedule(c.runs, c.batch)
		if len(sched) != c.rounds {
			t.Errorf("%+v: %d rounds", c, len(sched))
		}
		n := len(c.runs)
		runs := make([]int, n)
		rounds := make([][]int, n) // the rounds each measurement takes part in
		for r, round := range sched {
			seen := map[int]bool{}
			for _, st := range round {
				if seen[st.Index] {
					t.Errorf("%+v: round %d runs %d twice: %v", c, r, st.Index, round)
				}
				seen[st.Index] = true
				runs[st.Index] += st.Runs
				rounds[st.Index] = append(rounds[st.Index], r)
				if st.Runs < 1 || st.Runs > c.batch {
					t.Errorf("%+v: round %d: a batch of %d", c, r, st.Runs)
				}
			}
			// The order rotates by one every round: round r runs r, r+1, ... (mod n), leaving some out.
			place := func(st step) int { return ((st.Index-r)%n + n) % n }
			for j := 1; j < len(round); j++ {
				if place(round[j]) <= place(round[j-1]) {
					t.Errorf("%+v: round %d is not in the rotated order: %v", c, r, round)
				}
			}
		}
		for i, got := range runs {
			if got != c.runs[i] {
				t.Errorf("%+v: measurement %d gets %d timed runs", c, i, got)
			}
		}
		for i := range n {
			// Every round for the most runs; fewer batches start in the first round and spread over the rest,
			// and measurements with as many runs share their rounds.
			if len(rounds[i]) == 0 || rounds[i][0] != 0 {
				t.Errorf("%+v: measurement %d starts in round %v", c, i, rounds[i])
			}
			if last := rounds[i][len(rounds[i])-1]; len(rounds[i]) > 1 && last < c.rounds/2 {
				t.Errorf("%+v: measurement %d runs only in rounds %v: its batches must spread over the run", c, i, rounds[i])
			}
			for k := range n {
				if c.runs[k] == c.runs[i] && !slices.Equal(rounds[k], rounds[i]) {
					t.Errorf("%+v: measurements %d and %d have as many runs in rounds %v and %v", c, i, k, rounds[i], rounds[k])
				}
			}
		}
	}
	if got := schedule([]int{5, 5, 3, 3}, 1); !slices.Equal(got[1], []step{{1, 1}, {0, 1}}) ||
		!slices.Equal(got[2], []step{{2, 1}, {3, 1}, {0, 1}, {1, 1}}) {
		t.Errorf("5, 5, 3 and 3 runs: %v", got)
	}
	if schedule(nil, 1) != nil || schedule([]int{0, 0}, 1) != nil {
		t.Error("nothing to run must give no rounds")
	}
}

func TestParseModels(t *testing.T) {
	got, err := parseModels("-models", "googlenet, googlenet_int8,inception_v3_int8,googlenet,mobilenet_v2_int8")
	if err != nil || !slices.Equal(got, []string{"googlenet", "googlenet_int8", "inception_v3_int8", "mobilenet_v2_int8"}) {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"", "resnet50", "googlenetx", "inception"} {
		if _, err := parseModels("-models", bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if f := familyOf("inception_v3_int8"); f == nil || f.Entry("inception_v3_int8") != "inception_v3_synthetic_int8" || f.Index != benchIndex {
		t.Errorf("inception_v3_int8 must be the synthetic weights' int8 file of %s", benchIndex)
	}
	if f := familyOf("googlenet_int8"); f == nil || f.Entry("googlenet_int8") != "googlenet_int8" || f.Index != productIndex {
		t.Errorf("googlenet_int8 must be the product's file")
	}
}

func TestFindModels(t *testing.T) {
	t.Chdir(t.TempDir())
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(productIndex, `[
		{"name": "googlenet", "file": "googlenet.safetensors", "sha256": "x"},
		{"name": "googlenet_int8", "file": "googlenet_int8.safetensors", "compute": "int8"},
		{"name": "mobilenet_v2_uint8", "file": "gone.safetensors"}]`)
	write("build/models/googlenet.safetensors", "")
	write("build/models/googlenet_int8.safetensors", "")
	write(benchIndex, `[{"name": "inception_v3_synthetic", "file": "inception_v3_synthetic.safetensors"}]`)
	write(filepath.Join(inceptionOut, "inception_v3_synthetic.safetensors"), "")
	got := findModels([]string{"googlenet", "googlenet_int8", "inception_v3", "inception_v3_int8", mobileU8, "mobilenet_v2_int8"})
	for _, c := range []struct {
		name, path, compute, missing string
	}{
		{"googlenet", "build/models/googlenet.safetensors", "", ""},
		{"googlenet_int8", "build/models/googlenet_int8.safetensors", "int8", ""},
		{"inception_v3", "build/bench-models/inception_v3_synthetic.safetensors", "", ""},
		{"inception_v3_int8", "", "", "not in build/bench-models/index.json (as inception_v3_synthetic_int8)"},
		{mobileU8, "build/models/gone.safetensors", "", "build/models/index.json lists mobilenet_v2_uint8, but stat build/models/gone.safetensors: no such file or directory"},
		{"mobilenet_v2_int8", "", "", "not in build/models/index.json"},
	} {
		i := slices.IndexFunc(got, func(m benchModel) bool { return m.Name == c.name })
		if i < 0 {
			t.Errorf("%s: not returned", c.name)
			continue
		}
		m := got[i]
		if m.Missing != c.missing || (c.missing == "" && (m.Path != c.path || m.Compute != c.compute)) {
			t.Errorf("%s: path %q, compute %q, missing %q; want %q, %q, %q", c.name, m.Path, m.Compute, m.Missing, c.path, c.compute, c.missing)
		}
	}

}

func TestNCHWInput(t *testing.T) {
	p := imagenet.Caffe()
	p.Size = 2
	rgba := []byte{10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 100, 110, 120, 255}
	got := nchwInput(p, rgba)
	// BGR planes minus (104, 117, 123).
	want := []float32{30 - 104, 60 - 104, 90 - 104, 120 - 104, 20 - 117, 50 - 117, 80 - 117, 110 - 117, 10 - 123, 40 - 123, 70 - 123, 100 - 123}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAgreementChecks(t *testing.T) {
	want := []float64{1, -2, 4, 0.5}
	for _, c := range []struct {
		got     []float64
		tol     float64
		verdict string
	}{
		{[]float64{1, -2, 4.001, 0.5}, closeFloat, ": agree"},
		{[]float64{1, -2, 4.1, 0.5}, closeFloat, "logits NOT CLOSE"},
		{[]float64{1, -2, 4.1, 0.5}, closeQuant, ": agree"},
		{[]float64{5, -2, 4, 0.5}, closeQuant, "top-1 DIFFERS"},
		{[]float64{1, 2}, closeQuant, "DIFFERENT"},
	} {
		l := compare("x", c.got, want, c.tol)
		if !strings.Contains(l, c.verdict) || hasDiffer([]string{l}) == (c.verdict == ": agree") {
			t.Errorf("compare(%v): %s, want %s", c.got, l, c.verdict)
		}
	}
	probs := []float64{0.1, 0.6, 0.2, 0.1}
	for _, c := range []struct {
		got     []top5
		verdict string
	}{
		{[]top5{{1, 0.6001}, {2, 0.2}}, ": agree"},
		{[]top5{{1, 0.55}, {2, 0.25}}, "probabilities NOT CLOSE"},
		{[]top5{{2, 0.6}, {1, 0.2}}, "top-1 DIFFERS"},
		{[]top5{{7, 0.6}}, "DIFFERENT"},
	} {
		l := compareTop5("x", c.got, probs)
		if !strings.Contains(l, c.verdict) || hasDiffer([]string{l}) == (c.verdict == ": agree") {
			t.Errorf("compareTop5(%v): %s, want %s", c.got, l, c.verdict)
		}
	}
}

func TestRatios(t *testing.T) {
	res := func(engine, model, fam, compute string, workers int, ms float64) result {
		return result{measurement: measurement{Engine: engine, Model: model, Family: fam, Compute: compute, Workers: workers},
			MedianMS: ms, TimesMS: []float64{ms}}
	}
	peak := 150.0 * mib
	results := []result{
		res(ours1, "googlenet", googlenet, "float32", 1, 60),
		res(ours1, "googlenet_int8", googlenet, "int8", 1, 45),
		res(oursRR, "googlenet_int8", googlenet, "int8", 2, 30),
		res(ours1, "inception_v3", inception, "float32", 1, 240),
		res(oursRR, "inception_v3", inception, "float32", 2, 160),
		res(oursSplit, "inception_v3", inception, "float32", 2, 190),
		res(ours1, mobileU8, mobilenet, "int8", 1, 18),
		res(ort1, "googlenet", googlenet, "float32", 1, 100),
		res(ort1, "inception_v3", inception, "float32", 1, 400),
		res(ort2, "inception_v3", inception, "float32", 2, 250),
		res(tflite1, mobileU8, mobilenet, "int8", 1, 20),
	}
	results[3].PeakBytes = &peak
	results = append(results, result{measurement: measurement{Engine: ort2, Model: "googlenet", Family: googlenet}, Err: "timeout"})
	gpu := func(engine, model, fam string, ms float64) result {
		r := res(engine, model, fam, "float32", 1, ms)
		r.WebGPU, r.Adapter = true, "swiftshader"
		return r
	}
	results = append(results, gpu(oursGPU, "googlenet", googlenet, 800), gpu(ortGPU, "googlenet", googlenet, 1000),
		gpu(oursGPU, "inception_v3", inception, 9000))
	got := strings.Join(ratios(results), "\n")
	for _, want := range []string{
		"GoogLeNet googlenet (float32 compute) ours (SIMD, 1 worker) / onnxruntime-web (1 thread): 60.0 / 100.0 ms = 0.60\n",
		"GoogLeNet googlenet_int8 (int8 compute) ours (SIMD, 1 worker) / onnxruntime-web (1 thread): 45.0 / 100.0 ms = 0.45  [<= 0.5]\n",
		"InceptionV3 inception_v3 (float32 compute) ours (SIMD, 1 worker) / onnxruntime-web (1 thread): 240.0 / 400.0 ms = 0.60  [<= 0.8]",
		"InceptionV3 inception_v3 (float32 compute) ours (SIMD, 2 workers round-robin, plain host) / onnxruntime-web (2 threads, COOP/COEP): 160.0 / 250.0 ms = 0.64  [<= 1.0]",
		"InceptionV3 inception_v3 (float32 compute) ours (SIMD, 1 image split across 2 workers, plain host) / onnxruntime-web (2 threads, COOP/COEP): 190.0 / 250.0 ms = 0.76  [<= 1.0]",
		"InceptionV3 inception_v3 (float32 compute) ours (SIMD, 1 worker) peak wasm memory: 150.0 MiB",
		"MobileNetV2 mobilenet_v2_uint8 (int8 compute) ours (SIMD, 1 worker) / TFLite runtime (1 thread): 18.0 / 20.0 ms = 0.90  [<= 0.8]",
		"GoogLeNet ours (WebGPU, swiftshader) / onnxruntime-web (WebGPU, swiftshader): 800.0 / 1000.0 ms = 0.80  [<= 1.0]\n",
		"InceptionV3 ours (WebGPU, swiftshader) / onnxruntime-web (WebGPU, ?): not available (a measurement is missing)\n",
		"SwiftShader is a CPU implementation of WebGPU",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "googlenet_int8 (int8 compute) ours (SIMD, 1 image split") || strings.Count(got, "GoogLeNet") != 3 {
		t.Errorf("GoogLeNet: one ratio per model measured, none for a split that was not:\n%s", got)
	}
}

func TestReportJSONLines(t *testing.T) {
	peak := 100.0 * mib
	results := []result{
		{measurement: measurement{Engine: ours1, Model: inception, Family: inception, Compute: "float32", Workers: 1},
			MedianMS: 240.04, TimesMS: []float64{240, 240.04, 250}, PeakBytes: &peak},
		{measurement: measurement{Engine: ort1, Model: inception, Family: inception, Compute: "float32", Workers: 1},
			MedianMS: 300, TimesMS: []float64{300}},
		{measurement: measurement{Engine: tflite1, Model: mobileU8, Family: mobilenet, Compute: "int8", Workers: 1}, Err: "timeout"},
		{measurement: measurement{Engine: oursGPU, Model: googlenet, Family: googlenet, Compute: "float32", Workers: 1, WebGPU: true},
			pageResult: pageResult{Kernels: "WebGPU (swiftshader)", Adapter: "swiftshader"}, MedianMS: 900, TimesMS: []float64{900, 800, 1000}},
		{measurement: measurement{Engine: ortGPU, Model: googlenet, Family: googlenet, Compute: "float32", Workers: 1, WebGPU: true},
			pageResult: pageResult{Adapter: "swiftshader"}, MedianMS: 1200, TimesMS: []float64{1200}},
	}
	var out bytes.Buffer
	jsonl := filepath.Join(t.TempDir(), "results.jsonl")
	if err := report(&out, results, []string{"inception_v3_int8: skipped, not in build/bench-models/index.json"}, nil, jsonl); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"engine":"inceptionweb (SIMD)","model":"inception_v3","workers":1,"median_ms":240,"peak_mb":100,"compute":"float32","runs":3}
{"engine":"onnxruntime-web 1.30.0 (wasm)","model":"inception_v3","workers":1,"median_ms":300,"peak_mb":null,"compute":"float32","runs":1}
{"engine":"tflite-web 0.0.1-alpha.10 (XNNPACK)","model":"mobilenet_v2_uint8","workers":1,"median_ms":null,"peak_mb":null,"compute":"int8","runs":0}
{"engine":"inceptionweb (WebGPU)","model":"googlenet","workers":1,"median_ms":900,"peak_mb":null,"compute":"float32","runs":3,"adapter":"swiftshader"}
{"engine":"onnxruntime-web 1.30.0 (WebGPU)","model":"googlenet","workers":1,"median_ms":1200,"peak_mb":null,"compute":"float32","runs":1,"adapter":"swiftshader"}
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
	if strings.Count(out.String(), "WebGPU (swiftshader)") != 2 {
		t.Errorf("the table must name the adapter of both WebGPU rows:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "not measured: inception_v3_int8: skipped, not in build/bench-models/index.json") {
		t.Errorf("a skipped model must be named:\n%s", out.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(string(file)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("%s: %v", l, err)
		}
		for _, k := range []string{"engine", "model", "workers", "median_ms", "peak_mb", "compute"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: no %s", l, k)
			}
		}
		if c := m["compute"]; c != "float32" && c != "int8" {
			t.Errorf("%s: compute %v", l, c)
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

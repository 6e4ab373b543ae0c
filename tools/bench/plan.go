package main

import (
	"fmt"
	"strings"
)

// A measurement is one page load in a fresh tab: one engine, one model, one worker or thread count.
type measurement struct {
	Engine   string // the JSON line's engine
	Model    string
	Workers  int  // workers (ours) or wasm threads (the others)
	Isolated bool // served with COOP/COEP
	Page     string
	Note     string // how the number was taken, for the table
}

const (
	inception = "inception_v3"
	mobilenet = "mobilenet_v2_uint8"
	ortName   = "onnxruntime-web 1.30.0"
	tfliteNm  = "tflite-web 0.0.1-alpha.10"
)

// plan lists the measurements of one bench run, in order.
func plan(runs, warmup int, only string) []measurement {
	var ms []measurement
	models := []struct {
		name, file string
		size       int
	}{
		{inception, "inception_v3_synthetic.safetensors", 299},
		{mobilenet, "mobilenet_v2_uint8.safetensors", 224},
	}
	for _, m := range models {
		for _, kernels := range []string{"go", "simd"} {
			for _, workers := range []int{1, 2} {
				me := measurement{
					Engine:  ourEngine(kernels, workers),
					Model:   m.name,
					Workers: workers,
					Page:    fmt.Sprintf("ours.html?model=%s&size=%d&workers=%d&kernels=%s", m.file, m.size, workers, kernels),
					Note:    "1 image at a time",
				}
				if workers > 1 {
					me.Note = fmt.Sprintf("throughput: %d images at once, 1 per worker", workers)
				}
				ms = append(ms, me)
			}
		}
	}
	// One InceptionV3 image split across 2 workers: the latency a person waits for, on a plain static host.
	ms = append(ms, measurement{Engine: "inceptionweb (SIMD, split)", Model: inception, Workers: 2,
		Page: "ours.html?model=inception_v3_synthetic.safetensors&size=299&workers=2&kernels=simd&split=1",
		Note: "1 image split across 2 workers"})
	ms = append(ms,
		measurement{Engine: ortName + " (wasm)", Model: inception, Workers: 1,
			Page: "ort.html?threads=1", Note: "plain host"},
		measurement{Engine: ortName + " (wasm, COOP/COEP)", Model: inception, Workers: 2, Isolated: true,
			Page: "ort.html?threads=2", Note: "cross-origin isolated"},
		measurement{Engine: tfliteNm + " (XNNPACK)", Model: mobilenet, Workers: 1,
			Page: "tflite.html?threads=1&size=224", Note: "plain host, real TFLite runtime"},
	)
	var out []measurement
	for i, m := range ms {
		if only != "" && !strings.Contains(m.Engine+" "+m.Model+" "+m.Page, only) {
			continue
		}
		m.Page = fmt.Sprintf("/bench/%s&id=%d&runs=%d&warmup=%d", m.Page, i, runs, warmup)
		out = append(out, m)
	}
	return out
}

// ourEngine names the project's engine in the results; 2 workers classifying whole images are labelled as
// round-robin throughput (the split of one image is its own measurement).
func ourEngine(kernels string, workers int) string {
	name := "inceptionweb (pure Go)"
	if kernels != "go" {
		name = "inceptionweb (SIMD)"
	}
	if workers > 1 {
		name = strings.TrimSuffix(name, ")") + ", round-robin)"
	}
	return name
}

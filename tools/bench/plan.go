package main

import (
	"fmt"
	"slices"
	"strings"
)

// A measurement is one engine on one model with one worker or thread count, in its own tab, which stays open for
// the whole run: the tab loads and warms up once, then times one batch in every round (see schedule).
type measurement struct {
	Engine   string // the JSON line's engine
	Model    string // the JSON line's model: a bench model's name, or the network a reference engine runs
	Family   string // the network: inception_v3, googlenet or mobilenet_v2
	Compute  string // float32 or int8
	Workers  int    // workers (ours) or wasm threads (the others)
	Isolated bool   // served with COOP/COEP
	WebGPU   bool   // runs on the browser's WebGPU adapter (its own, smaller number of runs)
	Runs     int    // timed runs over the whole bench run
	Page     string
	Note     string // how the number was taken, for the table
}

const (
	inception = "inception_v3"
	googlenet = "googlenet"
	mobilenet = "mobilenet_v2"
	mobileU8  = "mobilenet_v2_uint8" // the model the TFLite runtime runs
	ortName   = "onnxruntime-web 1.30.0"
	ortGPU    = ortName + " (WebGPU)"
	oursGPU   = "inceptionweb (WebGPU)"
	tfliteNm  = "tflite-web 0.0.1-alpha.10"

	computeFloat = "float32"
	computeInt8  = "int8"
)

// defaultModels are the models the bench measures unless -models says otherwise; a missing one is skipped.
const defaultModels = "googlenet,googlenet_int8,inception_v3,inception_v3_int8,mobilenet_v2_uint8"

// A family is a network the bench knows, with the reference engines that run it. Every model whose name is the
// family's or starts with it and "_" belongs to it, so a new encoding or compute of the network needs no code.
type family struct {
	Name string
	// Index is the index.json that lists the family's model files; Entry is the name a bench model has there.
	Index string
	Entry func(model string) string
	// ONNX: onnxruntime-web runs the network exported from PyTorch (1 and 2 threads). TFLite names the .tflite
	// file (in the shared folder) the TFLite runtime runs for a model of the family, by model name.
	ONNX   bool
	TFLite map[string]string
}

const (
	productIndex = "build/models/index.json"    // make weights
	benchIndex   = inceptionOut + "/index.json" // tools/convert -synthetic-inception
)

var families = []family{
	// InceptionV3 runs on the deterministic weights, which PyTorch generates too (real ones are not reachable
	// here): inception_v3 is the index's inception_v3_synthetic, inception_v3_int8 its inception_v3_synthetic_int8.
	{Name: inception, Index: benchIndex, ONNX: true,
		Entry: func(m string) string { return "inception_v3_synthetic" + strings.TrimPrefix(m, inception) }},
	{Name: googlenet, Index: productIndex, ONNX: true, Entry: same},
	{Name: mobilenet, Index: productIndex, Entry: same,
		TFLite: map[string]string{mobileU8: "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"}},
}

func same(m string) string { return m }

// familyOf returns the family of a model name, or nil.
func familyOf(model string) *family {
	for i := range families {
		f := &families[i]
		if model == f.Name || strings.HasPrefix(model, f.Name+"_") {
			return f
		}
	}
	return nil
}

// A benchModel is one model the bench was asked to measure, as found in its index.
type benchModel struct {
	Name    string // as asked for, and the JSON lines' model
	Family  string
	Entry   string // its name in the index
	Path    string // the model file
	Compute string // float32 or int8
	Size    int    // input side in pixels (from the file)
	Split   bool   // one image also runs split across 2 workers
	Missing string // why it is skipped ("" when it is measured)
}

// Data is the model file's name under /data/.
func (m benchModel) Data() string { return m.Entry + ".safetensors" }

// options are the planning choices of the command line.
type options struct {
	Kernels []string // go, simd
	Workers []int    // worker counts of our engine (each image whole; 2+ workers take one image each)
	Runs    int      // timed runs of each measurement
	Warmup  int      // untimed runs each tab makes after loading
	Only    string   // keep only measurements whose engine, model or page contains this
	// WebGPU names the float models that also run on WebGPU, ours and onnxruntime-web's WebGPU provider on
	// the same adapter, with WebGPURuns timed runs and webgpuWarmup untimed ones (seconds per image on a CPU
	// adapter such as SwiftShader).
	WebGPU     []string
	WebGPURuns int
}

// webgpuWarmup is the WebGPU tabs' untimed runs after the first (which compiles the shaders).
const webgpuWarmup = 1

// plan lists the measurements of one bench run: for each present model, ours with each kernel set and worker
// count (and one image split across 2 workers, where the model splits); then per family, the reference engines
// when a model of that family is present and their files are among those served (data: /data/ name -> path).
func plan(models []benchModel, data map[string]string, o options) []measurement {
	var ms []measurement
	size := map[string]int{} // family -> input side, from its first present model
	for _, m := range models {
		if m.Missing != "" {
			continue
		}
		if size[m.Family] == 0 {
			size[m.Family] = m.Size
		}
		for _, kernels := range o.Kernels {
			for _, workers := range o.Workers {
				me := measurement{
					Engine: ourEngine(kernels, workers), Model: m.Name, Family: m.Family, Compute: m.Compute,
					Workers: workers, Note: "1 image at a time",
					Page: fmt.Sprintf("ours.html?model=%s&size=%d&workers=%d&kernels=%s", m.Data(), m.Size, workers, kernels),
				}
				if workers > 1 {
					me.Note = fmt.Sprintf("throughput: %d images at once, 1 per worker", workers)
				}
				ms = append(ms, me)
			}
			// One image split across 2 workers: the latency a person waits for, on a plain static host.
			if m.Split && kernels != "go" {
				ms = append(ms, measurement{Engine: "inceptionweb (SIMD, split)", Model: m.Name, Family: m.Family,
					Compute: m.Compute, Workers: 2, Note: "1 image split across 2 workers",
					Page: fmt.Sprintf("ours.html?model=%s&size=%d&workers=2&kernels=%s&split=1", m.Data(), m.Size, kernels)})
			}
		}
		if onWebGPU(m, o) {
			ms = append(ms, measurement{Engine: oursGPU, Model: m.Name, Family: m.Family, Compute: m.Compute,
				Workers: 1, WebGPU: true, Note: "1 image at a time",
				Page: fmt.Sprintf("ours.html?model=%s&size=%d&workers=1&gpu=gpu", m.Data(), m.Size)})
		}
	}
	for _, f := range families {
		if size[f.Name] == 0 {
			continue
		}
		if f.ONNX && data[onnxFile(f.Name)] != "" {
			ms = append(ms,
				measurement{Engine: ortName + " (wasm)", Model: f.Name, Family: f.Name, Compute: computeFloat,
					Workers: 1, Page: fmt.Sprintf("ort.html?net=%s&size=%d&threads=1", f.Name, size[f.Name]), Note: "plain host"},
				measurement{Engine: ortName + " (wasm, COOP/COEP)", Model: f.Name, Family: f.Name, Compute: computeFloat,
					Workers: 2, Isolated: true, Page: fmt.Sprintf("ort.html?net=%s&size=%d&threads=2", f.Name, size[f.Name]),
					Note: "cross-origin isolated"})
		}
		if f.ONNX && data[webgpuONNXFile(f.Name)] != "" &&
			slices.ContainsFunc(models, func(m benchModel) bool { return m.Family == f.Name && onWebGPU(m, o) }) {
			ms = append(ms, measurement{Engine: ortGPU, Model: f.Name, Family: f.Name, Compute: computeFloat,
				Workers: 1, WebGPU: true, Note: "plain host",
				Page: fmt.Sprintf("ort.html?net=%s&size=%d&ep=webgpu", f.Name, size[f.Name])})
		}
		for _, m := range models {
			if _, ok := f.TFLite[m.Name]; ok && m.Missing == "" && data[tfliteFile(m.Name)] != "" {
				// The TFLite runtime's integer kernels: uint8 and int8 are both integer compute.
				ms = append(ms, measurement{Engine: tfliteNm + " (XNNPACK)", Model: m.Name, Family: f.Name,
					Compute: computeInt8, Workers: 1, Note: "plain host, real TFLite runtime",
					Page: fmt.Sprintf("tflite.html?model=%s&threads=1&size=%d", tfliteFile(m.Name), m.Size)})
			}
		}
	}
	var out []measurement
	for i, m := range ms {
		if o.Only != "" && !strings.Contains(m.Engine+" "+m.Model+" "+m.Page, o.Only) {
			continue
		}
		warmup := o.Warmup
		m.Runs = o.Runs
		if m.WebGPU {
			m.Runs, warmup = o.WebGPURuns, webgpuWarmup
		}
		m.Page = fmt.Sprintf("/bench/%s&id=%d&warmup=%d", m.Page, i, warmup)
		out = append(out, m)
	}
	return out
}

// onWebGPU reports whether a model gets WebGPU rows: asked for, present, and float (the GPU runs float graphs).
func onWebGPU(m benchModel, o options) bool {
	return m.Missing == "" && m.Compute == computeFloat && slices.Contains(o.WebGPU, m.Name)
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

// A step is one timed batch of one measurement: runs timed runs of measurement Index.
type step struct{ Index, Runs int }

// schedule interleaves the engines: each round times one batch of every measurement in turn, so the machine's
// noise (other work, heat, memory) falls on all of them alike, and the order rotates by one every round, so no
// engine always runs right after the same other one. Measurement i gets runs[i] timed runs in batches of batch
// (its last batch may be smaller). One with fewer batches than there are rounds takes part in rounds spread
// evenly over the run, so it still meets the same machine as the others, and measurements with the same number
// of runs share their rounds, interleaved with each other.
func schedule(runs []int, batch int) [][]step {
	batches := make([]int, len(runs))
	rounds := 0
	for i, n := range runs {
		b := max(1, min(batch, n))
		batches[i] = (max(n, 0) + b - 1) / b
		rounds = max(rounds, batches[i])
	}
	if rounds == 0 {
		return nil
	}
	out := make([][]step, rounds)
	done := make([]int, len(runs)) // timed runs given so far
	for r := range out {
		for j := range runs {
			i := (r + j) % len(runs)
			// Its batches fall in the rounds r where r*batches mod rounds < batches: the first round, then
			// evenly spaced, exactly batches of them.
			if r*batches[i]%rounds >= batches[i] {
				continue
			}
			k := min(max(1, batch), runs[i]-done[i])
			done[i] += k
			out[r] = append(out[r], step{Index: i, Runs: k})
		}
	}
	return out
}

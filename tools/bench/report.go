package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"slices"
	"strings"
	"text/tabwriter"
)

// line is one measurement's JSON line. MedianMS is null when it could not be measured, PeakMB where the
// engine's wasm memory was not reachable.
type line struct {
	Engine   string   `json:"engine"`
	Model    string   `json:"model"`
	Workers  int      `json:"workers"`
	MedianMS *float64 `json:"median_ms"`
	PeakMB   *float64 `json:"peak_mb"`
	Compute  string   `json:"compute"`
	Runs     int      `json:"runs"`
	Adapter  string   `json:"adapter,omitempty"` // the WebGPU adapter's architecture, on WebGPU rows
}

const mib = 1 << 20

// report prints the table, what was skipped, the agreement checks, the ratios and last the JSON lines, which
// also go to jsonl.
func report(w io.Writer, results []result, skipped, checks []string, jsonl string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\tmodel\tcompute\tworkers\tkernels\truns\tmedian ms\tmin ms\tmax ms\tin-worker ms\tpeak MiB\t how\t")
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t\t\tnot measured: %s\t\t\t\t\t\t\n", r.Engine, r.Model, r.Compute, r.Workers, r.Err)
			continue
		}
		kernels := r.Kernels
		switch {
		case kernels != "":
		case r.WebGPU:
			kernels = "WebGPU (" + r.Adapter + ")"
		default:
			kernels = "wasm " + fmt.Sprint(r.Workers) + " thread(s)"
		}
		inWorker := "-"
		if len(r.WorkerMS) > 0 {
			inWorker = fmt.Sprintf("%.1f", median(r.WorkerMS))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%.1f\t%.1f\t%.1f\t%s\t%s\t %s\t\n", r.Engine, r.Model, r.Compute,
			r.Workers, kernels, len(r.TimesMS), round1(r.MedianMS), r.MinMS, r.MaxMS, inWorker, peakText(r), r.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintln(w, "not measured: "+s)
	}
	fmt.Fprintln(w, "\nmedian of the timed runs; ms per image (for 2 workers: wall time of 2 images sent at once / 2). Every")
	fmt.Fprintln(w, "engine ran in its own tab, loaded and warmed up once; the rounds interleaved them: each round timed one")
	fmt.Fprintln(w, "batch of every engine in turn, the order rotating by one every round.")
	fmt.Fprintln(w, "in-worker ms: the worker's own time per classify (median), without messages and copies.")
	fmt.Fprintln(w, "peak MiB: final size of every wasm memory of the engine (never shrinks), summed over workers.")
	if slices.ContainsFunc(results, func(r result) bool { return r.WebGPU }) {
		fmt.Fprintln(w, "WebGPU rows: the engine on the browser's WebGPU adapter (kernels), timed over fewer runs; their peak")
		fmt.Fprintln(w, "MiB leaves out the GPU's own buffers.")
	}
	fmt.Fprintln(w, "\nsame network, same input:")
	for _, c := range checks {
		fmt.Fprintln(w, "  "+c)
	}
	if hasDiffer(checks) {
		fmt.Fprintln(w, "  WARNING: the engines disagree on the test input; compare the times with care.")
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(w, "\nload average at the end (1, 5, 15 min): %s", strings.Join(strings.Fields(string(load))[:3], " "))
		fmt.Fprintf(w, " on %d CPUs: other work on the machine slows every engine.\n", goruntime.NumCPU())
	}
	fmt.Fprintln(w, "\nratios (targets in brackets):")
	for _, l := range ratios(results) {
		fmt.Fprintln(w, "  "+l)
	}
	fmt.Fprintln(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range results {
		l := line{Engine: r.Engine, Model: r.Model, Workers: r.Workers, Compute: r.Compute, Adapter: r.Adapter}
		if r.Err == "" {
			ms := round1(r.MedianMS)
			l.MedianMS = &ms
			l.Runs = len(r.TimesMS)
			if r.PeakBytes != nil {
				mb := round1(*r.PeakBytes / mib)
				l.PeakMB = &mb
			}
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if err := os.WriteFile(jsonl, buf.Bytes(), 0o644); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func peakText(r result) string {
	if r.PeakBytes == nil {
		return "- (wasm memory not reachable)"
	}
	return fmt.Sprintf("%.1f", *r.PeakBytes/mib)
}

// Engines as the ratios find them.
var (
	ours1     = ourEngine("simd", 1)
	oursRR    = ourEngine("simd", 2)
	oursSplit = "inceptionweb (SIMD, split)"
	ort1      = ortName + " (wasm)"
	ort2      = ortName + " (wasm, COOP/COEP)"
	tflite1   = tfliteNm + " (XNNPACK)"
)

var familyTitle = map[string]string{inception: "InceptionV3", googlenet: "GoogLeNet", mobilenet: "MobileNetV2"}

// ratios are the numbers the project is judged by, from the measurements of this run, for every model measured:
// InceptionV3 ours (1 worker) / onnxruntime-web (1 thread) and ours (2 workers) / onnxruntime-web (2 threads);
// GoogLeNet ours / onnxruntime-web (1 thread); MobileNetV2 ours / the TFLite runtime; InceptionV3's memory;
// and for the models run on WebGPU, ours / onnxruntime-web's WebGPU provider on the same adapter.
func ratios(results []result) []string {
	find := func(model, engine string) *result {
		for i := range results {
			if r := &results[i]; r.Err == "" && r.Model == model && r.Engine == engine {
				return r
			}
		}
		return nil
	}
	ratio := func(what string, a, b *result, target string) string {
		if a == nil || b == nil {
			return what + ": not available (a measurement is missing)"
		}
		t := ""
		if target != "" {
			t = "  [" + target + "]"
		}
		return fmt.Sprintf("%s: %.1f / %.1f ms = %.2f%s", what, a.MedianMS, b.MedianMS, a.MedianMS/b.MedianMS, t)
	}
	var lines []string
	seen := map[string]bool{}
	for _, r := range results {
		if !strings.HasPrefix(r.Engine, "inceptionweb") || seen[r.Model] {
			continue
		}
		seen[r.Model] = true
		name := fmt.Sprintf("%s %s (%s compute)", familyTitle[r.Family], r.Model, r.Compute)
		// The targets: float32 compute's, and int8 compute's tighter ones.
		int8 := r.Compute == "int8"
		target := func(float32, int8Target string) string {
			if int8 {
				return int8Target
			}
			return float32
		}
		switch r.Family {
		case inception:
			lines = append(lines,
				ratio(name+" ours (SIMD, 1 worker) / onnxruntime-web (1 thread)", find(r.Model, ours1), find(r.Family, ort1), target("<= 0.8", "<= 0.45")),
				ratio(name+" ours (SIMD, 2 workers round-robin, plain host) / onnxruntime-web (2 threads, COOP/COEP)",
					find(r.Model, oursRR), find(r.Family, ort2), target("<= 1.0", "<= 0.6")))
			if s := find(r.Model, oursSplit); s != nil {
				lines = append(lines, ratio(name+" ours (SIMD, 1 image split across 2 workers, plain host) / onnxruntime-web (2 threads, COOP/COEP)",
					s, find(r.Family, ort2), "<= 1.0"))
			}
		case googlenet:
			lines = append(lines,
				ratio(name+" ours (SIMD, 1 worker) / onnxruntime-web (1 thread)", find(r.Model, ours1), find(r.Family, ort1), target("", "<= 0.5")))
			if s := find(r.Model, oursSplit); s != nil {
				lines = append(lines, ratio(name+" ours (SIMD, 1 image split across 2 workers, plain host) / onnxruntime-web (2 threads, COOP/COEP)",
					s, find(r.Family, ort2), ""))
			}
		case mobilenet:
			if t := find(r.Model, tflite1); t != nil || r.Model == mobileU8 {
				lines = append(lines, ratio(name+" ours (SIMD, 1 worker) / TFLite runtime (1 thread)", find(r.Model, ours1), t, "<= 0.8"))
			}
		}
		if o := find(r.Model, ours1); r.Family == inception && o != nil && o.PeakBytes != nil {
			lines = append(lines, fmt.Sprintf("%s ours (SIMD, 1 worker) peak wasm memory: %.1f MiB  [%s]", name, *o.PeakBytes/mib, target("< 200 MB", "< 100 MB")))
		}
		if planned(results, r.Model, oursGPU) {
			g, o := find(r.Model, oursGPU), find(r.Family, ortGPU)
			lines = append(lines, ratio(fmt.Sprintf("%s ours (WebGPU, %s) / onnxruntime-web (WebGPU, %s)",
				familyTitle[r.Family], adapterOf(g), adapterOf(o)), g, o, "<= 1.0"))
		}
	}
	if slices.ContainsFunc(results, func(r result) bool { return r.Err == "" && r.Adapter == adapterSwiftShader }) {
		lines = append(lines, "SwiftShader is a CPU implementation of WebGPU: its figures show correctness and the same footing, not GPU speed.")
	}
	if len(lines) == 0 {
		lines = append(lines, "none: no model of ours was measured")
	}
	return lines
}

// planned reports whether results holds engine's measurement of model, measured or not.
func planned(results []result, model, engine string) bool {
	return slices.ContainsFunc(results, func(r result) bool { return r.Model == model && r.Engine == engine })
}

func adapterOf(r *result) string {
	if r == nil || r.Adapter == "" {
		return "?"
	}
	return r.Adapter
}

func round1(x float64) float64 {
	return float64(int64(x*10+0.5)) / 10
}

func median(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

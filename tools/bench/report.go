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

// line is one measurement's JSON line. PeakMB is null where the engine's wasm memory was not reachable.
type line struct {
	Engine   string   `json:"engine"`
	Model    string   `json:"model"`
	Workers  int      `json:"workers"`
	MedianMS *float64 `json:"median_ms"`
	PeakMB   *float64 `json:"peak_mb"`
}

const mib = 1 << 20

// report prints the table, the agreement checks, the ratios and last the JSON lines, which also go to jsonl.
func report(w io.Writer, results []result, checks []string, jsonl string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "engine\tmodel\tworkers\tkernels\tmedian ms\tmin ms\tmax ms\tin-worker ms\tpeak MiB\t how\t")
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\t%d\t\tnot measured: %s\t\t\t\t\t\t\n", r.Engine, r.Model, r.Workers, r.Err)
			continue
		}
		kernels := r.Kernels
		if kernels == "" {
			kernels = "wasm " + fmt.Sprint(r.Workers) + " thread(s)"
		}
		inWorker := "-"
		if len(r.WorkerMS) > 0 {
			inWorker = fmt.Sprintf("%.1f", median(r.WorkerMS))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.1f\t%.1f\t%.1f\t%s\t%s\t %s\t\n",
			r.Engine, r.Model, r.Workers, kernels, r.MedianMS, r.MinMS, r.MaxMS, inWorker, peakText(r), r.Note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nmedian of the timed runs after warm-up; ms per image (for 2 workers: wall time of 2 images sent at once / 2).")
	fmt.Fprintln(w, "in-worker ms: the worker's own time per classify (median), without messages and copies.")
	fmt.Fprintln(w, "peak MiB: final size of every wasm memory of the engine (never shrinks), summed over workers.")
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
		l := line{Engine: r.Engine, Model: r.Model, Workers: r.Workers}
		if r.Err == "" {
			ms := round1(r.MedianMS)
			l.MedianMS = &ms
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

// ratios are the numbers the project is judged by, from the measurements of this run.
func ratios(results []result) []string {
	find := func(model string, workers int, engine string) *result {
		for i := range results {
			r := &results[i]
			if r.Err == "" && r.Model == model && r.Workers == workers && strings.HasPrefix(r.Engine, engine) {
				return r
			}
		}
		return nil
	}
	ratio := func(what string, a, b *result, target string) string {
		if a == nil || b == nil {
			return what + ": not available (a measurement is missing)"
		}
		return fmt.Sprintf("%s: %.1f / %.1f ms = %.2f  [%s]", what, a.MedianMS, b.MedianMS, a.MedianMS/b.MedianMS, target)
	}
	simd := ourEngine("simd", 1)
	simd = strings.TrimSuffix(simd, ")")
	ours1 := find(inception, 1, simd)
	ours2 := find(inception, 2, simd)
	lines := []string{
		ratio("InceptionV3 ours (SIMD, 1 worker) / onnxruntime-web (1 thread)", ours1, find(inception, 1, ortName), "<= 0.8"),
		ratio("InceptionV3 ours (SIMD, 1 image split across 2 workers, plain host) / onnxruntime-web (2 threads, COOP/COEP)", find(inception, 2, "inceptionweb (SIMD, split"), find(inception, 2, ortName), "<= 1.0"),
		ratio("InceptionV3 ours (SIMD, 2 workers round-robin, plain host) / onnxruntime-web (2 threads, COOP/COEP)", ours2, find(inception, 2, ortName), "<= 1.0"),
		ratio("MobileNetV2 ours (SIMD, 1 worker) / TFLite runtime (1 thread)", find(mobilenet, 1, simd), find(mobilenet, 1, tfliteNm), "<= 0.8"),
	}
	if ours1 != nil && ours1.PeakBytes != nil {
		lines = append(lines, fmt.Sprintf("InceptionV3 ours (SIMD, 1 worker) peak wasm memory: %.1f MiB  [< 200 MB]", *ours1.PeakBytes/mib))
	} else {
		lines = append(lines, "InceptionV3 ours peak wasm memory: not available")
	}
	return lines
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

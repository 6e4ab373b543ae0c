// Command bench measures the page's inference worker in headless Chromium against the in-browser engines it
// competes with, model by model (-models): GoogLeNet and InceptionV3 against onnxruntime-web on the same network
// exported to ONNX from the PyTorch reference (1 thread, and 2 threads under COOP/COEP), MobileNetV2 against the
// TFLite runtime (tfjs-tflite) on the mirrored .tflite file. Each model's file comes from its index.json
// (build/models from make weights; the deterministic InceptionV3 from build/bench-models), with its compute
// (float32 or int8); a model that is not there is skipped with a line saying so. Every engine runs in its own
// tab for the whole run, and the rounds interleave them: each round times one batch of every engine in turn.
// The float models of -webgpu-models also run on WebGPU, ours against onnxruntime-web's WebGPU provider on the
// same adapter (SwiftShader's CPU implementation on a machine without a GPU), with fewer runs (-webgpu-runs).
// It prints a table, the agreement of the engines on the test input, the ratios the project is judged by, and
// last one JSON line per measurement, also written to build/bench/results.jsonl.
//
// Run from the repository root after `make web`:
//
//	go run ./tools/bench [-models googlenet,inception_v3,...] [-runs 25] [-batch 1] [-warmup 2]
//	                     [-webgpu-models googlenet] [-webgpu-runs 3] [-webgpu-adapter auto]
//
// It sets up what it needs (python3-torch etc. from apt for the ONNX export, npm packages into
// build/bench/node_modules) and fails only when something could not be measured, never because a target is missed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 25, "timed runs per measurement, interleaved over the rounds")
	batch := flag.Int("batch", 1, "timed runs of each measurement per round (rounds = runs / batch)")
	warmup := flag.Int("warmup", 2, "untimed runs each tab makes after loading")
	models := flag.String("models", defaultModels, "models to measure, by name (a family's name or name_variant); missing files are skipped")
	kernels := flag.String("kernels", "simd", "our kernel sets: simd, go (pure Go, slow), or both")
	workers := flag.String("workers", "1,2", "our worker counts")
	gap := flag.Duration("gap", 20*time.Millisecond, "pause before each batch")
	chromium := flag.String("chromium", "/usr/lib/chromium/chromium", "Chromium binary")
	shared := flag.String("shared", "", "shared reference folder (default $SHARED, else ../shared)")
	only := flag.String("only", "", "run only measurements whose name contains this (for trying things)")
	verbose := flag.Bool("v", false, "print browser console messages")
	flag.StringVar(&siteDir, "site", siteDir, "the built site (make web)")
	webgpuModels := flag.String("webgpu-models", googlenet, "float models that also run on WebGPU, ours and onnxruntime-web's (empty: none)")
	webgpuRuns := flag.Int("webgpu-runs", 3, "timed runs of each WebGPU measurement, after 1 untimed")
	webgpuAdapter := flag.String("webgpu-adapter", adapterAuto, "WebGPU adapter: swiftshader (a CPU implementation), hardware (the GPU), or auto (hardware where /dev/dri exists)")
	startupRuns := flag.Int("startup-runs", 5, "fresh Chromium runs (a cold, a warm and a returning visit each) per model for the page's start-up; 0 skips it")
	startupWorkers := flag.Int("startup-workers", 2, "workers the page runs in the start-up measurement")
	startupModels := flag.String("startup-models", "", "models whose page start-up is measured (default: every model the site offers)")
	flag.Parse()
	if *runs < 1 || *warmup < 0 || *batch < 1 || *webgpuRuns < 1 {
		fatal(fmt.Errorf("need -runs >= 1, -webgpu-runs >= 1, -batch >= 1 and -warmup >= 0"))
	}
	names, err := parseModels("-models", *models)
	if err != nil {
		fatal(err)
	}
	opts := options{Runs: *runs, Warmup: *warmup, Only: *only, WebGPURuns: *webgpuRuns}
	if strings.TrimSpace(*webgpuModels) != "" {
		if opts.WebGPU, err = parseModels("-webgpu-models", *webgpuModels); err != nil {
			fatal(err)
		}
	}
	adapter, err := resolveAdapter(*webgpuAdapter)
	if err != nil {
		fatal(err)
	}
	if opts.Kernels, err = parseKernels(*kernels); err != nil {
		fatal(err)
	}
	if opts.Workers, err = parseInts(*workers); err != nil {
		fatal(fmt.Errorf("-workers: %v", err))
	}
	if *shared == "" {
		*shared = os.Getenv("SHARED")
	}
	if *shared == "" {
		*shared = filepath.Join("..", "shared")
	}
	// Absolute, because Chromium reads the photos it is given from its own working folder.
	if abs, err := filepath.Abs(*shared); err == nil {
		*shared = abs
	}
	start := time.Now()
	var startupLines []any
	if *startupRuns > 0 && (*only == "" || strings.Contains("startup", *only)) {
		models := strings.Split(*startupModels, ",")
		if *startupModels == "" {
			if models, err = offeredModels(); err != nil {
				fatal(err)
			}
		}
		rows, err := measureStartup(*chromium, filepath.Join(*shared, "images", "chelsea.png"), models, *startupRuns, *startupWorkers, *verbose)
		if err != nil {
			fatal(err)
		}
		startupLines = reportStartup(os.Stdout, rows)
		if *only == "startup" {
			if err := writeLines(filepath.Join(buildDir, "startup.jsonl"), startupLines); err != nil {
				fatal(err)
			}
			fmt.Fprintf(os.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
			return
		}
	}
	set, err := prepare(*shared, names)
	if err != nil {
		fatal(err)
	}
	set.Skipped = append(set.Skipped, webgpuSkipped(opts.WebGPU, set.Models)...)
	for _, l := range set.Skipped {
		logf("%s", l)
	}
	ms := plan(set.Models, set.Files, opts)
	runCounts := make([]int, len(ms))
	for i, m := range ms {
		runCounts[i] = m.Runs
	}
	sched := schedule(runCounts, *batch)
	logf("%d measurements, %d rounds of up to %d timed run(s) each", len(ms), len(sched), min(*batch, *runs))
	results, err := measure(set.Files, ms, sched, *gap, *chromium, adapter, *verbose)
	if err != nil {
		fatal(err)
	}
	checks := agreement(set, results)
	if err := report(os.Stdout, results, set.Skipped, checks, filepath.Join(buildDir, "results.jsonl")); err != nil {
		fatal(err)
	}
	if err := writeLines(filepath.Join(buildDir, "startup.jsonl"), startupLines); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
	for _, r := range results {
		if r.Err != "" {
			os.Exit(1)
		}
	}
}

func parseKernels(s string) ([]string, error) {
	var out []string
	for _, k := range strings.Split(s, ",") {
		switch k = strings.TrimSpace(k); k {
		case "go", "simd", "simd128":
			out = append(out, k)
		default:
			return nil, fmt.Errorf("-kernels: %q (want go, simd or simd128)", k)
		}
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 16 {
			return nil, fmt.Errorf("%q is not a count from 1 to 16", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// writeLines writes one JSON line per value (the start-up rows) and prints them.
func writeLines(path string, lines []any) error {
	if len(lines) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var b strings.Builder
	for _, l := range lines {
		raw, err := json.Marshal(l)
		if err != nil {
			return err
		}
		b.WriteString(string(raw) + "\n")
	}
	fmt.Print(b.String())
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

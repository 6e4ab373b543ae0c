// Command bench measures the page's inference worker in headless Chromium against the in-browser engines it
// competes with: onnxruntime-web on the same InceptionV3 exported to ONNX (1 thread, and 2 threads under
// COOP/COEP) and the TFLite runtime (tfjs-tflite) on the bundled MobileNetV2. It prints a table, the ratios
// the project is judged by, and last one JSON line per measurement, also written to build/bench/results.jsonl.
//
// Run from the repository root after `make web`:
//
//	go run ./tools/bench [-runs 10] [-warmup 2]
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
	"strings"
	"time"
)

func main() {
	runs := flag.Int("runs", 10, "timed runs per measurement")
	warmup := flag.Int("warmup", 2, "untimed runs before them")
	chromium := flag.String("chromium", "/usr/lib/chromium/chromium", "Chromium binary")
	shared := flag.String("shared", "", "shared reference folder (default $SHARED, else ../shared)")
	only := flag.String("only", "", "run only measurements whose name contains this (for trying things)")
	verbose := flag.Bool("v", false, "print browser console messages")
	flag.StringVar(&siteDir, "site", siteDir, "the built site (make web)")
	startupRuns := flag.Int("startup-runs", 5, "fresh Chromium runs (a cold and a warm visit each) per model for the page's start-up; 0 skips it")
	startupWorkers := flag.Int("startup-workers", 2, "workers the page runs in the start-up measurement")
	flag.Parse()
	if *runs < 1 || *warmup < 0 {
		fatal(fmt.Errorf("need -runs >= 1 and -warmup >= 0"))
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
		rows, err := measureStartup(*chromium, filepath.Join(*shared, "images", "chelsea.png"), *startupRuns, *startupWorkers, *verbose)
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
	files, err := prepare(*shared)
	if err != nil {
		fatal(err)
	}
	results, err := measure(files, plan(*runs, *warmup, *only), *chromium, *verbose)
	if err != nil {
		fatal(err)
	}
	check, err := agreement(files, results)
	if err != nil {
		fatal(err)
	}
	if err := report(os.Stdout, results, check, filepath.Join(buildDir, "results.jsonl")); err != nil {
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

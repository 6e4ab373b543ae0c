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
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	runs := flag.Int("runs", 10, "timed runs per measurement")
	warmup := flag.Int("warmup", 2, "untimed runs before them")
	chromium := flag.String("chromium", "/usr/lib/chromium/chromium", "Chromium binary")
	shared := flag.String("shared", "", "shared reference folder (default $SHARED, else ../shared)")
	only := flag.String("only", "", "run only measurements whose name contains this (for trying things)")
	verbose := flag.Bool("v", false, "print browser console messages")
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
	start := time.Now()
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

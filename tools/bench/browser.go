package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// pageResult is what a bench page posts back when it is ready (page/common.js and the page's own fields).
type pageResult struct {
	Error               string    `json:"error"`
	Ready               bool      `json:"ready"`
	Kernels             string    `json:"kernels"`
	Adapter             string    `json:"adapter"` // the WebGPU adapter's architecture (WebGPU rows)
	Version             string    `json:"version"`
	CrossOriginIsolated bool      `json:"crossOriginIsolated"`
	Top5                []top5    `json:"top5"`   // ours: the worker's top 5 on the test image
	Logits              []float64 `json:"logits"` // onnxruntime-web's logits
	Scores              []float64 `json:"scores"` // the TFLite runtime's uint8 output
}

type top5 struct {
	Index int     `json:"index"`
	Prob  float64 `json:"prob"`
}

// batchResult is what Bench.batch returns: one round's timed runs of one tab.
type batchResult struct {
	TimesMS   []float64 `json:"times_ms"`
	WorkerMS  []float64 `json:"worker_ms"`
	PeakBytes *float64  `json:"peak_bytes"`
}

type result struct {
	measurement
	pageResult
	TimesMS                []float64 // every timed run, ms per image, in the order run
	WorkerMS               []float64 // the worker's own ms per classify (ours)
	PeakBytes              *float64  // after the last batch
	Err                    string    // why it could not be measured
	MedianMS, MinMS, MaxMS float64
}

// pageTimeout bounds a page's setup and each of its batches: a pure-Go InceptionV3 takes seconds per image.
const pageTimeout = 6 * time.Minute

// A tab is one measurement's open page.
type tab struct {
	id       target.ID
	ctx      context.Context
	uncaught func() string // the page's last uncaught exception
	close    func()        // closes the tab, and with it the page's workers
}

// measure opens every measurement's page in its own tab of one headless Chromium, one after the other, each
// loading and warming up its engine; then runs the rounds of sched, one batch of each tab in turn, with gap
// between batches (an engine's threads may spin a little after a run); then closes the tabs. A measurement that
// fails is reported and leaves the later rounds. Chromium gets WebGPU with adapter (see startChromium) when a
// measurement runs on it.
func measure(data map[string]string, ms []measurement, sched [][]step, gap time.Duration, chromium, adapter string, verbose bool) ([]result, error) {
	srv := newServer(data)
	plain, err := srv.listen(false)
	if err != nil {
		return nil, err
	}
	isolated, err := srv.listen(true)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(ms, func(m measurement) bool { return m.WebGPU }) {
		adapter = ""
	}
	bctx, stop, err := startChromium(chromium, adapter)
	if err != nil {
		return nil, err
	}
	defer stop()
	results := make([]result, len(ms))
	tabs := make([]*tab, len(ms))
	for i, m := range ms {
		origin := plain
		if m.Isolated {
			origin = isolated
		}
		logf("open %d/%d: %s, %s, %d: %s", i+1, len(ms), m.Engine, m.Model, m.Workers, origin+m.Page)
		r := &results[i]
		r.measurement = m
		t, body, cancel, err := openPage(bctx, srv, origin+m.Page, verbose)
		if err == nil {
			err = json.Unmarshal(body, &r.pageResult)
		}
		switch {
		case err != nil:
			r.Err = err.Error()
		case r.Error != "":
			r.Err = firstLine(r.Error)
		case !r.Ready:
			r.Err = "the page did not get ready"
		case m.Isolated && !r.CrossOriginIsolated:
			r.Err = "the page was not cross-origin isolated"
		}
		if r.Err != "" {
			logf("  could not set up: %s", r.Err)
			if cancel != nil {
				cancel()
			}
			continue
		}
		t.close = cancel
		tabs[i] = t
	}
	defer func() {
		for _, t := range tabs {
			if t != nil {
				t.close()
			}
		}
	}()
	browser := chromedp.FromContext(bctx).Browser
	start := time.Now()
	for k, round := range sched {
		for _, st := range round {
			t, r := tabs[st.Index], &results[st.Index]
			if t == nil {
				continue
			}
			time.Sleep(gap)
			b, err := runBatch(bctx, browser, t, st.Runs)
			if err != nil {
				r.Err = fmt.Sprintf("round %d: %v", k+1, err)
				if u := t.uncaught(); u != "" {
					r.Err += " (uncaught: " + firstLine(u) + ")"
				}
				logf("  %s, %s, %d: %s", r.Engine, r.Model, r.Workers, r.Err)
				t.close()
				tabs[st.Index] = nil
				continue
			}
			r.TimesMS = append(r.TimesMS, b.TimesMS...)
			r.WorkerMS = append(r.WorkerMS, b.WorkerMS...)
			r.PeakBytes = b.PeakBytes
		}
		logf("round %d/%d done (%s)", k+1, len(sched), time.Since(start).Round(time.Second))
	}
	for i := range results {
		r := &results[i]
		if r.Err == "" && len(r.TimesMS) == 0 {
			r.Err = "no timed run"
		}
		if r.Err != "" {
			continue
		}
		r.MedianMS, r.MinMS, r.MaxMS = median(r.TimesMS), slices.Min(r.TimesMS), slices.Max(r.TimesMS)
		logf("%s, %s, %d: median %.1f ms per image over %d runs", r.Engine, r.Model, r.Workers, r.MedianMS, len(r.TimesMS))
	}
	return results, nil
}

// runBatch brings a tab to the front and times n runs in it.
func runBatch(bctx context.Context, browser *chromedp.Browser, t *tab, n int) (batchResult, error) {
	if _, err := cdp.Call(bctx, browser, target.ActivateTarget, target.ActivateTargetParams{TargetID: t.id}); err != nil {
		return batchResult{}, err
	}
	ctx, cancel := context.WithTimeout(t.ctx, pageTimeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[batchResult](fmt.Sprintf("Bench.batch(%d)", n), chromedp.EvalAwaitPromise))
}

// openPage opens url in a new tab and waits for the page's posted result (its setup). The tab stays open until
// cancel, which closes it and the page's workers.
func openPage(bctx context.Context, srv *server, url string, verbose bool) (*tab, []byte, context.CancelFunc, error) {
	id := pageID(url)
	ch := srv.expect(id)
	created, err := cdp.Call(bctx, chromedp.FromContext(bctx).Browser, target.CreateTarget, target.CreateTargetParams{URL: url})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("opening %s: %v", url, err)
	}
	exceptions := make(chan string, 1)
	var mu sync.Mutex
	var last string
	listen := func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
			mu.Lock()
			last = msg
			mu.Unlock()
			select {
			case exceptions <- msg:
			default:
			}
		case *runtime.EventConsoleAPICalled:
			if verbose {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				logf("  console.%s: %s", ev.Type, strings.Join(parts, " "))
			}
		}
	}
	tctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(created.TargetID), chromedp.WithListener(listen))
	t := &tab{id: created.TargetID, ctx: tctx, uncaught: func() string { mu.Lock(); defer mu.Unlock(); return last }}
	if err := chromedp.Do(tctx); err != nil {
		return nil, nil, cancel, fmt.Errorf("attaching to %s: %v", url, err)
	}
	timeout := time.NewTimer(pageTimeout)
	defer timeout.Stop()
	var uncaught string
	for {
		select {
		case body := <-ch:
			return t, body, cancel, nil
		case msg := <-exceptions:
			uncaught = msg // pages report their own failures; this helps when one cannot
			if verbose {
				logf("  uncaught: %s", msg)
			}
		case <-timeout.C:
			if uncaught != "" {
				return nil, nil, cancel, fmt.Errorf("no result from %s within %s (uncaught: %s)", url, pageTimeout, firstLine(uncaught))
			}
			return nil, nil, cancel, fmt.Errorf("no result from %s within %s", url, pageTimeout)
		}
	}
}

func pageID(url string) string {
	i := strings.Index(url, "id=")
	if i < 0 {
		return ""
	}
	n := url[i+3:]
	if j := strings.IndexByte(n, '&'); j >= 0 {
		n = n[:j]
	}
	if _, err := strconv.Atoi(n); err != nil {
		return ""
	}
	return n
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// WebGPU adapters Chromium is started with (-webgpu-adapter).
const (
	adapterAuto        = "auto"        // hardware where the machine has a GPU, else swiftshader
	adapterSwiftShader = "swiftshader" // SwiftShader's CPU implementation of WebGPU
	adapterHardware    = "hardware"    // the browser's own pick: the machine's GPU
)

// resolveAdapter turns -webgpu-adapter into swiftshader or hardware: auto is hardware when the machine has a
// GPU (a /dev/dri device, as Linux gives every GPU driver).
func resolveAdapter(mode string) (string, error) {
	switch mode {
	case adapterSwiftShader, adapterHardware:
		return mode, nil
	case adapterAuto:
		if _, err := os.Stat("/dev/dri"); err == nil {
			return adapterHardware, nil
		}
		return adapterSwiftShader, nil
	}
	return "", fmt.Errorf("-webgpu-adapter: %q (want auto, swiftshader or hardware)", mode)
}

// chromiumFlags are the flags beyond chromedp's defaults. Without WebGPU (adapter "") the GPU is off, as for
// every wasm measurement; with SwiftShader too (it is a CPU implementation); with hardware, the GPU must stay on
// and no adapter is forced, so the browser picks the machine's.
func chromiumFlags(adapter string) []chromedp.ExecAllocatorOption {
	switch adapter {
	case adapterSwiftShader:
		return []chromedp.ExecAllocatorOption{chromedp.DisableGPU,
			chromedp.Flag("enable-unsafe-webgpu", true), chromedp.Flag("use-webgpu-adapter", "swiftshader")}
	case adapterHardware:
		return []chromedp.ExecAllocatorOption{chromedp.Flag("enable-unsafe-webgpu", true)}
	}
	return []chromedp.ExecAllocatorOption{chromedp.DisableGPU}
}

// startChromium starts headless Chromium with a fresh profile (flags that work as root here) and WebGPU on
// adapter ("" for none, see chromiumFlags); stop ends it and removes the profile.
func startChromium(chromium, adapter string) (ctx context.Context, stop func(), err error) {
	profile, err := os.MkdirTemp("", "bench-chromium")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	opts = append(opts, chromiumFlags(adapter)...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	if err := chromedp.Do(bctx); err != nil {
		stop()
		return nil, nil, fmt.Errorf("starting %s: %v", chromium, err)
	}
	return bctx, stop, nil
}

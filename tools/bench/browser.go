package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// pageResult is what a bench page posts back (page/common.js and the page's own fields).
type pageResult struct {
	Error               string    `json:"error"`
	MedianMS            float64   `json:"median_ms"`
	MinMS               float64   `json:"min_ms"`
	MaxMS               float64   `json:"max_ms"`
	TimesMS             []float64 `json:"times_ms"`
	WorkerMS            []float64 `json:"worker_ms"`
	PeakBytes           *float64  `json:"peak_bytes"`
	Kernels             string    `json:"kernels"`
	Version             string    `json:"version"`
	CrossOriginIsolated bool      `json:"crossOriginIsolated"`
	Top5                []struct {
		Index int     `json:"index"`
		Prob  float64 `json:"prob"`
	} `json:"top5"`
	Logits []float64 `json:"logits"` // onnxruntime-web's InceptionV3 logits
	Scores []float64 `json:"scores"` // the TFLite runtime's uint8 output
}

type result struct {
	measurement
	pageResult
	Err string // why it could not be measured
}

// pageTimeout bounds one measurement: a pure-Go InceptionV3 takes seconds per image.
const pageTimeout = 6 * time.Minute

// measure runs every measurement in a fresh tab of one headless Chromium.
func measure(data map[string]string, ms []measurement, chromium string, verbose bool) ([]result, error) {
	srv := newServer(data)
	plain, err := srv.listen(false)
	if err != nil {
		return nil, err
	}
	isolated, err := srv.listen(true)
	if err != nil {
		return nil, err
	}
	bctx, stop, err := startChromium(chromium)
	if err != nil {
		return nil, err
	}
	defer stop()
	var results []result
	for _, m := range ms {
		origin := plain
		if m.Isolated {
			origin = isolated
		}
		logf("%s, %s, %d: %s", m.Engine, m.Model, m.Workers, origin+m.Page)
		r := result{measurement: m}
		body, err := openPage(bctx, srv, origin+m.Page, verbose)
		if err == nil {
			err = json.Unmarshal(body, &r.pageResult)
		}
		switch {
		case err != nil:
			r.Err = err.Error()
		case r.Error != "":
			r.Err = firstLine(r.Error)
		case r.MedianMS <= 0:
			r.Err = "the page reported no timing"
		case m.Isolated && !r.CrossOriginIsolated:
			r.Err = "the page was not cross-origin isolated"
		}
		if r.Err != "" {
			logf("  could not measure: %s", r.Err)
		} else {
			logf("  median %.1f ms per image", r.MedianMS)
		}
		results = append(results, r)
	}
	return results, nil
}

// openPage opens url in a new tab, waits for the page's posted result and closes the tab.
func openPage(bctx context.Context, srv *server, url string, verbose bool) ([]byte, error) {
	id := pageID(url)
	ch := srv.expect(id)
	created, err := cdp.Call(bctx, chromedp.FromContext(bctx).Browser, target.CreateTarget, target.CreateTargetParams{URL: url})
	if err != nil {
		return nil, fmt.Errorf("opening %s: %v", url, err)
	}
	exceptions := make(chan string, 1)
	listen := func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := ev.ExceptionDetails.Text
			if ev.ExceptionDetails.Exception != nil {
				msg += " " + ev.ExceptionDetails.Exception.Description
			}
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
	// Cancelling the tab's context closes the tab, and with it the page's workers.
	tctx, cancel := chromedp.NewContext(bctx, chromedp.WithTargetID(created.TargetID), chromedp.WithListener(listen))
	defer cancel()
	if err := chromedp.Do(tctx); err != nil {
		return nil, fmt.Errorf("attaching to %s: %v", url, err)
	}
	timeout := time.NewTimer(pageTimeout)
	defer timeout.Stop()
	var uncaught string
	for {
		select {
		case body := <-ch:
			return body, nil
		case msg := <-exceptions:
			uncaught = msg // pages report their own failures; this helps when one cannot
			if verbose {
				logf("  uncaught: %s", msg)
			}
		case <-timeout.C:
			if uncaught != "" {
				return nil, fmt.Errorf("no result from %s within %s (uncaught: %s)", url, pageTimeout, firstLine(uncaught))
			}
			return nil, fmt.Errorf("no result from %s within %s", url, pageTimeout)
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

// startChromium starts headless Chromium with a fresh profile (flags that work as root here); stop ends it and
// removes the profile.
func startChromium(chromium string) (ctx context.Context, stop func(), err error) {
	profile, err := os.MkdirTemp("", "bench-chromium")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
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

package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// The page's start-up: for each model, a cold visit (fresh browser profile) and then a warm one (the same
// profile once the cold visit has settled, everything cached: the site's files in the service worker's and
// the HTTP cache, the model in the Cache API), each in a fresh Chromium, against
// the project's own server (server.go) on the built site. A photo is dropped as soon as the page shows its
// drop zone, so "first answer" is the time a person who drops a photo at once waits for its classes.

// offeredModels are the models the built site offers (its models.json), whose start-up the bench reports
// unless told otherwise.
func offeredModels() ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(siteDir, "models.json"))
	if err != nil {
		return nil, fmt.Errorf("%v (run make web first)", err)
	}
	var list []struct{ Name string }
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("models.json: %v", err)
	}
	var names []string
	for _, m := range list {
		names = append(names, m.Name)
	}
	return names, nil
}

// visit is what one page load took, in ms since the navigation started (the page's timing.report()).
type visit struct {
	Ready       float64
	FirstAnswer float64
	Report      json.RawMessage
}

type startupRow struct {
	Model, Visit string
	Workers      int
	Ready        []float64
	FirstAnswer  []float64
	Err          string
	Last         json.RawMessage // the last visit's breakdown
}

// visitKinds are the visits of one run, in order, in one fresh Chromium and profile: a first visit (nothing
// cached), a second (the site's files and the model cached), and a returning one (Chromium also keeps
// compiled code of a script or wasm module it has loaded from its cache before, so only a third visit starts
// with everything a returning person's browser has).
var visitKinds = []string{"cold", "warm", "returning"}

// measureStartup runs runs visit series (visitKinds) for each model, each in a fresh Chromium and profile.
func measureStartup(chromium, image string, models []string, runs, workers int, verbose bool) ([]startupRow, error) {
	url, stop, err := startSiteServer()
	if err != nil {
		return nil, err
	}
	defer stop()
	var rows []startupRow
	for _, m := range models {
		series := make([]startupRow, len(visitKinds))
		for k, kind := range visitKinds {
			series[k] = startupRow{Model: m, Visit: kind, Workers: workers}
		}
		for i := 0; i < runs; i++ {
			page := fmt.Sprintf("%s/?model=%s&workers=%d&debug=timing", url, m, workers)
			vs, err := visitSeries(chromium, page, image, verbose)
			if err != nil {
				for k := range series {
					series[k].Err = err.Error()
				}
				logf("startup %s run %d: %v", m, i+1, err)
				break
			}
			var said []string
			for k := range series {
				r := &series[k]
				r.Ready = append(r.Ready, vs[k].Ready)
				r.FirstAnswer = append(r.FirstAnswer, vs[k].FirstAnswer)
				r.Last = vs[k].Report
				said = append(said, fmt.Sprintf("%s ready %.0f ms, first answer %.0f ms", r.Visit, vs[k].Ready, vs[k].FirstAnswer))
			}
			logf("startup %s run %d: %s", m, i+1, strings.Join(said, "; "))
		}
		rows = append(rows, series...)
	}
	return rows, nil
}

// startSiteServer builds and runs server.go on the site (web/) and returns its URL.
func startSiteServer() (string, func(), error) {
	dir, err := os.MkdirTemp("", "bench-server")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("building the server: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-dir", siteDir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait(); os.RemoveAll(dir) }
	line, err := bufio.NewReader(stderr).ReadString('\n')
	_, url, ok := strings.Cut(strings.TrimSpace(line), " on ")
	if err != nil || !ok {
		stop()
		return "", nil, fmt.Errorf("server said %q (%v)", line, err)
	}
	go io.Copy(io.Discard, stderr)
	return strings.TrimSuffix(url, "/"), stop, nil
}

// visitSeries opens page once per visitKinds in one fresh Chromium, each visit after the last has settled.
func visitSeries(chromium, page, image string, verbose bool) ([]visit, error) {
	out := make([]visit, len(visitKinds))
	bctx, stop, err := startChromium(chromium, "")
	if err != nil {
		return out, err
	}
	defer stop()
	for i := range out {
		v, err := visitOnce(bctx, page, image, i < len(out)-1, verbose)
		if err != nil {
			return out, fmt.Errorf("visit %d: %v", i+1, err)
		}
		out[i] = v
		time.Sleep(time.Second) // let the browser write its caches
	}
	return out, nil
}

// quietDevTools turns off what chromedp switched on for the tab and a person's browser does not do: the
// Network domain (DevTools keeps a copy of every response, the 8 MB program among them), DOM and CSS (every
// render's mutations sent over the protocol) and attaching to the page's workers. The visit needs only
// Runtime and Page.
func quietDevTools(ctx context.Context, tab *chromedp.Target) error {
	for _, m := range []string{"Network.disable", "DOM.disable", "CSS.disable"} {
		if err := tab.Call(ctx, m, nil, nil); err != nil {
			return fmt.Errorf("%s: %v", m, err)
		}
	}
	_, err := cdp.Call(ctx, tab, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: false})
	return err
}

// settle waits, after a cold visit's first answer, for what a visit leaves behind before the next one: every
// worker holding the model and the service worker active (it keeps the site's files for later visits).
func settle(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => {
			const r = InceptionWeb.timing.report();
			const sw = navigator.serviceWorker ? await navigator.serviceWorker.getRegistration() : null;
			return r.page["workers-ready"] != null && !!(sw && sw.active);
		})()`, chromedp.EvalAwaitPromise))
		if err != nil {
			return fmt.Errorf("waiting for the page to settle: %v", err)
		}
		if done {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// visitOnce opens page in a new tab, drops image on it the moment its drop zone exists (a script that runs
// before the page's, so no round trip to the browser delays it), waits for its answer and returns the page's
// timing report; with settleAfter it then waits for the page to settle (see settle).
func visitOnce(bctx context.Context, page, image string, settleAfter, verbose bool) (visit, error) {
	var v visit
	photo, err := os.ReadFile(image)
	if err != nil {
		return v, err
	}
	tctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	tctx, cancelTimeout := context.WithTimeout(tctx, 2*time.Minute)
	defer cancelTimeout()
	// The photo's bytes are decoded natively (Uint8Array.fromBase64): decoding base64 in script before the
	// page's own first script took 110-150 ms of the page's thread, which a person's drop does not cost.
	script := fmt.Sprintf(`(() => {
		const b64 = %q;
		const bytes = Uint8Array.fromBase64 ? Uint8Array.fromBase64(b64) : Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		const file = new File([bytes], %q, { type: "image/png" });
		const drop = () => {
			const zone = document.querySelector(".drop");
			if (!zone) {
				return false;
			}
			const dt = new DataTransfer();
			dt.items.add(file);
			zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
			return true;
		};
		const watch = new MutationObserver(() => drop() && watch.disconnect());
		watch.observe(document, { childList: true, subtree: true });
	})()`, base64.StdEncoding.EncodeToString(photo), filepath.Base(image))
	err = chromedp.Do(tctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if err := quietDevTools(ctx, tab); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tab, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}), chromedp.Navigate(page))
	if err != nil {
		return v, err
	}
	for {
		state, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(() => {
			const c = document.querySelector("[data-testid=result]");
			return c ? c.dataset.state : "";
		})()`))
		if err != nil {
			return v, err
		}
		if state == "done" {
			break
		}
		if state == "error" {
			msg, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=result]").textContent`))
			return v, fmt.Errorf("the image failed: %s", msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
	raw, err := chromedp.Run(tctx, chromedp.Evaluate[string](`JSON.stringify(InceptionWeb.timing.report())`))
	if err != nil {
		return v, err
	}
	var r struct {
		Page map[string]*float64 `json:"page"`
	}
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return v, err
	}
	if r.Page["ready"] == nil || r.Page["first-answer"] == nil {
		return v, fmt.Errorf("the page did not mark ready and its first answer: %s", raw)
	}
	v.Ready, v.FirstAnswer, v.Report = *r.Page["ready"], *r.Page["first-answer"], json.RawMessage(raw)
	if verbose {
		logf("  %s", raw)
	}
	if settleAfter {
		if err := settle(tctx); err != nil {
			return v, err
		}
		// A person reads the answer before leaving: Chromium writes its compiled code for the page's program
		// a little after the program has run, and a tab closed at once would leave nothing for the next visit.
		time.Sleep(3 * time.Second)
	}
	return v, nil
}

// reportStartup prints the start-up table and the targets, and returns the JSON lines.
func reportStartup(w io.Writer, rows []startupRow) []any {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "page start-up\tmodel\tvisit\tworkers\truns\tready ms (median)\tfirst answer ms (median)\tfirst answer min..max\t")
	var lines []any
	for _, r := range rows {
		if r.Err != "" {
			fmt.Fprintf(tw, "page\t%s\t%s\t%d\t\tnot measured: %s\t\t\t\n", r.Model, r.Visit, r.Workers, firstLine(r.Err))
			continue
		}
		fmt.Fprintf(tw, "page\t%s\t%s\t%d\t%d\t%.0f\t%.0f\t%.0f..%.0f\t\n", r.Model, r.Visit, r.Workers, len(r.Ready),
			median(r.Ready), median(r.FirstAnswer), slices.Min(r.FirstAnswer), slices.Max(r.FirstAnswer))
		lines = append(lines, map[string]any{"engine": "page start-up", "model": r.Model, "visit": r.Visit,
			"workers": r.Workers, "ready_ms": round1(median(r.Ready)), "first_answer_ms": round1(median(r.FirstAnswer))})
	}
	tw.Flush()
	fmt.Fprintln(w, "\nms since the navigation started, median of fresh Chromium runs (cold: new profile; warm: the same")
	fmt.Fprintln(w, "profile once the cold visit settled, files and model cached; returning: the visit after, with the browser's")
	fmt.Fprintln(w, "compiled code cached too). Targets: warm MobileNetV2 ready <= 800 ms and first answer <= 1000 ms; cold")
	fmt.Fprintln(w, "MobileNetV2 first answer <= 1500 ms; GoogLeNet int8 warm first answer <= 2500 ms.")
	for _, r := range rows {
		if r.Err == "" {
			fmt.Fprintf(w, "breakdown of the last %s %s visit: %s\n", r.Visit, r.Model, r.Last)
		}
	}
	fmt.Fprintln(w)
	return lines
}

// Package browser drives the built page (web/, from `go run ./wasm/build -out web`) in headless Chromium as a
// person would: it picks files, waits for the answers and reads them through the page's testing contract.
package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
)

const chromium = "/usr/lib/chromium/chromium"

// builtSite is the module's web/ folder; the tests fail if it has not been built.
func builtSite(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testenv.Root(t), "web")
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Fatalf("the site is not built (%v): run `make web` (go run ./wasm/build -out web)", err)
	}
	return dir
}

// browser starts headless Chromium with a fresh profile, and the given command line flags (name=value, or a
// name alone).
func browser(t testing.TB, flags ...string) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is missing (%v): `make test` installs it (Debian package chromium)", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1200, 900),
	}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, "=")
		if ok {
			opts = append(opts, chromedp.Flag(name, value))
		} else {
			opts = append(opts, chromedp.Flag(name, true))
		}
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// open opens url in a new tab of the browser.
func open(t testing.TB, browserCtx context.Context, url string) context.Context {
	t.Helper()
	res, err := cdp.Call(browserCtx, chromedp.FromContext(browserCtx).Browser, target.CreateTarget,
		target.CreateTargetParams{URL: url})
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithTargetID(res.TargetID))
	t.Cleanup(cancel)
	return ctx
}

// openWithScript opens url in a new tab that runs script before the page's own scripts.
func openWithScript(t testing.TB, browserCtx context.Context, url, script string) context.Context {
	t.Helper()
	res, err := cdp.Call(browserCtx, chromedp.FromContext(browserCtx).Browser, target.CreateTarget,
		target.CreateTargetParams{URL: "about:blank"})
	if err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithTargetID(res.TargetID))
	t.Cleanup(cancel)
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}), chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return ctx
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds, for at most 90 s.
func waitFor(t testing.TB, ctx context.Context, what, cond string) {
	t.Helper()
	waitWithin(t, ctx, 90*time.Second, what, cond)
}

// waitWithin polls a JavaScript condition until it holds, for at most d.
func waitWithin(t testing.TB, ctx context.Context, d time.Duration, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; status: %s", what, statusDump(ctx))
}

func statusDump(ctx context.Context) string {
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const s = document.querySelector("[data-testid=status]");
		const e = document.querySelector("[data-testid=error]");
		return s ? s.outerHTML + " error: " + (e ? e.textContent : "none") : document.body.innerHTML.slice(0, 500);
	})()`))
	return s
}

const statusJS = `document.querySelector("[data-testid=status]")`

func waitReady(t testing.TB, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "the model", statusJS+`?.dataset.state === "ready"`)
}

// card is what the newest result card says.
type card struct {
	File        string       `json:"file"`
	State       string       `json:"state"`
	Error       string       `json:"error"`
	PageError   string       `json:"pageError"`
	Predictions []prediction `json:"predictions"`
}

type prediction struct {
	Label string `json:"label"`
	Prob  string `json:"prob"`
	WNID  string `json:"wnid"`
	Class string `json:"class"`
}

// classify picks files with the file input, waits until the page has finished them, and returns the newest
// card (the first in the page).
func classify(t *testing.T, ctx context.Context, files ...string) card {
	t.Helper()
	seq := eval[string](t, ctx, statusJS+".dataset.seq")
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS(`input[type=file][data-testid=image-input]`), files)); err != nil {
		t.Fatalf("setting files: %v", err)
	}
	var n int
	fmt.Sscan(seq, &n)
	waitFor(t, ctx, "the result of "+strings.Join(files, ", "),
		fmt.Sprintf(`+%s.dataset.seq >= %d && %s.dataset.state !== "busy"`, statusJS, n+len(files), statusJS))
	return newestCard(t, ctx)
}

// newestCard reads the first result card of the page.
func newestCard(t testing.TB, ctx context.Context) card {
	t.Helper()
	raw := eval[string](t, ctx, `JSON.stringify((() => {
		const c = document.querySelector("[data-testid=result]");
		const e = document.querySelector("[data-testid=error]");
		return {
			file: c.dataset.file, state: c.dataset.state,
			error: (c.querySelector(".card-error") || {}).textContent || "",
			pageError: e ? e.textContent : "",
			predictions: Array.from(c.querySelectorAll("[data-testid=prediction]"),
				(p) => ({ label: p.dataset.label, prob: p.dataset.prob, wnid: p.dataset.wnid, class: p.dataset.class })),
		};
	})())`)
	var c card
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// expectTop checks that a card has five predictions in rank order, the first one of want.
func expectTop(t *testing.T, c card, want ...string) {
	t.Helper()
	if c.State != "done" || len(c.Predictions) != 5 {
		t.Errorf("%s: state %q, %d predictions, error %q", c.File, c.State, len(c.Predictions), c.Error)
		return
	}
	last := 2.0
	for _, p := range c.Predictions {
		var prob float64
		if _, err := fmt.Sscan(p.Prob, &prob); err != nil || prob < 0 || prob > 1 || prob > last {
			t.Errorf("%s: probabilities not in [0,1] and rank order: %v", c.File, c.Predictions)
			break
		}
		last = prob
	}
	if len(want) == 0 {
		return
	}
	for _, w := range want {
		if c.Predictions[0].Label == w {
			t.Logf("%s: %s (%s)", c.File, w, c.Predictions[0].Prob)
			return
		}
	}
	t.Errorf("%s: top-1 %q, want one of %q (all: %v)", c.File, c.Predictions[0].Label, want, c.Predictions)
}

// expectRejected checks that a card and the page's error say why the file was refused.
func expectRejected(t *testing.T, ctx context.Context, c card, words ...string) {
	t.Helper()
	if c.State != "error" || c.PageError == "" {
		t.Errorf("%s: state %q, page error %q; want a rejection", c.File, c.State, c.PageError)
		return
	}
	for _, w := range words {
		if strings.Contains(strings.ToLower(c.Error), w) {
			t.Logf("%s: rejected: %s", c.File, c.Error)
			if s := eval[string](t, ctx, statusJS+".dataset.state"); s != "error" {
				t.Errorf("%s: status %q after a rejection, want error", c.File, s)
			}
			return
		}
	}
	t.Errorf("%s: error %q does not say any of %q", c.File, c.Error, words)
}

// serve runs the project's server (server.go) on the site and returns its URL.
func serve(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testenv.Root(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-dir", dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	_, url, ok := strings.Cut(strings.TrimSpace(line), " on ")
	if err != nil || !ok {
		t.Fatalf("server said %q (%v)", line, err)
	}
	return url
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dir := filepath.Join(testenv.Root(t), "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

package browser

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
)

// siteServer runs the project's server on dir at a fixed address, so that it can be stopped and started
// again at the same origin (the service worker belongs to the origin).
type siteServer struct {
	bin, dir, addr string
	cmd            *exec.Cmd
}

func newSiteServer(t *testing.T, dir string) *siteServer {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = testenv.Root(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &siteServer{bin: bin, dir: dir, addr: addr}
	t.Cleanup(s.stop)
	return s
}

func (s *siteServer) start(t *testing.T) string {
	t.Helper()
	s.cmd = exec.Command(s.bin, "-addr", s.addr, "-dir", s.dir)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(stderr).ReadString('\n'); err != nil {
		t.Fatalf("the server did not start: %v", err)
	}
	return "http://" + s.addr + "/"
}

func (s *siteServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		s.cmd.Wait()
		s.cmd = nil
	}
}

// offline takes the network away from the tab (and its service worker) with CDP's network emulation.
func offline(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tab, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tab, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
			return err
		}
		sw := off
		_, err := cdp.Call(ctx, tab, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &sw,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		})
		return err
	}))
	if err != nil {
		t.Fatalf("network emulation: %v", err)
	}
}

// clearHTTPCache empties the browser's HTTP cache (not the Cache API's caches).
func clearHTTPCache(t *testing.T, ctx context.Context) {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, network.ClearBrowserCache, cdp.Empty{})
		return err
	}))
	if err != nil {
		t.Fatalf("clearing the HTTP cache: %v", err)
	}
}

func reload(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// TestOffline visits the page once, then takes the network away (CDP's offline emulation, and the server
// stopped) and reloads: the page starts from the service worker's files and the model from the Cache API,
// and classifies. Then a new build is served (a changed stylesheet, hence a new hashed name and a new sw.js):
// the page updates to it, the old build's cache is gone, and the new build works offline too.
func TestOffline(t *testing.T) {
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	dir := filepath.Join(t.TempDir(), "site")
	if out, err := exec.Command("cp", "-r", builtSite(t), dir).CombinedOutput(); err != nil {
		t.Fatalf("copying the site: %v\n%s", err, out)
	}
	srv := newSiteServer(t, dir)
	url := srv.start(t)
	ctx := open(t, browser(t), url+"?workers=1")
	waitReady(t, ctx)
	expectTop(t, classify(t, ctx, photo), cats...)
	waitForAsync(t, ctx, "the service worker", `navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null)`)
	caches := func() []string {
		return evalAsync[[]string](t, ctx, `caches.keys()`)
	}
	t.Logf("caches: %v", caches())

	srv.stop()
	offline(t, ctx, true)
	// A file the service worker does not keep goes to the network, which is gone.
	if got := evalAsync[string](t, ctx, `fetch("probe-" + Math.random(), {cache: "no-store"}).then(() => "online", () => "offline")`); got != "offline" {
		t.Errorf("a probe of the network from the page: %s, want offline", got)
	}
	// The Go programs are not served by the service worker (the HTTP cache keeps their compiled code, see
	// sw.js): with the HTTP cache emptied, the page must start from the service worker's kept copies.
	clearHTTPCache(t, ctx)
	reload(t, ctx)
	waitReady(t, ctx)
	if src := eval[string](t, ctx, statusJS+".dataset.modelSource"); src != "cache" {
		t.Errorf("offline: model source %q, want cache", src)
	}
	// The SIMD kernels too (the page would fall back to the pure-Go ones without them).
	if status := eval[string](t, ctx, statusJS+".textContent"); !strings.Contains(status, "simd128") {
		t.Errorf("offline: status %q names no SIMD kernels", status)
	}
	expectTop(t, classify(t, ctx, photo), cats...)

	// A new build: the stylesheet changes, so its name, index.html and sw.js do.
	oldCSS := findFile(t, dir, `^style-[0-9a-f]{12}\.css$`)
	css, err := os.ReadFile(filepath.Join(dir, oldCSS))
	if err != nil {
		t.Fatal(err)
	}
	newCSS := "style-" + randomHex(6) + ".css"
	if err := os.WriteFile(filepath.Join(dir, newCSS), append(css, []byte("\n.test-new-build { color: red; }\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{oldCSS + ".br", oldCSS + ".gz"} {
		os.Remove(filepath.Join(dir, name))
	}
	version := regexp.MustCompile(`const version = "([0-9a-f]+)"`)
	for _, name := range []string{"index.html", "sw.js"} {
		p := filepath.Join(dir, name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), oldCSS, newCSS)
		s = version.ReplaceAllString(s, `const version = "`+randomHex(6)+`"`)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(p + ".br")
		os.Remove(p + ".gz")
	}
	offline(t, ctx, false)
	srv.start(t)
	reload(t, ctx)
	waitReady(t, ctx)
	if href := eval[string](t, ctx, `document.querySelector("link[rel=stylesheet]").getAttribute("href")`); href != newCSS {
		t.Errorf("after the new build: stylesheet %q, want %q", href, newCSS)
	}
	// The new service worker takes over and drops the old build's files.
	waitForAsync(t, ctx, "the new service worker", `navigator.serviceWorker.controller && caches.keys().then((k) => k.filter((n) => n.startsWith("inceptionweb-site-")).length === 1)`)
	waitForAsync(t, ctx, "the new build's cache", `(async () => {
		const keys = (await caches.keys()).filter((n) => n.startsWith("inceptionweb-site-"));
		if (keys.length !== 1) return false;
		const c = await caches.open(keys[0]);
		return !!(await c.match(new URL("`+newCSS+`", location.href).href)) && !(await c.match(new URL("`+oldCSS+`", location.href).href));
	})()`)
	t.Logf("caches after the update: %v", caches())

	srv.stop()
	offline(t, ctx, true)
	clearHTTPCache(t, ctx)
	reload(t, ctx)
	waitReady(t, ctx)
	if href := eval[string](t, ctx, `document.querySelector("link[rel=stylesheet]").getAttribute("href")`); href != newCSS {
		t.Errorf("offline after the update: stylesheet %q, want %q", href, newCSS)
	}
	expectTop(t, classify(t, ctx, photo), cats...)
}

// evalAsync evaluates an expression whose value is a promise, and returns what it resolves to.
func evalAsync[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitForAsync polls a condition that may be a promise until it holds.
func waitForAsync(t testing.TB, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Promise.resolve("+cond+").then((v) => !!v)", chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; status: %s", what, statusDump(ctx))
}

func findFile(t *testing.T, dir, pattern string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list {
		if re.MatchString(f.Name()) {
			return f.Name()
		}
	}
	t.Fatalf("no file %s in %s", pattern, dir)
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

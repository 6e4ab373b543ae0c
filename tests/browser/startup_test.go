package browser

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
)

// workerHooks is a test-only hook on the page's workers, installed before the page runs: the model load of
// every worker but the first is held back by window.testDelayLoad ms (so the second worker is observably
// still starting), and the next classify request after window.testCrashNext is set carries an id that is
// not a number, which makes the Go worker panic outside its recover: the worker dies mid-image as it would
// from running out of memory.
const workerHooks = `(() => {
	window.testDelayLoad = 0;
	window.testCrashNext = false;
	const index = new WeakMap();
	let workers = 0;
	const post = Worker.prototype.postMessage;
	Worker.prototype.postMessage = function (msg, transfer) {
		if (!index.has(this)) {
			index.set(this, workers++);
		}
		if (msg && msg.type === "load" && index.get(this) > 0 && window.testDelayLoad > 0) {
			setTimeout(() => post.call(this, msg, transfer), window.testDelayLoad);
			return;
		}
		if (msg && msg.type === "classify" && window.testCrashNext) {
			window.testCrashNext = false;
			msg = Object.assign({}, msg, { id: "crash" });
		}
		return post.call(this, msg, transfer);
	};
})();`

// TestFirstWorkerAnswers checks that the page answers with its first worker while the second is still
// starting (data-workers-ready says how many hold the model), and then runs with both.
func TestFirstWorkerAnswers(t *testing.T) {
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	url := serve(t, builtSite(t))
	ctx := openWithScript(t, browser(t), url+"?workers=2&model=mobilenet_v2_uint8",
		strings.Replace(workerHooks, "window.testDelayLoad = 0", "window.testDelayLoad = 5000", 1))
	waitReady(t, ctx)
	if got := eval[string](t, ctx, statusJS+".dataset.workers + '/' + "+statusJS+".dataset.workersReady"); got != "2/1" {
		t.Errorf("at ready: workers/ready %q, want 2/1 (the second still starting)", got)
	}
	expectTop(t, classify(t, ctx, photo), cats...)
	if got := eval[string](t, ctx, statusJS+".dataset.workersReady"); got != "1" {
		t.Errorf("after the first answer: %s workers ready, want 1 (the second's load is held back 5 s)", got)
	}
	waitFor(t, ctx, "the second worker", statusJS+`.dataset.workersReady === "2"`)
	expectTop(t, classify(t, ctx, photo, photo), cats...)
	ran := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("[data-testid=result]"), (c) => c.dataset.state)`)
	if strings.Join(ran, ",") != "done,done,done" {
		t.Errorf("cards: %v", ran)
	}
}

// TestPhotoDuringStart drops a photo the moment the page shows its drop zone, while the first worker's read
// of the model is held back 3 s: the photo is decoded and cropped while the model loads, and classified once
// it is ready.
func TestPhotoDuringStart(t *testing.T) {
	hold := `(() => {
		const post = Worker.prototype.postMessage;
		Worker.prototype.postMessage = function (msg, transfer) {
			if (msg && msg.type === "preload") {
				setTimeout(() => post.call(this, msg, transfer), 3000);
				return;
			}
			return post.call(this, msg, transfer);
		};
	})();`
	drop := atDropZone(t, `zone.dispatchEvent(dropEvent(file(0)));`, "chelsea.png")
	url := serve(t, builtSite(t))
	ctx := openWithScript(t, browser(t), url+"?workers=1&model=mobilenet_v2_uint8", hold+drop)
	waitFor(t, ctx, "the dropped photo's answer", `document.querySelector("[data-testid=result]")?.dataset.state === "done"`)
	expectTop(t, newestCard(t, ctx), cats...)
	at := func(mark string) float64 {
		return eval[float64](t, ctx, fmt.Sprintf(`InceptionWeb.timing.report().page[%q] ?? -1`, mark))
	}
	// The first worker read the model itself while the UI started (app.js's preload), not the UI after it.
	read := eval[int](t, ctx, `Object.keys(InceptionWeb.timing.report().workers[0].stages).filter((k) => k.startsWith("read: ")).length`)
	if read == 0 {
		t.Errorf("the first worker did not read the start model (no read stages in its timing): the UI read it instead")
	}
	pixels, ready, job := at("first-pixels"), at("ready"), at("first-job")
	if pixels < 0 || ready < 0 || pixels >= ready || job < ready {
		t.Errorf("the photo's crop at %.0f ms, the model ready at %.0f ms, its job at %.0f ms: want crop < ready <= job", pixels, ready, job)
	}
}

// TestWorkerCrash kills a worker mid-image: that image gets an error, the worker is restarted with the
// model, and the next images classify.
func TestWorkerCrash(t *testing.T) {
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	url := serve(t, builtSite(t))
	ctx := openWithScript(t, browser(t), url+"?workers=2&model=mobilenet_v2_uint8", workerHooks)
	waitReady(t, ctx)
	waitFor(t, ctx, "both workers", statusJS+`.dataset.workersReady === "2"`)
	expectTop(t, classify(t, ctx, photo), cats...)

	eval[bool](t, ctx, `window.testCrashNext = true`)
	c := classify(t, ctx, photo)
	if c.State != "error" || !strings.Contains(c.Error+c.PageError, "crashed") {
		t.Errorf("the image on the crashed worker: state %q, error %q, page error %q", c.State, c.Error, c.PageError)
	}
	t.Logf("crashed: %s", c.PageError)
	for i := 0; i < 3; i++ { // the next ones classify, on whichever worker is free
		expectTop(t, classify(t, ctx, photo), cats...)
	}
	waitFor(t, ctx, "the restarted worker", statusJS+`.dataset.workersReady === "2" && `+statusJS+`.dataset.state === "ready"`)
	expectTop(t, classify(t, ctx, photo, photo), cats...)
}

// TestDropBeforeUI gives the page a photo dropped and one chosen with its file input on the drop zone of
// index.html itself, before the UI's Go program has run: the UI takes both when it starts and answers them.
func TestDropBeforeUI(t *testing.T) {
	images := filepath.Join(testenv.Shared(t), "images")
	early := atDropZone(t, `
		window.testBeforeUI = performance.getEntriesByName("ui-main").length === 0;
		zone.dispatchEvent(dropEvent(file(0)));
		const chosen = new DataTransfer();
		chosen.items.add(file(1));
		const input = zone.querySelector("input[type=file]");
		input.files = chosen.files;
		input.dispatchEvent(new Event("change", { bubbles: true }));`, "chelsea.png", "coffee.png")
	url := serve(t, builtSite(t))
	ctx := openWithScript(t, browser(t), url+"?workers=1&model=mobilenet_v2_uint8", early)
	waitFor(t, ctx, "both answers", `document.querySelectorAll("[data-testid=result][data-state=done]").length === 2`)
	if !eval[bool](t, ctx, `window.testBeforeUI === true`) {
		t.Fatal("the photos were not given before the UI ran: the test shows nothing")
	}
	got := map[string]card{}
	for _, c := range cards(t, ctx) {
		got[c.File] = c
	}
	expectTop(t, got["chelsea.png"], cats...)
	expectTop(t, got["coffee.png"], "espresso")
	// The UI's own drop zone replaced index.html's, whose listeners are gone: a photo dropped now gets one card.
	expectTop(t, classify(t, ctx, filepath.Join(images, "chelsea.png")), cats...)
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=result]").length`); n != 3 {
		t.Errorf("%d cards after a third photo, want 3", n)
	}
}

// atDropZone is a script to run before the page's own: the moment the page's drop zone (.drop) exists, it runs
// then, which sees the zone, file(i) (the i-th of photos, shared images, as a File) and dropEvent(file) (a
// drop of that file).
func atDropZone(t *testing.T, then string, photos ...string) string {
	t.Helper()
	var files []string
	for _, name := range photos {
		data, err := os.ReadFile(filepath.Join(testenv.Shared(t), "images", name))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, fmt.Sprintf("[%q, %q]", base64.StdEncoding.EncodeToString(data), name))
	}
	return fmt.Sprintf(`(() => {
		const photos = [%s];
		const file = (i) => new File([Uint8Array.from(atob(photos[i][0]), (c) => c.charCodeAt(0))], photos[i][1], { type: "image/png" });
		const dropEvent = (f) => {
			const dt = new DataTransfer();
			dt.items.add(f);
			return new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true });
		};
		const watch = new MutationObserver(() => {
			const zone = document.querySelector(".drop");
			if (!zone) {
				return;
			}
			watch.disconnect();
			%s
		});
		watch.observe(document, { childList: true, subtree: true });
	})();`, strings.Join(files, ", "), then)
}

package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
)

// memory is the page's memory after a garbage collection: its JS heap, the UI's wasm memory and each
// worker's.
type memory struct {
	JSHeap  float64
	UI      float64   `json:"ui"`
	Workers []float64 `json:"workers"`
}

func pageMemory(t *testing.T, ctx context.Context) memory {
	t.Helper()
	m := evalAsync[memory](t, ctx, `InceptionWeb.stats()`)
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tab, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
			return err
		}
		u, err := cdp.Call(ctx, tab, runtime.GetHeapUsage, cdp.Empty{})
		m.JSHeap = u.UsedSize
		return err
	}))
	if err != nil {
		t.Fatalf("heap usage: %v", err)
	}
	return m
}

func (m memory) String() string {
	var w []string
	for _, b := range m.Workers {
		w = append(w, mib(b))
	}
	return "JS heap " + mib(m.JSHeap) + ", UI wasm " + mib(m.UI) + ", workers' wasm " + strings.Join(w, " + ")
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// TestSoak sends 100 photos (SOAK_PHOTOS=300: 300) through the page (MobileNetV2, 2 workers) in batches: every one is answered, and
// the page's memory (JS heap after a collection, the UI's and the workers' wasm memory) is flat after the
// first batches (the page keeps the newest 50 cards).
func TestSoak(t *testing.T) {
	dir := filepath.Join(testenv.Shared(t), "datasets", "imagenet-samples")
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var photos []string
	for _, f := range list {
		if strings.HasSuffix(f.Name(), ".JPEG") {
			photos = append(photos, filepath.Join(dir, f.Name()))
		}
	}
	sort.Strings(photos)
	// make test sends 100 photos; SOAK_PHOTOS=300 (make soak) the full run.
	total, batch := 100, 25
	if n, err := strconv.Atoi(os.Getenv("SOAK_PHOTOS")); err == nil && n >= 4*batch {
		total = n / batch * batch
	}
	if len(photos) < total {
		t.Fatalf("%d photos in %s, want %d", len(photos), dir, total)
	}
	url := serve(t, builtSite(t))
	ctx := open(t, browser(t), url+"?workers=2&model=mobilenet_v2_uint8")
	waitReady(t, ctx)
	waitFor(t, ctx, "both workers", statusJS+`.dataset.workersReady === "2"`)
	var after []memory
	for i := 0; i < total; i += batch {
		classify(t, ctx, photos[i:i+batch]...)
		if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=result][data-state=error]").length`); n > 0 {
			t.Fatalf("after %d photos: %d cards with an error: %s", i+batch, n, statusDump(ctx))
		}
		after = append(after, pageMemory(t, ctx))
		t.Logf("after %3d photos: %s", i+batch, after[len(after)-1])
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=result]").length`); n != 50 {
		t.Errorf("%d cards on the page, want the newest 50", n)
	}
	// Flat after the first batches: wasm memories never shrink, so any growth is a leak; the JS heap may
	// move a little with the collector.
	base, end := after[1], after[len(after)-1]
	const slack = 4 << 20
	if end.UI > base.UI+slack {
		t.Errorf("the UI's wasm memory grew from %s to %s between photos 50 and %d", mib(base.UI), mib(end.UI), total)
	}
	for i := range end.Workers {
		if i < len(base.Workers) && end.Workers[i] > base.Workers[i]+slack {
			t.Errorf("worker %d's wasm memory grew from %s to %s between photos 50 and %d", i, mib(base.Workers[i]), mib(end.Workers[i]), total)
		}
	}
	if end.JSHeap > base.JSHeap*1.25+slack {
		t.Errorf("the JS heap grew from %s to %s between photos 50 and %d", mib(base.JSHeap), mib(end.JSHeap), total)
	}
}

// TestWebcamSoak runs the webcam (Chromium's fake camera at 60 frames/s) through the page for 150 answered
// frames (WEBCAM_FRAMES=2000, make soak: 2,000) at 2 workers: the memory is flat after the first third (at
// most 100).
func TestWebcamSoak(t *testing.T) {
	frames := 150
	if n, err := strconv.Atoi(os.Getenv("WEBCAM_FRAMES")); err == nil && n >= 150 {
		frames = n
	}
	first := min(100, frames/3) // the memory is compared from here
	ctx := open(t, browser(t, "use-fake-device-for-media-stream=fps=60", "use-fake-ui-for-media-stream"),
		serve(t, builtSite(t))+"?workers=2&model=mobilenet_v2_uint8")
	waitReady(t, ctx)
	waitFor(t, ctx, "both workers", statusJS+`.dataset.workersReady === "2"`)
	click(t, ctx, "webcam-toggle")
	framesJS := "+" + webcamJS + ".dataset.frames"
	waitFor(t, ctx, "the first frames", framesJS+fmt.Sprintf(" >= %d", first))
	base := pageMemory(t, ctx)
	t.Logf("after %d frames: %s", first, base)
	for n := first + (frames-first)/2; ; n = frames {
		waitForLong(t, ctx, fmt.Sprintf("%d frames", n), framesJS+fmt.Sprintf(" >= %d", n), time.Duration(frames)*200*time.Millisecond)
		t.Logf("after %d frames (%s frames/s): %s", n, eval[string](t, ctx, `document.querySelector("[data-testid=fps]").dataset.fps`), pageMemory(t, ctx))
		if n == frames {
			break
		}
	}
	end := pageMemory(t, ctx)
	click(t, ctx, "webcam-toggle")
	const slack = 4 << 20
	if end.UI > base.UI+slack {
		t.Errorf("the UI's wasm memory grew from %s to %s", mib(base.UI), mib(end.UI))
	}
	for i := range end.Workers {
		if i < len(base.Workers) && end.Workers[i] > base.Workers[i]+slack {
			t.Errorf("worker %d's wasm memory grew from %s to %s", i, mib(base.Workers[i]), mib(end.Workers[i]))
		}
	}
	if end.JSHeap > base.JSHeap*1.25+slack {
		t.Errorf("the JS heap grew from %s to %s", mib(base.JSHeap), mib(end.JSHeap))
	}
}

// waitForLong is waitFor with its own time limit.
func waitForLong(t testing.TB, ctx context.Context, what, cond string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; status: %s", what, statusDump(ctx))
}

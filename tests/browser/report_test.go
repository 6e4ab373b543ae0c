package browser

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testimages"
)

// TestInspectionReport opens the command line's dataset report in Chromium from file://, as a person would
// after `tools/inspect`: both collections are on the map in their colours (red, then blue), hovering a point
// shows its image and prediction, and the class table lists every class.
func TestInspectionReport(t *testing.T) {
	const n = 12
	clean, degraded := testimages.Collections(t, n)
	out := filepath.Join(t.TempDir(), "report")
	model := filepath.Join(testenv.Root(t), "build", "models", "mobilenet_v2_uint8.safetensors")
	cmd := exec.Command("go", "run", "./tools/inspect", "-model", model, "-out", out, "ILSVRC="+clean, "degraded="+degraded)
	cmd.Dir = testenv.Root(t)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("inspect: %v\n%s", err, msg)
	}
	ctx := open(t, browser(t), "file://"+filepath.Join(out, "index.html"))
	waitFor(t, ctx, "the report", `document.querySelector("[data-testid=feature-map]")`)
	if got := eval[int](t, ctx, `document.querySelectorAll("[data-testid=feature-map] circle").length`); got != 2*n {
		t.Errorf("%d points on the map, want %d", got, 2*n)
	}
	for colour, want := range map[string]int{"#d62728": n, "#1f77b4": n} {
		if got := eval[int](t, ctx, `document.querySelectorAll("[data-testid=feature-map] circle[fill='`+colour+`']").length`); got != want {
			t.Errorf("%d points in %s, want %d", got, colour, want)
		}
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("[data-testid=classes] tr[data-wnid]").length`); got != n {
		t.Errorf("%d class rows, want %d", got, n)
	}
	// Hovering a point shows its thumbnail and caption.
	x := eval[float64](t, ctx, `(() => { const r = document.querySelector("#map circle").getBoundingClientRect(); return r.x + r.width / 2; })()`)
	y := eval[float64](t, ctx, `(() => { const r = document.querySelector("#map circle").getBoundingClientRect(); return r.y + r.height / 2; })()`)
	if _, err := chromedp.Run(ctx, chromedp.MouseEvent("mouseMoved", x, y)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the tooltip", `getComputedStyle(document.getElementById("tip")).display === "block" && document.querySelector("#tip img").src.startsWith("data:image/jpeg")`)
	if caption := eval[string](t, ctx, `document.querySelector("#tip span").textContent`); caption == "" {
		t.Error("the tooltip has no caption")
	}
	screenshot(t, ctx, "inspection-report.png")
}

package browser

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"inceptionweb/dataset"
	"inceptionweb/imagefile"
	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testimages"
	"inceptionweb/model"
)

const summaryJS = `document.querySelector("[data-testid=dataset-summary]")`

// pickFolder picks a folder through the dataset input, as a person choosing a folder would, and waits until
// the page has taken it as one more collection.
func pickFolder(t testing.TB, ctx context.Context, dir string) {
	t.Helper()
	n := eval[string](t, ctx, summaryJS+".dataset.collections")
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`input[type=file][data-testid=dataset-input]`, []string{dir})); err != nil {
		t.Fatalf("picking %s: %v", dir, err)
	}
	waitFor(t, ctx, "the collection "+dir, fmt.Sprintf(`%s.dataset.collections !== %q`, summaryJS, n))
}

// waitInspected waits until the inspection has every image of n collections and is done.
func waitInspected(t testing.TB, ctx context.Context, collections, images int) {
	t.Helper()
	cond := fmt.Sprintf(`%s?.dataset.state === "done" && +%[1]s.dataset.images === %d && document.querySelectorAll("[data-testid=collection]").length === %d`,
		summaryJS, images, collections)
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")")); err == nil && ok {
			return
		}
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const s = `+summaryJS+`; return JSON.stringify(s.dataset) + " " +
		document.querySelectorAll("[data-testid=collection]").length + " collections; " + (s.querySelector(".inspect-progress, .inspect-message, .inspect-errors") || {}).textContent; })()`))
	t.Fatalf("timed out waiting for the inspection of %d images in %d collections: %s", images, collections, state)
}

type collectionRow struct {
	Name    string `json:"name"`
	Images  string `json:"images"`
	Classes string `json:"classes"`
	Top1    string `json:"top1"`
	Top5    string `json:"top5"`
}

func collectionRows(t testing.TB, ctx context.Context) []collectionRow {
	t.Helper()
	raw := eval[string](t, ctx, `JSON.stringify(Array.from(document.querySelectorAll("[data-testid=collection]"), (r) => ({
		name: r.dataset.name, images: r.dataset.images, classes: r.dataset.classes, top1: r.dataset.top1, top5: r.dataset.top5 })))`)
	var rows []collectionRow
	if err := json.Unmarshal([]byte(raw), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// nativeTop1 is the command line's top-1 accuracy on a folder (dataset.Find, imagefile.Read, ClassifyImage).
func nativeTop1(t *testing.T, m *model.Model, dir string) (float64, int) {
	t.Helper()
	imgs, err := dataset.Find(dir)
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for _, im := range imgs {
		img, err := imagefile.Read(im.Path)
		if err != nil {
			t.Fatal(err)
		}
		preds, err := m.ClassifyImage(img, 1)
		if err != nil {
			t.Fatal(err)
		}
		if preds[0].Class == im.Class {
			right++
		}
	}
	return float64(right) / float64(len(imgs)), len(imgs)
}

// TestInspectDataset inspects two collections of the same photos (clean and degraded) on the page with two
// workers: the counts, top-1 as the command line computes it with the same model file, the degraded
// collection scoring lower, one point per image on the map, and the exported summary.json and predictions.csv.
func TestInspectDataset(t *testing.T) {
	const n = 16
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	site := builtSite(t)
	clean, degraded := testimages.Collections(t, n)
	models := siteModels(t, site)
	chosen := models[0] // the default model, the one the page starts with
	data, err := os.ReadFile(filepath.Join(testenv.Root(t), "build", "models", chosen.File))
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Open(chosen.Name, data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, dir := range []string{clean, degraded} {
		want[filepath.Base(dir)], _ = nativeTop1(t, m, dir)
	}

	url := serve(t, site)
	bctx := browser(t)
	downloads := t.TempDir()
	if _, err := cdp.Call(bctx, chromedp.FromContext(bctx).Browser, cdpbrowser.SetDownloadBehavior,
		cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatalf("download folder: %v", err)
	}
	ctx := open(t, bctx, url+"?workers=2")
	waitReady(t, ctx)
	start := time.Now()
	pickFolder(t, ctx, clean)
	pickFolder(t, ctx, degraded)
	waitInspected(t, ctx, 2, 2*n)
	t.Logf("inspected %d images in %v (the page says %s ms)", 2*n, time.Since(start).Round(time.Millisecond),
		eval[string](t, ctx, summaryJS+".dataset.ms"))

	rows := collectionRows(t, ctx)
	top1 := map[string]float64{}
	for i, r := range rows {
		name := filepath.Base([]string{clean, degraded}[i])
		var got float64
		fmt.Sscan(r.Top1, &got)
		top1[r.Name] = got
		t.Logf("collection %s: %s images, %s classes, top-1 %s, top-5 %s (command line top-1 %.4f)", r.Name, r.Images, r.Classes, r.Top1, r.Top5, want[name])
		if r.Name != name || r.Images != fmt.Sprint(n) || r.Classes != fmt.Sprint(n) {
			t.Errorf("collection %d: %+v, want %s with %d images of %d classes", i, r, name, n, n)
		}
		if math.Abs(got-want[name]) > 1e-9 {
			t.Errorf("%s: top-1 %s on the page, %.4f on the command line", r.Name, r.Top1, want[name])
		}
	}
	if !(top1["degraded"] < top1["clean"]) {
		t.Errorf("top-1: clean %v, degraded %v; want the degraded collection lower", top1["clean"], top1["degraded"])
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("[data-testid=class-row]").length`); got != n {
		t.Errorf("%d class rows, want %d", got, n)
	}
	if idx := eval[string](t, ctx, `document.querySelector("[data-testid=class-row]").dataset.wnid + " " + document.querySelector("[data-testid=class-row]").dataset.index`); !strings.HasPrefix(idx, "n") {
		t.Errorf("first class row: %q", idx)
	}
	mapAttrs := eval[string](t, ctx, `(() => { const m = document.querySelector("[data-testid=feature-map]"); return m.dataset.points + " " + m.dataset.collections + " " + m.dataset.method + " " + m.querySelectorAll(".pt").length; })()`)
	if mapAttrs != fmt.Sprintf("%d 2 tsne %d", 2*n, 2*n) {
		t.Errorf("feature map: points, collections, method, dots = %q, want %d 2 tsne %d", mapAttrs, 2*n, 2*n)
	}

	// Export: the command line's two files, with the same counts.
	eval[bool](t, ctx, `(document.querySelector("[data-testid=export-summary]").click(), document.querySelector("[data-testid=export-csv]").click(), true)`)
	summary, predictions := waitFile(t, filepath.Join(downloads, "summary.json")), waitFile(t, filepath.Join(downloads, "predictions.csv"))
	var s dataset.Summary
	if err := json.Unmarshal(summary, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if len(s.Collections) != 2 || s.Collections[0].Images != n || s.Collections[1].Images != n || len(s.Classes) != n ||
		len(s.Map.Points) != 2*n || s.Collections[0].Top1 != top1["clean"] {
		t.Errorf("summary.json: %d collections %+v, %d classes, %d points", len(s.Collections), s.Collections, len(s.Classes), len(s.Map.Points))
	}
	lines, err := csv.NewReader(bytes.NewReader(predictions)).ReadAll()
	if err != nil || len(lines) != 2*n+1 || strings.Join(lines[0], ",") != strings.Join(dataset.CSVHeader, ",") {
		t.Errorf("predictions.csv: %d lines (%v), header %v", len(lines), err, lines[:min(1, len(lines))])
	}

	// The map: hovering a point shows its image, clicking it opens its card.
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`[data-testid=feature-map]`))); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `(document.querySelector("[data-testid=feature-map] .pt").click(), true)`)
	waitFor(t, ctx, "the card of a point", `document.querySelector("[data-testid=inspect-card]")`)
	var x, y float64
	pos := eval[[]float64](t, ctx, `(() => { const r = document.querySelectorAll("[data-testid=feature-map] .pt")[3].getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	x, y = pos[0], pos[1]
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", x, y)); err != nil {
		t.Fatal(err)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(document.querySelectorAll("[data-testid=feature-map] .pt")[3].querySelector(".tip")).display !== "none"`); !shown {
		t.Error("hovering a point does not show its image")
	}
	eval[bool](t, ctx, `(document.querySelector("[data-testid=inspect-card] [data-testid=cam-toggle]").click(), true)`)
	waitFor(t, ctx, "the map of the opened card", `document.querySelector("[data-testid=inspect-card] [data-testid=cam]")`)
	sectionShot(t, ctx, `[data-testid=dataset-summary]`, "inspect.png")

	t.Run("CAM", func(t *testing.T) { testCAM(t, ctx) })

	// A folder dropped on the section is one more collection (named apart from the first, which has its name).
	dropFolder(t, ctx, clean)
	waitInspected(t, ctx, 3, 3*n)
	if rows := collectionRows(t, ctx); len(rows) != 3 || rows[2].Name != "clean (2)" || rows[2].Images != fmt.Sprint(n) || rows[2].Top1 != rows[0].Top1 {
		t.Errorf("after dropping %s again: %+v", clean, rows)
	}
}

// dropFolder drags a folder from outside the browser onto the inspection's drop box (Input.dispatchDragEvent,
// so the page reads it through webkitGetAsEntry as it would a folder from a file manager).
func dropFolder(t testing.TB, ctx context.Context, dir string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(`.inspect-drop`))); err != nil {
		t.Fatal(err)
	}
	pos := eval[[]float64](t, ctx, `(() => { const r = document.querySelector(".inspect-drop").getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	data := &input.DragData{Files: []string{dir}, DragOperationsMask: 1, Items: []*input.DragDataItem{}}
	for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		if _, err := cdp.Call(ctx, chromedp.FromContext(ctx).Target, input.DispatchDragEvent,
			input.DispatchDragEventParams{Type: typ, X: pos[0], Y: pos[1], Data: data}); err != nil {
			t.Fatalf("dragging %s: %s: %v", dir, typ, err)
		}
	}
}

// waitFile waits for a downloaded file and returns its bytes.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return b
		}
	}
	t.Fatalf("%s was not downloaded", path)
	return nil
}

// sectionShot saves a screenshot of one element of the page into test-artifacts/.
func sectionShot(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	dir := filepath.Join(testenv.Root(t), "test-artifacts")
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// testCAM pastes a photo into the bottom-right corner of a plain grey canvas twice its size: the card's class
// activation map, shown by its toggle, peaks in the bottom-right quadrant of the crop. (It shares
// TestInspectDataset's page, to spare a browser start.)
func testCAM(t *testing.T, ctx context.Context) {
	f, err := os.Open(filepath.Join(testenv.Shared(t), "images", "coffee.png"))
	if err != nil {
		t.Fatal(err)
	}
	coffee, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	b := coffee.Bounds()
	canvas := image.NewRGBA(image.Rect(0, 0, 2*b.Dx(), 2*b.Dy()))
	draw.Draw(canvas, canvas.Bounds(), &image.Uniform{color.RGBA{128, 128, 128, 255}}, image.Point{}, draw.Src)
	draw.Draw(canvas, b.Add(image.Pt(b.Dx(), b.Dy())), coffee, b.Min, draw.Src)
	file := filepath.Join(t.TempDir(), "coffee-corner.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, canvas); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	c := classify(t, ctx, file)
	expectTop(t, c)
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=result] [data-testid=cam]").length`); n != 0 {
		t.Errorf("%d maps shown before the toggle", n)
	}
	eval[bool](t, ctx, `(document.querySelector("[data-testid=result] [data-testid=cam-toggle]").click(), true)`)
	waitFor(t, ctx, "the map", `document.querySelector("[data-testid=result] [data-testid=cam]")`)
	got := eval[string](t, ctx, `(() => { const m = document.querySelector("[data-testid=result] [data-testid=cam]"); return m.dataset.camPeak + " " + m.dataset.camSize; })()`)
	var row, col, h, w int
	if _, err := fmt.Sscanf(got, "%d,%d %d,%d", &row, &col, &h, &w); err != nil {
		t.Fatalf("data-cam-peak and data-cam-size: %q (%v)", got, err)
	}
	t.Logf("%s: CAM %dx%d peaks at row %d col %d", c.Predictions[0].Label, h, w, row, col)
	if 2*row < h || 2*col < w {
		t.Errorf("the map of %q peaks at row %d col %d of %dx%d, away from the photo in the bottom-right corner", c.Predictions[0].Label, row, col, h, w)
	}
	sectionShot(t, ctx, `[data-testid=result]`, "cam.png")
}

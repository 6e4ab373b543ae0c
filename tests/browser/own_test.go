package browser

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testtorch"
	"inceptionweb/model"
)

// drop drops files on the page's drop zone, as a person dragging them from a file manager would: the files
// come from a file input the test adds, in a DataTransfer of a drop event.
func drop(t testing.TB, ctx context.Context, files ...string) {
	t.Helper()
	eval[bool](t, ctx, `(() => {
		if (!document.getElementById("test-drop")) {
			const input = Object.assign(document.createElement("input"), { type: "file", id: "test-drop", multiple: true, hidden: true });
			document.body.append(input);
		}
		return true;
	})()`)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles("#test-drop", files)); err != nil {
		t.Fatalf("setting files: %v", err)
	}
	eval[bool](t, ctx, `(() => {
		const dt = new DataTransfer();
		for (const f of document.getElementById("test-drop").files) dt.items.add(f);
		document.querySelector(".drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
		return true;
	})()`)
}

// dropImages drops photos and waits until the page has classified them all; it returns the cards of the page,
// newest first.
func dropImages(t *testing.T, ctx context.Context, files ...string) []card {
	t.Helper()
	var n int
	fmt.Sscan(eval[string](t, ctx, statusJS+".dataset.seq"), &n)
	drop(t, ctx, files...)
	waitFor(t, ctx, "the results of "+strings.Join(files, ", "),
		fmt.Sprintf(`+%s.dataset.seq >= %d && %s.dataset.state !== "busy"`, statusJS, n+len(files), statusJS))
	return cards(t, ctx)
}

// cards reads every result card of the page, newest first.
func cards(t testing.TB, ctx context.Context) []card {
	t.Helper()
	raw := eval[string](t, ctx, `JSON.stringify(Array.from(document.querySelectorAll("[data-testid=result]"), (c) => ({
		file: c.dataset.file, state: c.dataset.state,
		predictions: Array.from(c.querySelectorAll("[data-testid=prediction]"),
			(p) => ({ label: p.dataset.label, prob: p.dataset.prob, wnid: p.dataset.wnid, class: p.dataset.class })),
	})))`)
	var cs []card
	if err := json.Unmarshal([]byte(raw), &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

// native runs the command line classifier with a model file on photos and returns each photo's predictions.
func native(t *testing.T, modelFile string, files ...string) map[string][]model.Prediction {
	t.Helper()
	cmd := exec.Command("go", append([]string{"run", "./tools/classify", "-json", "-model", modelFile}, files...)...)
	cmd.Dir = testenv.Root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("native classifier: %v", err)
	}
	var results []struct {
		File        string             `json:"file"`
		Predictions []model.Prediction `json:"predictions"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("native classifier output: %v", err)
	}
	preds := map[string][]model.Prediction{}
	for _, r := range results {
		preds[filepath.Base(r.File)] = r.Predictions
	}
	return preds
}

type siteModel struct{ Name, File, Compute string }

// siteModels reads the built site's models.json.
func siteModels(t testing.TB, site string) []siteModel {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(site, "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []siteModel
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// TestImageNetSamples chooses GoogLeNet (int8) when the site has it, else the default model, and drops ImageNet
// photos on the page: each gets its own class, by WNID (the photos are named <wnid>_<name>.JPEG). The photos
// are those of a fixed list that the command line classifies right by a clear margin with the same model file.
func TestImageNetSamples(t *testing.T) {
	site := builtSite(t)
	models := siteModels(t, site)
	chosen := models[0]
	for _, m := range models {
		if m.Name == "googlenet_int8" {
			chosen = m
		}
	}
	t.Logf("model: %s", chosen.Name)
	dir := filepath.Join(testenv.Shared(t), "datasets", "imagenet-samples")
	var candidates []string
	for _, name := range []string{"n01530575_brambling", "n01614925_bald_eagle", "n01641577_bullfrog", "n02123045_tabby",
		"n02690373_airliner", "n03272010_electric_guitar", "n07747607_orange", "n09472597_volcano"} {
		if found, _ := filepath.Glob(filepath.Join(dir, name+".JPEG")); len(found) == 1 {
			candidates = append(candidates, found[0])
		}
	}
	cli := native(t, filepath.Join(testenv.Root(t), "build", "models", chosen.File), candidates...)
	var photos []string
	for _, f := range candidates {
		p := cli[filepath.Base(f)]
		if len(p) >= 2 && p[0].WNID == wnidOf(f) && p[0].Prob-p[1].Prob > 0.2 && len(photos) < 3 {
			photos = append(photos, f)
		}
	}
	if len(photos) < 2 {
		t.Fatalf("the command line gets fewer than 2 of %d sample photos right with %s by a clear margin", len(candidates), chosen.Name)
	}

	ctx := open(t, browser(t), serve(t, site))
	waitReady(t, ctx)
	selectModel(t, ctx, chosen.Name)
	if want := cmp.Or(chosen.Compute, "float32"); eval[string](t, ctx, statusJS+`.dataset.compute`) != want {
		t.Errorf("the status says %q compute, models.json %q", eval[string](t, ctx, statusJS+`.dataset.compute`), want)
	}
	t.Logf("status: %s", eval[string](t, ctx, statusJS+`.textContent`))
	got := dropImages(t, ctx, photos...)
	for i, f := range photos {
		c := got[len(photos)-1-i] // newest first
		if c.File != filepath.Base(f) || c.State != "done" || len(c.Predictions) == 0 {
			t.Errorf("%s: card %+v", filepath.Base(f), c)
			continue
		}
		if top := c.Predictions[0]; top.WNID != wnidOf(f) || top.Class != fmt.Sprint(cli[c.File][0].Class) {
			t.Errorf("%s: top-1 %s (class %s, %s), want %s (class %d)", c.File, top.WNID, top.Class, top.Label, wnidOf(f), cli[c.File][0].Class)
		} else {
			t.Logf("%s: %s %s %s", c.File, top.WNID, top.Label, top.Prob)
		}
	}
	// The page as a person sees it, on a laptop and on a phone.
	for _, width := range []int64{1280, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > int(width) {
			t.Errorf("at %d px the page is %d px wide: something runs off the right edge", width, w)
		}
		screenshot(t, ctx, fmt.Sprintf("page-%d.png", width))
	}
	// The page names its icon (else browsers ask for /favicon.ico, which is not there), and the icon loads.
	icon, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const link = document.querySelector("link[rel~=icon]");
		if (!link) return "no icon link";
		const resp = await fetch(link.href);
		return resp.ok && (await resp.blob()).type.startsWith("image/") ? "" : "the icon does not load: " + resp.status;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || icon != "" {
		t.Errorf("favicon: %s %v", icon, err)
	}
}

func wnidOf(file string) string {
	wnid, _, _ := strings.Cut(filepath.Base(file), "_")
	return wnid
}

// TestOwnModels gives the page the person's own model files: junk is refused and the page keeps working; the
// TFLite MobileNetV2 and a torchvision InceptionV3 state_dict (synthetic weights, 109 MB, dropped on the page)
// become selectable and classify as the command line does; they are kept across a reload, and can be removed.
func TestOwnModels(t *testing.T) {
	site := builtSite(t)
	start := time.Now()
	step := func(what string) { t.Logf("%5.1f s: %s", time.Since(start).Seconds(), what) }
	images := filepath.Join(testenv.Shared(t), "images")
	chelsea := filepath.Join(images, "chelsea.png")
	dir := t.TempDir()
	junk := filepath.Join(dir, "weights.pth")
	if err := os.WriteFile(junk, []byte("These are not the weights you are looking for.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pthData, err := testtorch.InceptionV3Zip()
	if err != nil {
		t.Fatal(err)
	}
	pth := filepath.Join(dir, "inception_v3_synthetic.pth")
	if err := os.WriteFile(pth, pthData, 0o644); err != nil {
		t.Fatal(err)
	}
	// What the command line says of the same file and photo (it opens the state_dict as it is: float32).
	size := len(pthData)
	m, err := model.Open(pth, pthData)
	pthData = nil
	if err != nil {
		t.Fatal(err)
	}
	img := decodeFile(t, chelsea)
	want, err := m.ClassifyImage(img, 2)
	if err != nil {
		t.Fatal(err)
	}
	if want[0].Prob < want[1].Prob*1.01 {
		t.Fatalf("%s: the native margin is not clear enough to compare: %+v", chelsea, want)
	}
	m = nil

	step("native done")
	ctx := open(t, browser(t), serve(t, site))
	waitReady(t, ctx)

	// Junk is refused with a message, and the next photo still classifies.
	step("page ready")
	importFile(t, ctx, junk, "error")
	step("junk refused")
	if msg := eval[string](t, ctx, `document.querySelector("[data-testid=error]").textContent`); !strings.Contains(msg, "not a model file") {
		t.Errorf("junk model: error %q", msg)
	} else {
		t.Logf("junk: %s", msg)
	}
	expectTop(t, classify(t, ctx, chelsea), cats...)

	step("junk done")
	// The TFLite MobileNetV2 becomes a model of the picker and classifies.
	tflite := filepath.Join(testenv.Shared(t), "weights-source", "mobilenet_v2", "mobilenet_v2_1.0_224_quant.tflite")
	name := importFile(t, ctx, tflite, "done")
	waitModel(t, ctx, name)
	if label := optionLabel(t, ctx, name); label != "mobilenet_v2_1.0_224_quant.tflite · uint8 · 3.6 MB" {
		t.Errorf("picker entry %q", label)
	}
	expectTop(t, classify(t, ctx, chelsea), cats...)

	step("tflite done")
	// The state_dict, dropped on the page: converted to int8 in a worker, then the same top-1 as natively.
	seq := importSeq(t, ctx)
	drop(t, ctx, pth)
	pthModel := waitImport(t, ctx, seq, "done")
	memory := eval[string](t, ctx, `document.querySelector("[data-testid=model-import]").dataset.memory`)
	var mem int
	fmt.Sscan(memory, &mem)
	t.Logf("converting the %.1f MB state_dict took %d MiB of wasm memory", float64(size)/1e6, mem>>20)
	if mem <= 0 || mem > 600<<20 {
		t.Errorf("converting the state_dict took %d MiB of wasm memory, want at most 600", mem>>20)
	}
	step("converted")
	t.Logf("page: %s", eval[string](t, ctx, `document.querySelector(".own-done").textContent`))
	waitModel(t, ctx, pthModel)
	// The longest names of the picker still fit a phone's width.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 900)); err != nil {
		t.Fatal(err)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("at 390 px, with own models in the picker, the page is %d px wide", w)
	}
	screenshot(t, ctx, "own-models-390.png")
	checkTop := func() {
		t.Helper()
		c := classify(t, ctx, chelsea)
		if c.State != "done" || len(c.Predictions) == 0 || c.Predictions[0].WNID != want[0].WNID {
			t.Errorf("own InceptionV3: %+v; the command line's top-1 %s (%.5f, then %.5f)", c, want[0].WNID, want[0].Prob, want[1].Prob)
		}
	}
	checkTop()

	step("classified")
	// Kept across visits: after a reload both own models are offered, and the state_dict's still classifies.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ctx)
	for _, n := range []string{name, pthModel} {
		if optionLabel(t, ctx, n) == "" {
			t.Errorf("after a reload the picker lacks %s", n)
		}
	}
	selectModel(t, ctx, pthModel)
	if src := eval[string](t, ctx, statusJS+".dataset.modelSource"); src != "cache" {
		t.Errorf("own model after a reload: source %q, want cache", src)
	}
	checkTop()

	step("reloaded, classified")
	// Removed: gone from the picker and from the cache, and the default model is back.
	eval[bool](t, ctx, `(document.querySelector("[data-testid=model-remove]").click(), true)`)
	waitFor(t, ctx, "the removal", fmt.Sprintf(`!document.querySelector("[data-testid=model-select] option[value='%s']") && %s.dataset.state === "ready" && %s.dataset.model !== %q`, pthModel, statusJS, statusJS, pthModel))
	sha := strings.TrimPrefix(pthModel, "own-")
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`caches.open("inceptionweb-models-v1").then((c) => c.keys()).then((ks) => ks.some((k) => k.url.includes("/sha256/%s")))`, sha), chromedp.EvalAwaitPromise))
	if err != nil || kept {
		t.Errorf("the removed model is still in the cache (%v)", err)
	}
	expectTop(t, classify(t, ctx, chelsea), cats...)
}

func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

const importJS = `document.querySelector("[data-testid=model-import]")`

// importFile gives the page a model file through its model input and waits until the import ends in state;
// it returns the name of the model the import added.
func importFile(t *testing.T, ctx context.Context, file, state string) string {
	t.Helper()
	seq := importSeq(t, ctx)
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles(`input[type=file][data-testid=model-input]`, []string{file})); err != nil {
		t.Fatalf("setting the model file: %v", err)
	}
	return waitImport(t, ctx, seq, state)
}

// importSeq counts the imports the page has finished.
func importSeq(t *testing.T, ctx context.Context) int {
	t.Helper()
	var n int
	fmt.Sscan(eval[string](t, ctx, importJS+".dataset.seq"), &n)
	return n
}

// waitImport waits for the import after the seq-th to finish and checks its state.
func waitImport(t *testing.T, ctx context.Context, seq int, state string) string {
	t.Helper()
	// Converting the 109 MB state_dict takes tens of seconds of one core, and longer on a busy machine.
	waitWithin(t, ctx, 5*time.Minute, "the model import", fmt.Sprintf(`+%s.dataset.seq > %d`, importJS, seq))
	if got := eval[string](t, ctx, importJS+".dataset.state"); got != state {
		t.Fatalf("import ended in state %q, want %q; %s", got, state, statusDump(ctx))
	}
	return eval[string](t, ctx, importJS+".dataset.model")
}

// waitModel waits until the workers hold the named model.
func waitModel(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	waitFor(t, ctx, name, fmt.Sprintf(`%s.dataset.model === %q && %s.dataset.state === "ready"`, statusJS, name, statusJS))
}

// optionLabel is the picker's text for a model ("" when it does not offer it).
func optionLabel(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector("[data-testid=model-select] option[value='%s']") || {}).textContent || ""`, name))
}

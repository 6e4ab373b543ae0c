//go:build js && wasm

package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/vugu/vugu"

	"inceptionweb/internal/limits"
	"inceptionweb/nn/imagenet"
	"inceptionweb/wasm/imagecheck"
)

const topK = 5

// ModelEntry is one line of models.json, or one of the person's own models (kept in the browser).
type ModelEntry struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	File      string `json:"file"`
	URL       string `json:"url,omitempty"` // none for the person's own models: they live in the cache only
	SHA256    string `json:"sha256"`
	Bytes     int    `json:"bytes"`
	Network   string `json:"network,omitempty"`   // e.g. "GoogLeNet"
	Precision string `json:"precision,omitempty"` // of the weights, e.g. "int8"
	Default   bool   `json:"default,omitempty"`
	Own       bool   `json:"own,omitempty"`
	// Input is the model's preprocessing, so that photos are cropped while the model loads (nil in the
	// lists of own models kept by older versions of the page: those photos wait for the model).
	Input *imagenet.Preprocess `json:"input,omitempty"`
}

// Label names the entry in the picker by network (the file's name for the person's own models), precision
// and download size: "GoogLeNet · int8 · 7.0 MB".
func (m ModelEntry) Label() string {
	name := m.Network
	if m.Own || name == "" {
		name = m.Title
	}
	parts := []string{name}
	if m.Precision != "" {
		parts = append(parts, m.Precision)
	}
	parts = append(parts, fmt.Sprintf("%.1f MB", float64(m.Bytes)/1e6))
	return strings.Join(parts, " · ")
}

// Root is the page. Its fields are read by the template under the render lock; tasks change them in the
// background, taking the lock (see update).
type Root struct {
	env vugu.EventEnv

	Models   []ModelEntry
	Selected string // the model asked for
	Loaded   string // the model the worker holds
	State    string // "loading", "ready", "busy" or "error"
	Source   string // where the model came from: "cache" or "network"
	Message  string // what the status line says
	Error    string // the last rejection, shown until the next action
	Seq      int    // finished actions (model loads and images), for tests that wait for the next one

	Downloading   bool
	DownloadBytes int
	DownloadTotal int
	Dragging      bool

	Results []*Result // newest first
	nextID  int

	Workers    int    // the size of the pool of inference workers
	Ready      int    // the workers that hold the model (the others are still starting)
	MaxWorkers int    // the largest size the page offers
	Split      bool   // a lone image runs on all workers at once
	Compute    string // the loaded model's arithmetic: "int8" or "float32"
	HasGPU     bool   // the browser has WebGPU: the page offers the choice of where float models run
	GPUMode    string // "auto", "gpu" or "cpu" (see app.js's gpuMode)
	OnGPU      bool   // the loaded model runs on WebGPU

	Import  Import // the conversion of the person's own model file
	Int8    bool   // quantize the float weights of an own model to int8
	imports chan func()

	selected chan struct{}                       // closed once start has picked the model (Selected)
	ahead    chan struct{}                       // a slot for each photo read ahead of its turn (see readAhead)
	input    imagenet.Preprocess                 // the loaded model's preprocessing
	camInput atomic.Pointer[imagenet.Preprocess] // the same, for the camera loop, which runs on the event loop
	tasks    chan func()
	pending  int // images not finished yet
	pool     js.Value
	webcam   *Webcam // set while the camera runs

	renderDue atomic.Bool // a render is asked for (see update)
}

func (c *Root) Init(ctx vugu.InitCtx) {
	c.env = ctx.EventEnv()
	c.State, c.Message = "loading", "Starting…"
	c.tasks = make(chan func(), 1024)
	c.selected = make(chan struct{})
	c.ahead = make(chan struct{}, 2)
	c.imports = make(chan func(), 64)
	c.Int8 = true
	c.HasGPU, c.GPUMode = glue().Get("hasGPU").Bool(), glue().Call("getGPUMode").String()
	go c.run()
	go func() {
		for f := range c.imports { // one conversion at a time, beside the images
			f()
		}
	}()
	c.tasks <- c.start
	c.takeEarlyFiles()
	document := js.Global().Get("document")
	document.Call("addEventListener", "paste", js.FuncOf(func(_ js.Value, args []js.Value) any {
		files := filesOf(args[0].Get("clipboardData").Get("files"))
		if len(files) > 0 {
			args[0].Call("preventDefault")
			go c.addFiles(files)
		}
		return nil
	}))
}

// takeEarlyFiles takes the files dropped, chosen or pasted on index.html's drop zone before the UI ran, and
// ends index.html's listeners: the first render, which follows Init before any event can fire, puts the UI's
// own drop zone in place of that one.
func (c *Root) takeEarlyFiles() {
	boot := js.Global().Get("InceptionWebBoot")
	if boot.Type() != js.TypeObject || boot.Get("takeFiles").Type() != js.TypeFunction {
		return
	}
	if files := filesOf(boot.Call("takeFiles")); len(files) > 0 {
		go c.dropFiles(files)
	}
}

// run does the tasks one after another: model loads and images never overlap.
func (c *Root) run() {
	for task := range c.tasks {
		task()
	}
}

// update changes the page's state under the render lock and asks for a render. A render rebuilds the whole
// page (tens of milliseconds of the page's thread while the page starts), so the changes made within one
// frame share one.
func (c *Root) update(f func()) {
	c.env.Lock()
	f()
	c.env.UnlockOnly()
	if c.renderDue.CompareAndSwap(false, true) {
		go func() {
			time.Sleep(frame)
			c.renderDue.Store(false)
			c.env.Lock()
			c.env.UnlockRender()
		}()
	}
}

// frame is how long changes wait for the render they share.
const frame = 16 * time.Millisecond

func (c *Root) start() {
	picked := sync.OnceFunc(func() { close(c.selected) })
	defer picked() // also when the start fails before it picks a model
	workers := glue().Call("workerCount").Int()
	c.update(func() { c.Workers, c.MaxWorkers = workers, max(workers, glue().Get("maxWorkers").Int()) })
	c.pool = glue().Get("Pool").New(workers, js.FuncOf(c.crashed), js.FuncOf(c.workersReady))
	asked := glue().Call("startModel").String()
	// The page starts with this build's list when it has the model asked for (the first worker is reading
	// that one already) and takes models.json's when it comes; else it waits for models.json.
	fresh := glue().Call("loadModels")
	models, err := c.modelList(glue().Call("buildModels"))
	_, found := findEntry(models, asked)
	later := err == nil && len(models) > 0 && (asked == "" || found)
	if !later {
		v, err := await(fresh)
		if err == nil {
			models, err = c.modelList(v)
		}
		if err != nil {
			c.fail("Could not read the list of models: " + err.Error())
			return
		}
	}
	if len(models) == 0 {
		c.fail("No models are installed on this site.")
		return
	}
	c.update(func() {
		c.Models = models
		c.Selected = models[0].Name
		for _, m := range models {
			if m.Default {
				c.Selected = m.Name
			}
		}
		if _, ok := c.entry(asked); ok { // ?model=NAME
			c.Selected = asked
		}
	})
	picked()
	if later {
		go c.takeModelList(fresh)
	}
	c.loadModel()
}

// takeModelList shows models.json's list once it comes, if it still has the model the page runs; where it
// cannot be read, the build's list serves.
func (c *Root) takeModelList(fresh js.Value) {
	v, err := await(fresh)
	if err != nil {
		return
	}
	if list, err := c.modelList(v); err == nil {
		c.update(func() {
			if _, ok := findEntry(list, c.Selected); ok {
				c.Models = list
			}
		})
	}
}

func (c *Root) fail(msg string) {
	c.update(func() {
		c.State, c.Error, c.Message = "error", msg, "Error"
		c.Seq++
	})
}

func (c *Root) entry(name string) (ModelEntry, bool) { return findEntry(c.Models, name) }

func findEntry(models []ModelEntry, name string) (ModelEntry, bool) {
	for _, m := range models {
		if m.Name == name {
			return m, true
		}
	}
	return ModelEntry{}, false
}

// modelList reads a list of the site's models (models.json's form) and adds the models of this browser.
func (c *Root) modelList(v js.Value) ([]ModelEntry, error) {
	var models []ModelEntry
	if err := json.Unmarshal([]byte(js.Global().Get("JSON").Call("stringify", v).String()), &models); err != nil {
		return nil, err
	}
	var own []ModelEntry
	if err := json.Unmarshal([]byte(glue().Call("ownModels").String()), &own); err == nil {
		for _, e := range own {
			e.Own, e.URL, e.Default = true, "", false
			models = append(models, e)
		}
	}
	return models, nil
}

// loadModel fetches (or takes from the cache) the selected model and hands it to the worker.
func (c *Root) loadModel() {
	c.env.RLock()
	e, ok := c.entry(c.Selected)
	c.env.RUnlock()
	if !ok {
		return
	}
	c.update(func() {
		c.State, c.Loaded, c.Message = "loading", "", "Loading "+e.Title+"…"
		c.Downloading, c.DownloadBytes, c.DownloadTotal = false, 0, e.Bytes
	})
	entry := js.ValueOf(map[string]any{"name": e.Name, "title": e.Title, "file": e.File, "url": e.URL,
		"sha256": e.SHA256, "bytes": e.Bytes})
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		n, total := args[0].Int(), args[1].Int()
		go c.update(func() { c.Downloading, c.DownloadBytes, c.DownloadTotal = true, n, total })
		return nil
	})
	defer progress.Release()
	got, err := await(glue().Call("fetchModel", entry, progress))
	if err != nil {
		c.update(func() { c.Downloading = false })
		c.fail(err.Error())
		return
	}
	source := got.Get("source").String()
	sha := js.Undefined()
	if !got.Get("verified").Truthy() {
		sha = js.ValueOf(e.SHA256)
	}
	c.update(func() { c.Downloading, c.Message = false, "Preparing "+e.Title+"…" })
	reply, err := await(c.pool.Call("load", e.Name, got.Get("bytes"), sha))
	if err != nil {
		c.fail(err.Error())
		return
	}
	c.loaded(e, source, reply)
}

// loaded takes the pool's reply to a model load.
func (c *Root) loaded(e ModelEntry, source string, reply js.Value) {
	var info struct {
		Input   imagenet.Preprocess
		Compute string
	}
	raw := js.Global().Get("JSON").Call("stringify", reply.Get("info")).String()
	if err := json.Unmarshal([]byte(raw), &info); err != nil || info.Input.Check() != nil {
		c.fail(fmt.Sprintf("%s: the worker described its input as %s", e.Title, raw))
		return
	}
	c.update(func() {
		c.input = info.Input
		c.camInput.Store(&info.Input)
		c.Loaded, c.Source, c.State, c.Split = e.Name, source, "ready", reply.Get("split").Truthy()
		c.Compute, c.OnGPU = info.Compute, reply.Get("gpu").Truthy()
		c.Message = fmt.Sprintf("%s ready (%s, %s compute on %s, %s)", e.Title, sourceText(source), info.Compute,
			reply.Get("kernels").String(), c.workersText())
		c.Seq++
		if c.webcam != nil {
			c.webcam.modelChanged()
		}
	})
}

func (c *Root) workersText() string {
	s := fmt.Sprintf("%d workers", c.Workers)
	if c.Workers == 1 {
		s = "1 worker"
	}
	if c.Split {
		s += ", one image split across them"
	}
	return s
}

// resize gives the pool n workers, which take the loaded model.
func (c *Root) resize(n int) {
	c.env.RLock()
	e, ok := c.entry(c.Loaded)
	source := c.Source
	c.env.RUnlock()
	c.update(func() {
		c.Workers = n
		c.State, c.Message = "loading", fmt.Sprintf("Starting %s…", c.workersText())
	})
	reply, err := await(c.pool.Call("resize", n))
	switch {
	case err != nil:
		c.fail(err.Error())
	case !ok || reply.IsNull():
		c.update(func() { c.State, c.Message = "error", "No model is loaded" })
	default:
		c.loaded(e, source, reply)
	}
}

func sourceText(s string) string {
	if s == "cache" {
		return "from the cache"
	}
	return "downloaded"
}

// addFiles puts a card for each file on the page and queues its classification.
func (c *Root) addFiles(files []js.Value) {
	glue().Get("timing").Call("mark", "first-picked") // for the start-up breakdown (the first call counts)
	for _, f := range files {
		var r *Result
		c.update(func() {
			c.nextID++
			r = &Result{ID: c.nextID, File: f.Get("name").String(), State: "pending"}
			if r.File == "" {
				r.File = "pasted image"
			}
			c.Results = append([]*Result{r}, c.Results...)
			c.trimResults()
			c.pending++
			c.State, c.Error = "busy", ""
		})
		ahead := c.readAhead(f)
		c.tasks <- func() { c.classify(r, f, ahead) }
	}
}

// decoded is a photo read ahead of its turn: decoded, and cropped for the input of the model being loaded.
type decoded struct {
	bitmap js.Value // the caller closes it
	err    error
	in     *imagenet.Preprocess // what pixels were cropped for; nil if they were not
	crop   [4]int
	pixels js.Value
}

// readAhead decodes a photo at once while the model is still loading, and crops it for that model's input
// (models.json gives it), so that its classification starts as soon as the model is ready rather than after
// its decoding. At most cap(c.ahead) photos are read ahead; the others (and photos given to a loaded model)
// are read when their turn comes. It returns nil when the photo is not read ahead.
func (c *Root) readAhead(file js.Value) <-chan decoded {
	c.env.RLock()
	loading := c.Loaded == "" // the start, or another model on its way
	c.env.RUnlock()
	if !loading {
		return nil
	}
	select {
	case c.ahead <- struct{}{}:
	default:
		return nil
	}
	out := make(chan decoded, 1)
	go func() {
		var d decoded
		d.bitmap, d.err = readImage(file)
		<-c.selected // the start has picked the model
		c.env.RLock()
		e, ok := c.entry(c.Selected)
		c.env.RUnlock()
		if d.err == nil && ok && e.Input != nil {
			d.in = e.Input
			d.crop, d.pixels = cropOf(d.bitmap, *e.Input)
		}
		out <- d
	}()
	return out
}

// cropOf draws the model's crop of bitmap at its input size and returns the crop rectangle and the RGBA bytes.
func cropOf(bitmap js.Value, in imagenet.Preprocess) ([4]int, js.Value) {
	x, y, cw, ch := in.Crop(bitmap.Get("width").Int(), bitmap.Get("height").Int())
	return [4]int{x, y, cw, ch}, glue().Call("crop", bitmap, x, y, cw, ch, in.Size)
}

// classify checks, decodes and crops one file in turn (unless that was done ahead), then classifies it on the
// pool while the next file is read, and fills in its card.
func (c *Root) classify(r *Result, file js.Value, ahead <-chan decoded) {
	job, err := c.prepare(r, file, ahead)
	if err != nil {
		c.finish(r, nil, 0, 0, err)
		return
	}
	go func() {
		reply, err := await(job)
		preds, ms, err := predictions(reply, err)
		workers := 0
		if err == nil {
			workers = reply.Get("workers").Int()
			if fb := reply.Get("fallback"); fb.Truthy() { // the GPU failed; the CPU answered and runs from now on
				c.update(func() { c.Message, c.OnGPU = fb.String(), false })
			}
			cam := camOf(reply.Get("cam"))
			c.update(func() { r.CAM = cam })
		}
		c.finish(r, preds, ms, workers, err)
	}()
}

func (c *Root) finish(r *Result, preds []Prediction, ms float64, workers int, err error) {
	c.update(func() {
		c.pending--
		c.Seq++
		if err != nil {
			r.State, r.Err = "error", err.Error()
			c.Error = r.File + ": " + err.Error()
		} else {
			r.State, r.Predictions, r.Ms, r.Model, r.Workers = "done", preds, ms, c.Loaded, workers
		}
		switch {
		case c.pending > 0:
			c.State = "busy"
		case c.Loaded == "":
			c.State = "error"
		case err != nil:
			c.State = "error"
		default:
			c.State = "ready"
		}
	})
}

// prepare checks, decodes and crops a file (or takes what readAhead did) and hands it to the pool, returning
// the pool's promise.
func (c *Root) prepare(r *Result, file js.Value, ahead <-chan decoded) (js.Value, error) {
	var d decoded
	if ahead != nil {
		d = <-ahead
		<-c.ahead // its slot
	}
	if d.err == nil && ahead != nil {
		defer d.bitmap.Call("close")
	}
	c.env.RLock()
	loaded, in := c.Loaded, c.input
	c.env.RUnlock()
	if loaded == "" {
		return js.Value{}, fmt.Errorf("no model is loaded")
	}
	if ahead == nil {
		if d.bitmap, d.err = readImage(file); d.err == nil {
			defer d.bitmap.Call("close")
		}
	}
	if d.err != nil {
		return js.Value{}, d.err
	}
	if d.in == nil || *d.in != in { // not cropped ahead, or for another input than the loaded model's
		d.crop, d.pixels = cropOf(d.bitmap, in)
	}
	w, h := d.bitmap.Get("width").Int(), d.bitmap.Get("height").Int()
	url := js.Global().Get("URL").Call("createObjectURL", file).String()
	c.update(func() {
		r.PreviewURL, r.Width, r.Height = url, w, h
		r.CropX, r.CropY, r.CropW, r.CropH = d.crop[0], d.crop[1], d.crop[2], d.crop[3]
	})
	c.env.RLock()
	alone := c.pending == 1 // no other image waits: split it across the workers if the model allows
	c.env.RUnlock()
	return c.pool.Call("classify", d.pixels, in.Size, topK, alone, map[string]any{"cam": true}), nil
}

// readImage checks an image file (its size before it is read, then its bytes) and decodes it into an
// ImageBitmap, EXIF orientation applied. The caller closes the bitmap.
func readImage(file js.Value) (js.Value, error) {
	if n := file.Get("size").Int(); n > limits.ImageFileBytes { // refused before it is read
		return js.Value{}, fmt.Errorf("the file is too large (%d MiB, the limit is %d MiB)", n>>20, limits.ImageFileBytes>>20)
	}
	u8, err := await(glue().Call("readFile", file))
	if err != nil {
		return js.Value{}, fmt.Errorf("could not read the file: %v", err)
	}
	data := make([]byte, u8.Length())
	js.CopyBytesToGo(data, u8)
	if _, err := imagecheck.Check(data); err != nil {
		return js.Value{}, err
	}
	return await(glue().Call("decode", file))
}

// predictions reads a worker's result reply.
func predictions(reply js.Value, err error) ([]Prediction, float64, error) {
	if err != nil {
		return nil, 0, err
	}
	return predictionList(reply.Get("predictions")), reply.Get("ms").Float(), nil
}

func predictionList(list js.Value) []Prediction {
	preds := make([]Prediction, list.Length())
	for i := range preds {
		p := list.Index(i)
		preds[i] = Prediction{Class: p.Get("class").Int(), WNID: p.Get("wnid").String(), Label: p.Get("label").String(),
			Prob: p.Get("prob").Float()}
	}
	return preds
}

// Event handlers: they run on the event loop with the render lock held, so they only start work.

func (c *Root) FilesPicked(e vugu.DOMEvent) {
	target := js.Value(e.JSEventTarget())
	files := filesOf(target.Get("files"))
	target.Set("value", "") // picking the same file again fires change again
	go c.addFiles(files)
}

func (c *Root) DragOver(e vugu.DOMEvent) {
	e.PreventDefault()
	c.Dragging = true
}

func (c *Root) DragLeave(e vugu.DOMEvent) { c.Dragging = false }

func (c *Root) Drop(e vugu.DOMEvent) {
	e.PreventDefault()
	c.Dragging = false
	files := filesOf(js.Value(e.JSEvent()).Get("dataTransfer").Get("files"))
	go c.dropFiles(files)
}

// dropFiles sorts dropped files by their first bytes: images go to the classifier as before, anything else is
// offered to the model import, which says whether it is a model.
func (c *Root) dropFiles(files []js.Value) {
	var images []js.Value
	for _, f := range files {
		head, err := await(glue().Call("readHead", f, headSize))
		if err == nil && notImage(head) {
			c.addModelFile(f)
			continue
		}
		images = append(images, f)
	}
	c.addFiles(images)
}

// headSize is enough of a file to know an image by its signature (and a model: model.HeadSize).
const headSize = 16

func notImage(head js.Value) bool {
	b := make([]byte, head.Length())
	js.CopyBytesToGo(b, head)
	_, err := imagecheck.Check(b)
	return errors.Is(err, imagecheck.ErrNotImage)
}

func (c *Root) WorkersChanged(e vugu.DOMEvent) {
	n, err := strconv.Atoi(js.Value(e.JSEventTarget()).Get("value").String())
	if err != nil || n == c.Workers || n < 1 {
		return
	}
	c.Error = ""
	c.tasks <- func() { c.resize(n) }
}

// GPUChanged takes the person's choice of where float models run and reloads the model there.
func (c *Root) GPUChanged(e vugu.DOMEvent) {
	mode := js.Value(e.JSEventTarget()).Get("value").String()
	if mode == c.GPUMode {
		return
	}
	glue().Call("setGPUMode", mode)
	c.GPUMode, c.Error = mode, ""
	if c.Loaded != "" {
		c.tasks <- c.loadModel
	}
}

// GPUChoices are the places float models may run: value and label.
func (c *Root) GPUChoices() [][2]string {
	return [][2]string{{"auto", "Auto"}, {"gpu", "GPU (WebGPU)"}, {"cpu", "CPU (wasm)"}}
}

// BackendString is where the loaded model runs, for the status's data-backend.
func (c *Root) BackendString() string {
	if c.OnGPU {
		return "webgpu"
	}
	return "wasm"
}

// WorkerChoices are the pool sizes the page offers.
func (c *Root) WorkerChoices() []int {
	var list []int
	for n := 1; n <= c.MaxWorkers; n++ {
		list = append(list, n)
	}
	return list
}

func (c *Root) ModelChanged(e vugu.DOMEvent) {
	name := js.Value(e.JSEventTarget()).Get("value").String()
	if name == c.Selected {
		return
	}
	c.Selected, c.Error = name, ""
	c.tasks <- c.loadModel
}

// Template helpers.

func (c *Root) SeqString() string { return strconv.Itoa(c.Seq) }

func (c *Root) DropClass() string {
	if c.Dragging {
		return "drop dragging"
	}
	return "drop"
}

func (c *Root) ProgressText() string {
	if c.DownloadTotal == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f of %.1f MB (%d%%)", float64(c.DownloadBytes)/1e6, float64(c.DownloadTotal)/1e6,
		100*c.DownloadBytes/c.DownloadTotal)
}

func (c *Root) DownloadMax() string   { return strconv.Itoa(c.DownloadTotal) }
func (c *Root) DownloadValue() string { return strconv.Itoa(c.DownloadBytes) }

func (c *Root) SplitString() string   { return strconv.FormatBool(c.Split) }
func (c *Root) WorkersString() string { return strconv.Itoa(c.Workers) }

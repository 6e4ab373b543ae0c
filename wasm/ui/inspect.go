//go:build js && wasm

package ui

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall/js"
	"time"

	"github.com/vugu/vugu"

	"inceptionweb/dataset"
	"inceptionweb/nn/imagenet"
)

// Inspect is the page's "Inspect a dataset" section, the command line's tools/inspect in the browser: each
// folder picked or dropped is a collection, every image of it is classified on the page's worker pool (the
// same queue as dropped photos and webcam frames, a few images at a time so that only thumbnails stay in
// memory), and when the last one is in, the page shows package dataset's summary (the same numbers as
// summary.json), samples of every class from each collection, and a 2-D map of the network's features.
type Inspect struct {
	Page *Root

	State       string // "" (nothing yet), "working" or "done"
	Message     string
	Collections []*inspectCollection
	Total       int // images queued in all
	Finished    int // images classified or refused
	Failed      int
	Errors      []string // the refused files, with why (the first few)
	Model       string   // the model of the inspection
	Summary     *dataset.Summary
	Points      []mapPoint
	Rows        []classRow
	Open        *inspectItem // the card opened from the map
	OpenCAM     bool
	Dragging    bool
	Ms          float64 // from the first image queued to the map drawn
	MapDone     int     // t-SNE's iterations done, while it runs
	GoMemory    uint64  // the page's Go memory (runtime.MemStats.Sys, about its wasm memory) when done
	MapTotal    int

	pending  []*inspectItem
	started  time.Time
	wake     chan struct{}
	dirty    bool // images finished since the summary was made
	running  bool
	inflight *gate     // images handed to the pool and not back yet
	rendered time.Time // the last render of the progress
}

// gate counts jobs in flight and holds back a new one while there are enough.
type gate struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func newGate() *gate {
	g := &gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// wait returns once fewer than limit jobs are in flight, and counts one more.
func (g *gate) wait(limit int) {
	g.mu.Lock()
	for g.n >= limit {
		g.cond.Wait()
	}
	g.n++
	g.mu.Unlock()
}

func (g *gate) done() {
	g.mu.Lock()
	g.n--
	g.mu.Unlock()
	g.cond.Broadcast()
}

type inspectCollection struct {
	Name  string
	items []*inspectItem
}

// inspectItem is one image: its file until it is classified, then only what the page shows and exports.
type inspectItem struct {
	file     js.Value
	res      dataset.Result
	colour   int // the index of its collection
	thumb    string
	features []float32
	cam      *CAM
	err      error
	done     bool
}

// mapPoint is an image on the map, placed in percent of the map's box.
type mapPoint struct {
	Item   *inspectItem
	X, Y   float64
	Index  int
	Colour string
}

// classRow is one class of the summary with up to maxSamples images of it from each collection.
type classRow struct {
	Class   dataset.ClassSummary
	Cells   []classCell
	Confuse string
}

type classCell struct {
	Text    string
	Samples []*inspectItem
}

const (
	thumbSize  = 112 // as the command line's report
	maxSamples = 4   // images of a class a collection shows in the grid
	maxErrors  = 8
)

// Event handlers (on the event loop, under the render lock): they only start work.

func (c *Inspect) FolderPicked(e vugu.DOMEvent) {
	target := js.Value(e.JSEventTarget())
	files := filesOf(target.Get("files"))
	target.Set("value", "")
	if len(files) == 0 {
		return
	}
	name := ""
	if rel := files[0].Get("webkitRelativePath").String(); strings.Contains(rel, "/") {
		name, _, _ = strings.Cut(rel, "/")
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Get("webkitRelativePath").String()
		if paths[i] == "" {
			paths[i] = f.Get("name").String()
		}
	}
	c.addCollection(name, files, paths)
}

func (c *Inspect) DragOver(e vugu.DOMEvent) {
	e.PreventDefault()
	c.Dragging = true
}

func (c *Inspect) DragLeave(e vugu.DOMEvent) { c.Dragging = false }

func (c *Inspect) Drop(e vugu.DOMEvent) {
	e.PreventDefault()
	e.StopPropagation()
	c.Dragging = false
	folders := glue().Call("droppedFolders", js.Value(e.JSEvent()).Get("dataTransfer"))
	go func() {
		got, err := await(folders)
		if err != nil {
			c.Page.update(func() { c.Message = "Could not read the dropped folder: " + err.Error() })
			return
		}
		for i := 0; i < got.Length(); i++ {
			f := got.Index(i)
			list := f.Get("files")
			files, paths := make([]js.Value, list.Length()), make([]string, list.Length())
			for k := range files {
				files[k] = list.Index(k).Get("file")
				paths[k] = f.Get("name").String() + "/" + list.Index(k).Get("path").String()
			}
			c.Page.update(func() { c.addCollection(f.Get("name").String(), files, paths) })
		}
	}()
}

// addCollection queues the images of one folder (paths relative to the folder's parent, the folder first) as
// a collection named name (made unique). It runs under the render lock.
func (c *Inspect) addCollection(name string, files []js.Value, paths []string) {
	if name == "" {
		name = fmt.Sprintf("collection %d", len(c.Collections)+1)
	}
	for n, base := 2, name; slices.ContainsFunc(c.Collections, func(x *inspectCollection) bool { return x.Name == name }); n++ {
		name = fmt.Sprintf("%s (%d)", base, n)
	}
	col := &inspectCollection{Name: name}
	for i, f := range files {
		if !dataset.IsImage(paths[i]) {
			continue
		}
		_, rel, _ := strings.Cut(paths[i], "/") // the path inside the collection, where the WNID is
		item := &inspectItem{file: f, colour: len(c.Collections)}
		item.res = dataset.Result{Collection: name, Image: dataset.Label(rel)}
		item.res.Path = paths[i]
		col.items = append(col.items, item)
	}
	slices.SortFunc(col.items, func(a, b *inspectItem) int { return strings.Compare(a.res.Path, b.res.Path) })
	if len(col.items) == 0 {
		c.Message = fmt.Sprintf("%s has no images (%s).", name, strings.Join(imageExtsText, ", "))
		return
	}
	c.Collections = append(c.Collections, col)
	if c.State != "working" {
		c.started = time.Now()
	}
	c.pending = append(c.pending, col.items...)
	c.Total += len(col.items)
	c.State, c.Message = "working", ""
	c.dirty = true
	if !c.running {
		c.running = true
		c.wake, c.inflight = make(chan struct{}, 1), newGate()
		go c.run()
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

var imageExtsText = []string{"JPEG", "PNG", "GIF", "WebP", "BMP"}

// run classifies the queued images, a few at a time, and makes the summary and the map whenever the queue
// runs dry.
func (c *Inspect) run() {
	var wg sync.WaitGroup
	p := c.Page
	for {
		p.env.Lock()
		var item *inspectItem
		if len(c.pending) > 0 {
			item, c.pending = c.pending[0], c.pending[1:]
		}
		window := 2 * max(1, p.Workers)
		p.env.UnlockOnly()
		if item == nil {
			wg.Wait()
			p.env.RLock()
			more, dirty := len(c.pending) > 0, c.dirty
			p.env.RUnlock()
			if more {
				continue
			}
			if dirty {
				c.finish()
				continue
			}
			<-c.wake
			continue
		}
		c.inflight.wait(window)
		wg.Add(1)
		job, thumb, err := c.prepare(item)
		if err != nil {
			c.itemDone(item, js.Value{}, err)
			c.inflight.done()
			wg.Done()
			continue
		}
		go func() {
			defer wg.Done()
			defer c.inflight.done()
			reply, err := await(job)
			if url, terr := await(thumb); terr == nil {
				item.thumb = url.String() // read only after itemDone, under the lock
			}
			c.itemDone(item, reply, err)
		}()
	}
}

// prepare reads, checks and decodes one image, hands the model's crop to the pool and starts its thumbnail;
// it returns both promises.
func (c *Inspect) prepare(item *inspectItem) (job, thumb js.Value, err error) {
	p := c.Page
	for {
		p.env.RLock()
		loaded := p.Loaded
		p.env.RUnlock()
		if loaded != "" {
			break
		}
		time.Sleep(200 * time.Millisecond) // the model is still loading
	}
	p.env.RLock()
	loaded, in := p.Loaded, p.input
	p.env.RUnlock()
	p.update(func() {
		if c.Model == "" {
			c.Model = loaded
		}
	})
	if loaded != c.Model {
		return job, thumb, fmt.Errorf("the model changed during the inspection (%s, then %s): clear it and inspect again", c.Model, loaded)
	}
	bitmap, err := readImage(item.file)
	if err != nil {
		return job, thumb, err
	}
	defer bitmap.Call("close")
	x, y, cw, ch := in.Crop(bitmap.Get("width").Int(), bitmap.Get("height").Int())
	thumb = glue().Call("thumbnail", bitmap, x, y, cw, ch, thumbSize) // draws at once, encodes later
	pixels := glue().Call("crop", bitmap, x, y, cw, ch, in.Size)
	job = p.pool.Call("classify", pixels, in.Size, topK, false, map[string]any{"features": true, "cam": true})
	return job, thumb, nil
}

// itemDone takes a worker's answer for one image; the file itself is let go.
func (c *Inspect) itemDone(item *inspectItem, reply js.Value, err error) {
	var guesses []dataset.Guess
	var features []float32
	var cam *CAM
	if err == nil {
		preds, _, _ := predictions(reply, nil)
		for _, p := range preds {
			guesses = append(guesses, dataset.Guess{WNID: p.WNID, Class: p.Class, Label: p.Label, Prob: float32(p.Prob)})
		}
		features = float32s(reply.Get("features"))
		if features == nil {
			err = fmt.Errorf("the model does not give its features")
		}
		cam = camOf(reply.Get("cam"))
	}
	env := c.Page.env
	env.Lock()
	func() {
		item.file = js.Undefined()
		item.done, item.err = true, err
		item.res.Top5, item.features, item.cam = guesses, features, cam
		c.Finished++
		c.dirty = true
		if err != nil {
			c.Failed++
			if len(c.Errors) < maxErrors {
				c.Errors = append(c.Errors, item.res.Path+": "+err.Error())
			}
		}
	}()
	// Render the progress at most every 100 ms: a render of the whole page per image would hold the page's
	// thread that reads and crops the next images.
	if now := time.Now(); now.Sub(c.rendered) > 100*time.Millisecond || c.Finished == c.Total {
		c.rendered = now
		env.UnlockRender()
	} else {
		env.UnlockOnly()
	}
}

// float32s copies a Float32Array into Go.
func float32s(a js.Value) []float32 {
	if a.IsUndefined() || a.IsNull() {
		return nil
	}
	u8 := js.Global().Get("Uint8Array").New(a.Get("buffer"), a.Get("byteOffset"), a.Get("byteLength"))
	b := make([]byte, u8.Length())
	js.CopyBytesToGo(b, u8)
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// finish makes the summary and the map of every image classified so far, as the command line does: t-SNE
// (perplexity 30, 500 iterations, seed 1) up to 3,000 images, PCA beyond.
func (c *Inspect) finish() {
	p := c.Page
	var names []string
	var items []*inspectItem
	p.update(func() {
		c.dirty = false
		c.Message = "Drawing the map…"
		for _, col := range c.Collections {
			names = append(names, col.Name)
			for _, it := range col.items {
				if it.done && it.err == nil {
					items = append(items, it)
				}
			}
		}
	})
	results := make([]dataset.Result, len(items))
	features := make([][]float32, len(items))
	for i, it := range items {
		results[i], features[i] = it.res, it.features
	}
	p.env.RLock()
	model := c.Model
	if e, ok := p.entry(model); ok && e.File != "" {
		model = e.File // as the command line names it: the model file's name
	}
	p.env.RUnlock()
	// The tables first (they take no time), then the map.
	sum := dataset.Summarize(model, names, results, dataset.Map{Method: "tsne"})
	rows := classRows(sum, items)
	p.update(func() { c.Summary, c.Rows, c.Points = &sum, rows, nil })
	time.Sleep(time.Millisecond) // let the page draw them
	m := dataset.Map{Method: "tsne"}
	var xy [][2]float64
	if len(items) > 3000 {
		m.Method = "pca"
		for _, v := range dataset.PCA(features, 2) {
			xy = append(xy, [2]float64{v[0], v[min(1, len(v)-1)]})
		}
	} else {
		// t-SNE runs on the page's thread (Go's goroutines share it): every 50 ms it lets the browser draw
		// and handle events, and the progress bar follows it.
		// The progress bar is drawn every 300 ms: a render of the page with its tables costs time too.
		last, drawn := time.Now(), time.Now()
		xy = dataset.TSNEProgress(features, 30, 500, 1, func(done, total int) {
			if time.Since(last) < 50*time.Millisecond {
				return
			}
			if time.Since(drawn) > 300*time.Millisecond {
				p.update(func() { c.MapDone, c.MapTotal = done, total })
				drawn = time.Now()
			}
			time.Sleep(time.Millisecond)
			last = time.Now()
		})
	}
	for i, r := range results {
		m.Points = append(m.Points, dataset.Point{Collection: r.Collection, File: r.Path, WNID: r.WNID, X: xy[i][0], Y: xy[i][1]})
	}
	points := placePoints(items, xy)
	p.update(func() {
		sum.Map = m // c.Summary is &sum
		c.Points, c.MapDone, c.MapTotal = points, 0, 0
		if len(c.pending) == 0 && c.Finished == c.Total && !c.dirty {
			c.State = "done"
			c.Ms = float64(time.Since(c.started).Microseconds()) / 1000
			c.Message = fmt.Sprintf("%d images in %.1f s", c.Finished, c.Ms/1000)
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			c.GoMemory = ms.Sys
		}
	})
}

// placePoints scales the map into its box, with a margin.
func placePoints(items []*inspectItem, xy [][2]float64) []mapPoint {
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, v := range xy {
		minX, maxX, minY, maxY = min(minX, v[0]), max(maxX, v[0]), min(minY, v[1]), max(maxY, v[1])
	}
	points := make([]mapPoint, len(items))
	for i, it := range items {
		points[i] = mapPoint{Item: it, Index: i, Colour: dataset.Colour(it.colour),
			X: 3 + 94*(xy[i][0]-minX)/max(maxX-minX, 1e-9), Y: 3 + 94*(xy[i][1]-minY)/max(maxY-minY, 1e-9)}
	}
	return points
}

func classRows(sum dataset.Summary, items []*inspectItem) []classRow {
	index := map[string]int{}
	for i, col := range sum.Collections {
		index[col.Name] = i
	}
	rows := make([]classRow, len(sum.Classes))
	for k, cl := range sum.Classes {
		row := classRow{Class: cl, Cells: make([]classCell, len(sum.Collections))}
		for i, col := range sum.Collections {
			if n := cl.Count[col.Name]; n > 0 {
				row.Cells[i].Text = fmt.Sprintf("%d · %.0f%%", n, 100*cl.Top1[col.Name])
			}
		}
		for _, it := range items {
			cell := &row.Cells[index[it.res.Collection]]
			if it.res.Class == cl.Index && len(cell.Samples) < maxSamples {
				cell.Samples = append(cell.Samples, it)
			}
		}
		var conf []string
		for _, x := range cl.ConfusedWith[:min(3, len(cl.ConfusedWith))] {
			conf = append(conf, fmt.Sprintf("%s (%d)", shortLabel(x.WNID), x.N))
		}
		row.Confuse = strings.Join(conf, ", ")
		rows[k] = row
	}
	return rows
}

func shortLabel(wnid string) string {
	if k := imagenet.ClassOf(wnid); k >= 0 {
		return imagenet.ShortLabel(imagenet.Labels[k])
	}
	return wnid
}

// More handlers.

// MapClick opens the card of the point clicked.
func (c *Inspect) MapClick(e vugu.DOMEvent) {
	i, err := strconv.Atoi(js.Value(e.JSEvent()).Get("target").Call("closest", "[data-i]").Call("getAttribute", "data-i").String())
	if err != nil || i < 0 || i >= len(c.Points) {
		return
	}
	c.Open, c.OpenCAM = c.Points[i].Item, false
}

// SampleClick opens the card of a sample of the grid.
func (c *Inspect) SampleClick(it *inspectItem) { c.Open, c.OpenCAM = it, false }

func (c *Inspect) CloseCard() { c.Open = nil }

func (c *Inspect) ToggleOpenCAM() { c.OpenCAM = !c.OpenCAM }

// ExportSummary and ExportCSV offer summary.json and predictions.csv, the command line's files.
func (c *Inspect) ExportSummary() {
	if c.Summary == nil {
		return
	}
	b, err := json.MarshalIndent(c.Summary, "", "  ")
	if err != nil {
		c.Message = err.Error()
		return
	}
	saveBytes("summary.json", append(b, '\n'), "application/json")
}

func (c *Inspect) ExportCSV() {
	var results []dataset.Result
	for _, pt := range c.Points {
		results = append(results, pt.Item.res)
	}
	var sb strings.Builder
	if err := dataset.WriteCSV(&sb, results); err != nil {
		c.Message = err.Error()
		return
	}
	saveBytes("predictions.csv", []byte(sb.String()), "text/csv")
}

func saveBytes(name string, b []byte, typ string) {
	u8 := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u8, b)
	glue().Call("save", name, u8, typ)
}

// Clear forgets the inspection (once it is done) and its thumbnails.
func (c *Inspect) Clear() {
	if c.State == "working" {
		return
	}
	for _, col := range c.Collections {
		for _, it := range col.items {
			if it.thumb != "" {
				js.Global().Get("URL").Call("revokeObjectURL", it.thumb)
			}
		}
	}
	*c = Inspect{Page: c.Page, running: c.running, wake: c.wake, inflight: c.inflight}
}

// Template helpers.

func (c *Inspect) Working() bool { return c.State == "working" }

// Details says whether the class table and the map are shown: not while images are being classified (they
// would be out of date, and drawing them again with every step of the progress bar would slow the page).
func (c *Inspect) Details() bool { return c.State != "working" || c.Finished == c.Total }

func (c *Inspect) ProgressText() string {
	if c.State != "working" {
		return c.Message
	}
	if c.MapTotal > 0 {
		return fmt.Sprintf("Drawing the map (t-SNE of %d images): %d%%", c.Total-c.Failed, 100*c.MapDone/c.MapTotal)
	}
	if c.Finished == c.Total {
		return "Drawing the map…"
	}
	s := fmt.Sprintf("%d of %d images", c.Finished, c.Total)
	if c.Failed > 0 {
		s += fmt.Sprintf(" (%d refused)", c.Failed)
	}
	return s
}

func (c *Inspect) GoMemoryString() string { return strconv.FormatUint(c.GoMemory, 10) }
func (c *Inspect) QueuedString() string   { return strconv.Itoa(len(c.Collections)) }

// ProgressMax and ProgressValue drive the progress bar: images, then the map's iterations.
func (c *Inspect) ProgressMax() string {
	if c.MapTotal > 0 {
		return strconv.Itoa(c.MapTotal)
	}
	return c.TotalString()
}

func (c *Inspect) ProgressValue() string {
	if c.MapTotal > 0 {
		return strconv.Itoa(c.MapDone)
	}
	return c.FinishedString()
}

func (c *Inspect) TotalString() string    { return strconv.Itoa(c.Total) }
func (c *Inspect) FinishedString() string { return strconv.Itoa(c.Finished) }
func (c *Inspect) MsString() string       { return strconv.FormatFloat(c.Ms, 'f', 0, 64) }
func (c *Inspect) PointsString() string   { return strconv.Itoa(len(c.Points)) }

func (c *Inspect) CollectionsString() string {
	if c.Summary == nil {
		return "0"
	}
	return strconv.Itoa(len(c.Summary.Collections))
}

func (c *Inspect) DropClass() string {
	if c.Dragging {
		return "inspect-drop dragging"
	}
	return "inspect-drop"
}

func (c *Inspect) MapMethod() string {
	if c.Summary == nil {
		return ""
	}
	return c.Summary.Map.Method
}

func (c *Inspect) Swatch(i int) string { return "background: " + dataset.Colour(i) }

func (pt mapPoint) Style() string {
	return fmt.Sprintf("left: %.2f%%; top: %.2f%%; background: %s", pt.X, pt.Y, pt.Colour)
}

func (pt mapPoint) IndexString() string { return strconv.Itoa(pt.Index) }

// TipClass puts the hover card on the side of the point with more room.
func (pt mapPoint) TipClass() string {
	s := "tip"
	if pt.X > 60 {
		s += " left"
	}
	if pt.Y > 60 {
		s += " up"
	}
	return s
}

func fraction(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
func pct(x float64) string      { return fmt.Sprintf("%.1f%%", 100*x) }

func collectionImages(s dataset.CollectionSummary) string { return strconv.Itoa(s.Images) }

func (it *inspectItem) Caption() string {
	r := it.res
	truth := "unlabelled"
	if r.Class >= 0 {
		truth = fmt.Sprintf("%s (%d) %s", r.WNID, r.Class, shortLabel(r.WNID))
	}
	top := ""
	if len(r.Top5) > 0 {
		top = fmt.Sprintf("%s %.0f%%", r.Top5[0].Label, 100*r.Top5[0].Prob)
	}
	return fmt.Sprintf("%s — %s: %s · truth %s", r.Collection, path.Base(r.Path), top, truth)
}

func (it *inspectItem) Thumb() string { return it.thumb }
func (it *inspectItem) File() string  { return it.res.Path }

func (it *inspectItem) Truth() string {
	if it.res.Class < 0 {
		return "unlabelled"
	}
	return fmt.Sprintf("%s (%d) %s", it.res.WNID, it.res.Class, shortLabel(it.res.WNID))
}

func (it *inspectItem) SampleClass() string {
	if it.res.Correct(1) {
		return "sample ok"
	}
	return "sample wrong"
}

func (it *inspectItem) Guesses() []Prediction {
	var out []Prediction
	for _, g := range it.res.Top5 {
		out = append(out, Prediction{Class: g.Class, WNID: g.WNID, Label: g.Label, Prob: float64(g.Prob)})
	}
	return out
}

func (it *inspectItem) CAM() *CAM { return it.cam }

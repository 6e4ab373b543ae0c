//go:build js && wasm

package ui

import (
	"fmt"
	"strconv"
	"syscall/js"
	"time"

	"github.com/vugu/vugu"
)

// Webcam classifies the camera's live video (see Camera in app.js, which sends the newest frame to the next
// free worker): start and stop, the choice of camera, the live top-3 and the frame rate, and freeze, which
// keeps the current frame and its top-5 as a card like a dropped photo.
type Webcam struct {
	Page *Root

	On          bool
	Starting    bool
	Paused      bool // the tab is hidden
	Cameras     []CameraEntry
	Current     string // the device id of the camera in use
	Predictions []Prediction
	FPS         float64
	Frames      int // answers shown since the camera started
	Error       string
	ErrorCode   string // "denied", "none", "busy", "insecure" or "failed"

	camera js.Value
	funcs  []js.Func
}

// CameraEntry is one camera of the device.
type CameraEntry struct{ ID, Label string }

func (c *Webcam) Toggle() {
	if c.Starting {
		return
	}
	if c.On {
		c.stop()
		return
	}
	c.Starting, c.Error, c.ErrorCode = true, "", ""
	go c.start("")
}

func (c *Webcam) CameraChanged(e vugu.DOMEvent) {
	id := js.Value(e.JSEventTarget()).Get("value").String()
	if id == c.Current {
		return
	}
	c.stop()
	c.Starting = true
	go c.start(id)
}

func (c *Webcam) Freeze() { go c.freeze() }

// start opens the camera; it runs off the event loop.
func (c *Webcam) start(deviceID string) {
	p := c.Page
	p.env.RLock()
	pool := p.pool
	p.env.RUnlock()
	callback := func(f func(args []js.Value) func()) js.Func {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
			change := f(args) // read the JavaScript values now; change the page off the event loop
			go p.update(change)
			return nil
		})
		c.funcs = append(c.funcs, fn)
		return fn
	}
	opts := map[string]any{
		"video": js.Global().Get("document").Call("querySelector", "[data-testid=webcam-video]"),
		"pool":  pool, "topK": topK,
		// The crop of each frame, as the loaded model wants it: called by the camera loop for every frame.
		"cropOf": c.crop(func(w, h int) any {
			in := p.camInput.Load()
			if in == nil {
				return nil
			}
			x, y, cw, ch := in.Crop(w, h)
			return []any{x, y, cw, ch, in.Size}
		}),
		"onResult": callback(func(args []js.Value) func() {
			preds := predictionList(args[0])
			return func() { c.Predictions, c.Frames = preds, c.Frames+1 }
		}),
		"onFps": callback(func(args []js.Value) func() {
			fps := args[0].Float()
			return func() { c.FPS = fps }
		}),
		"onPause": callback(func(args []js.Value) func() {
			hidden := args[0].Bool()
			return func() { c.Paused = hidden }
		}),
	}
	camera := glue().Get("Camera").New(opts)
	got, err := await(camera.Call("start", deviceID))
	if err != nil {
		code := errorCode(err)
		c.release()
		p.update(func() { c.Starting, c.Error, c.ErrorCode = false, err.Error(), code })
		return
	}
	var cams []CameraEntry
	list := got.Get("cameras")
	for i := range list.Length() {
		cams = append(cams, CameraEntry{ID: list.Index(i).Get("id").String(), Label: list.Index(i).Get("label").String()})
	}
	p.update(func() {
		c.camera, c.Starting, c.On = camera, false, true
		c.Cameras, c.Current = cams, got.Get("current").String()
		c.Predictions, c.FPS, c.Paused, c.Frames = nil, 0, false, 0
		p.webcam = c
	})
}

// stop lets the camera go; it runs on the event loop with the render lock held.
func (c *Webcam) stop() {
	if c.camera.Truthy() {
		c.camera.Call("stop")
	}
	c.release()
	c.camera = js.Value{}
	c.On, c.Predictions, c.FPS, c.Paused = false, nil, 0, false
	c.Page.webcam = nil
}

func (c *Webcam) release() {
	for _, f := range c.funcs {
		f.Release()
	}
	c.funcs = nil
}

// crop wraps a synchronous answer to the camera loop; it reads only the page's atomic camInput, never the
// render lock, because it runs on the event loop.
func (c *Webcam) crop(f func(w, h int) any) js.Func {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any { return f(args[0].Int(), args[1].Int()) })
	c.funcs = append(c.funcs, fn)
	return fn
}

// modelChanged drops the old model's answers (the camera reads the new model's crop by itself); the caller
// holds the render lock.
func (c *Webcam) modelChanged() { c.Predictions = nil }

// freeze keeps the frame whose answer is shown as a card, with its full top-5.
func (c *Webcam) freeze() {
	p := c.Page
	p.env.RLock()
	camera, model := c.camera, p.Loaded
	p.env.RUnlock()
	if !camera.Truthy() {
		return
	}
	got, err := await(camera.Call("freeze"))
	if err != nil {
		p.update(func() { c.Error, c.ErrorCode = "Freeze: "+err.Error(), "freeze" })
		return
	}
	preds, ms, _ := predictions(got, nil)
	crop := got.Get("crop")
	p.update(func() {
		p.nextID++
		r := &Result{ID: p.nextID, File: "webcam " + time.Now().Format("15:04:05"), State: "done",
			PreviewURL: got.Get("url").String(), Width: got.Get("width").Int(), Height: got.Get("height").Int(),
			CropX: crop.Index(0).Int(), CropY: crop.Index(1).Int(), CropW: crop.Index(2).Int(), CropH: crop.Index(3).Int(),
			Model: model, Predictions: preds, Ms: ms, CAM: camOf(got.Get("cam"))}
		p.Results = append([]*Result{r}, p.Results...)
		p.Seq++
	})
}

// errorCode is the code Camera gives a failure ("failed" when it gives none).
func errorCode(err error) string {
	if e, ok := err.(codedError); ok {
		return e.code
	}
	return "failed"
}

// Template helpers.

func (c *Webcam) State() string {
	switch {
	case c.Starting:
		return "starting"
	case c.On && c.Paused:
		return "paused"
	case c.On:
		return "on"
	case c.Error != "":
		return "error"
	}
	return "off"
}

func (c *Webcam) ToggleText() string {
	switch {
	case c.Starting:
		return "Starting camera…"
	case c.On:
		return "Stop camera"
	}
	return "Start camera"
}

func (c *Webcam) LiveClass() string {
	if c.On {
		return "webcam-live"
	}
	return "webcam-live off"
}

func (c *Webcam) Top3() []Prediction { return c.Predictions[:min(3, len(c.Predictions))] }

func (c *Webcam) FramesString() string { return strconv.Itoa(c.Frames) }
func (c *Webcam) FPSString() string    { return strconv.FormatFloat(c.FPS, 'f', 2, 64) }
func (c *Webcam) FPSText() string      { return fmt.Sprintf("%.1f frames/s", c.FPS) }

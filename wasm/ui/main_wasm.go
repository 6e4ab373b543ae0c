//go:build js && wasm

// Package ui is the page's user interface, a Vugu app on the main thread (started by ../app). It never runs
// inference: images are decoded and cropped by the browser and classified by the workers (see app.js and
// ../worker).
package ui

import (
	"syscall/js"
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
)

// Main renders the page into #app and handles its events; it does not return.
func Main() {
	timing := js.Global().Get("InceptionWeb").Get("timing")
	timing.Call("mark", "ui-main") // Go's runtime and every package's init have run
	renderer, err := domrender.New("#app")
	if err != nil {
		panic(err)
	}
	defer renderer.Release()
	buildEnv, err := vugu.NewBuildEnv(renderer.EventEnv())
	if err != nil {
		panic(err)
	}
	root := &Root{}
	first := true
	for ok := true; ok; ok = renderer.EventWait() {
		start := time.Now()
		if err := renderer.Render(buildEnv.RunBuild(root)); err != nil {
			panic(err)
		}
		timing.Call("rendered", float64(time.Since(start).Microseconds())/1000) // for the start-up breakdown
		if first {
			timing.Call("mark", "first-render")
			first = false
		}
	}
}

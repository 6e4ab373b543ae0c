//go:build js && wasm

// Package ui is the page's user interface, a Vugu app on the main thread (started by ../app). It never runs
// inference: images are decoded and cropped by the browser and classified by the workers (see app.js and
// ../worker).
package ui

import (
	"syscall/js"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/domrender"
)

// Main renders the page into #app and handles its events; it does not return.
func Main() {
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
		if err := renderer.Render(buildEnv.RunBuild(root)); err != nil {
			panic(err)
		}
		if first { // for the start-up breakdown (app.js's timing)
			js.Global().Get("performance").Call("mark", "first-render")
			first = false
		}
	}
}

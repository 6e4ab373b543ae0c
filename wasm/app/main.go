//go:build js && wasm

// Command app is the page's one Go program (app.wasm), compiled once by the page and instantiated on the
// page's thread, where it is the UI (../ui), and in each Web Worker, where it is an inference worker
// (../worker). One binary rather than two: the browser fetches and compiles the runtime and the packages
// both use once, which is most of the page's start-up.
package main

import (
	"syscall/js"

	"inceptionweb/wasm/ui"
	"inceptionweb/wasm/worker"
)

func main() {
	if js.Global().Get("document").Truthy() {
		ui.Main()
	} else {
		worker.Main()
	}
}

//go:build js && wasm

// Command convert is the program of the page's conversion worker (convert.wasm, started by worker.js like an
// inference worker): it turns a person's own weights (a torchvision .pth or safetensors file, a TFLite
// classifier) into a model file of this product with model.Import, and answers
//
//	{type: "convert", id, file: File, int8}  -> progress messages, then {type: "converted", id, bytes, ...}
//
// (see convert). It is a program of its own, not part of the page's (../app), because the readers of those
// formats (PyTorch's zip and pickles, TFLite's flatbuffers) and the calibration are more than a megabyte of
// wasm that every visit would fetch and compile, for a conversion few visits make. The page starts it only
// for a conversion and ends it afterwards.
package main

import (
	"fmt"
	"syscall/js"
)

func main() {
	js.Global().Set("inceptionWorkerHandle", js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := args[0]
		id := msg.Get("id").Int()
		if typ := msg.Get("type").String(); typ != "convert" {
			postError(id, fmt.Errorf("unknown request %q", typ))
			return nil
		}
		// Reading the file awaits promises, which settle on the event loop: run off it.
		go func() {
			defer func() {
				if r := recover(); r != nil {
					postError(id, fmt.Errorf("internal error: %v", r))
				}
			}()
			convert(id, msg)
		}()
		return nil
	}))
	post(map[string]any{"type": "started"})
	select {}
}

func post(msg map[string]any) { js.Global().Call("postMessage", msg) }

func postError(id int, err error) {
	post(map[string]any{"type": "error", "id": id, "message": err.Error()})
}

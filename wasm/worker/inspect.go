//go:build js && wasm

package worker

import (
	"syscall/js"

	"inceptionweb/model"
)

// withExtras adds to a classify reply what the request asked for beside the predictions:
//
//	features: true  -> features: Float32Array, the pooled features the classifier read (a dataset inspection's map)
//	cam: true       -> cam: {h, w, values: Float32Array, class}, the top class's activation map over the crop
//
// and returns the buffers to transfer with the reply. A model without them answers without them.
func (w *worker) withExtras(msg js.Value, preds []model.Prediction, reply map[string]any) []any {
	var transfer []any
	if msg.Get("features").Truthy() {
		if f := w.model.Features(); f != nil {
			a := float32Array(f)
			reply["features"] = a
			transfer = append(transfer, a.Get("buffer"))
		}
	}
	if msg.Get("cam").Truthy() && len(preds) > 0 {
		if cam, err := w.model.ClassCAM(preds[0].Index); err == nil {
			a := float32Array(cam.Values)
			reply["cam"] = map[string]any{"h": cam.H, "w": cam.W, "values": a, "class": preds[0].Class}
			transfer = append(transfer, a.Get("buffer"))
		}
	}
	return transfer
}

// float32Array copies values into a new JavaScript Float32Array.
func float32Array(values []float32) js.Value {
	a := js.Global().Get("Float32Array").New(len(values))
	for i, v := range values {
		a.SetIndex(i, v)
	}
	return a
}

// postTransfer posts a reply with its buffers transferred, not copied.
func postTransfer(msg map[string]any, transfer []any) {
	js.Global().Call("postMessage", msg, transfer)
}

//go:build js && wasm

package ui

import (
	"errors"
	"syscall/js"

	"inceptionweb/internal/jspromise"
)

// await waits for a JavaScript promise. Call it from a goroutine of its own, never from an event handler:
// the promise settles on the event loop that a handler would be blocking.
func await(p js.Value) (js.Value, error) { return jspromise.AwaitWith(p, jsError) }

// codedError is a rejection whose reason carries a code (the webcam's failures do).
type codedError struct{ code, message string }

func (e codedError) Error() string { return e.message }

// jsError turns a rejection reason into a Go error with its message (and its code, if it has one).
func jsError(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		if v.Get("code").Type() == js.TypeString {
			return codedError{code: v.Get("code").String(), message: v.Get("message").String()}
		}
		return errors.New(v.Get("message").String())
	}
	return errors.New(v.Call("toString").String())
}

// glue is the page's app.js.
func glue() js.Value { return js.Global().Get("InceptionWeb") }

// filesOf copies a FileList into a slice (the list itself changes when an input is reset).
func filesOf(list js.Value) []js.Value {
	if list.IsUndefined() || list.IsNull() {
		return nil
	}
	out := make([]js.Value, list.Length())
	for i := range out {
		out[i] = list.Index(i)
	}
	return out
}

//go:build js && wasm

package ui

import "syscall/js"

// keptResults is how many cards the page keeps: older ones go, with their previews, so that a long session
// (hundreds of photos, a day of webcam freezes) runs in bounded memory.
const keptResults = 50

// trimResults drops the cards after the newest keptResults and lets their previews' object URLs go. Call it
// under the render lock.
func (c *Root) trimResults() {
	if len(c.Results) <= keptResults {
		return
	}
	for _, r := range c.Results[keptResults:] {
		if r.PreviewURL != "" {
			js.Global().Get("URL").Call("revokeObjectURL", r.PreviewURL)
			r.PreviewURL = ""
		}
	}
	clear(c.Results[keptResults:])
	c.Results = c.Results[:keptResults:keptResults]
}

//go:build js && wasm

package ui

import (
	"encoding/json"
	"fmt"
	"strconv"
	"syscall/js"

	"github.com/vugu/vugu"
)

// Import is the state of the person's own model file on its way into the picker: read and converted by
// model.Import in a worker of its own (app.js convertModel), kept in the Cache API under its sha256 and listed
// in localStorage.
type Import struct {
	State  string // "", "converting", "done" or "error"
	File   string
	Stage  string // "reading" or "converting"
	Done   int    // bytes read
	Total  int
	Memory int     // the converting worker's wasm memory at its peak, in bytes
	Ms     float64 // the time the conversion took
	Model  string
	Seq    int // finished imports, for tests that wait for the next one
}

func (c *Root) addModelFile(f js.Value) {
	c.imports <- func() { c.importModel(f) }
}

// importModel converts a file into a model file, keeps it and selects it.
func (c *Root) importModel(file js.Value) {
	name := file.Get("name").String()
	c.env.RLock()
	int8 := c.Int8
	c.env.RUnlock()
	c.update(func() {
		c.Import = Import{State: "converting", File: name, Stage: "reading", Total: file.Get("size").Int(), Seq: c.Import.Seq}
		c.Error = ""
	})
	progress := js.FuncOf(func(_ js.Value, args []js.Value) any {
		stage, done, total := args[0].String(), args[1].Int(), args[2].Int()
		go c.update(func() {
			if c.Import.State == "converting" {
				c.Import.Stage, c.Import.Done, c.Import.Total = stage, done, total
			}
		})
		return nil
	})
	defer progress.Release()
	got, err := await(glue().Call("convertModel", file, int8, progress))
	var sha js.Value
	if err == nil {
		sha, err = await(glue().Call("storeModel", got.Get("bytes")))
	}
	if err != nil {
		c.update(func() {
			c.Import.State, c.Error = "error", fmt.Sprintf("Could not add %s as a model: %v", name, err)
			c.Import.Seq++
		})
		return
	}
	var e ModelEntry // the worker's summary of the file: network, precision, input
	if err := json.Unmarshal([]byte(got.Get("summary").String()), &e); err != nil {
		e = ModelEntry{}
	}
	e.Name, e.Title, e.File, e.SHA256 = "own-"+sha.String()[:16], name, name, sha.String()
	e.Bytes, e.Own = got.Get("bytes").Get("byteLength").Int(), true
	c.update(func() {
		kept := c.Models[:0]
		for _, m := range c.Models {
			if m.Name != e.Name {
				kept = append(kept, m)
			}
		}
		c.Models = append(kept, e)
		c.saveOwn()
		c.Selected, c.Error = e.Name, ""
		c.Import.State, c.Import.Model, c.Import.Memory, c.Import.Ms = "done", e.Name, got.Get("memory").Int(), got.Get("ms").Float()
		c.Import.Seq++
	})
	c.tasks <- c.loadModel
}

// saveOwn writes the list of the person's models; the caller holds the render lock.
func (c *Root) saveOwn() {
	var own []ModelEntry
	for _, m := range c.Models {
		if m.Own {
			own = append(own, m)
		}
	}
	raw, _ := json.Marshal(own)
	glue().Call("saveOwnModels", string(raw))
}

// removeModel forgets one of the person's models; the default model replaces it if it was chosen.
func (c *Root) removeModel(name string) {
	c.env.RLock()
	e, ok := c.entry(name)
	c.env.RUnlock()
	if !ok || !e.Own {
		return
	}
	if _, err := await(glue().Call("forgetModel", e.SHA256)); err != nil {
		c.update(func() { c.Error = "Could not remove " + e.Title + ": " + err.Error() })
		return
	}
	reload := false
	c.update(func() {
		kept := c.Models[:0]
		for _, m := range c.Models {
			if m.Name != name {
				kept = append(kept, m)
			}
		}
		c.Models = kept
		c.saveOwn()
		if c.Selected == name {
			c.Selected, reload = c.Models[0].Name, true
			for _, m := range c.Models {
				if m.Default {
					c.Selected = m.Name
				}
			}
		}
		c.Import = Import{Seq: c.Import.Seq}
	})
	if reload {
		c.tasks <- c.loadModel
	}
}

// Event handlers.

func (c *Root) ModelFilePicked(e vugu.DOMEvent) {
	target := js.Value(e.JSEventTarget())
	files := filesOf(target.Get("files"))
	target.Set("value", "")
	go func() {
		for _, f := range files {
			c.addModelFile(f)
		}
	}()
}

func (c *Root) Int8Changed(e vugu.DOMEvent) {
	c.Int8 = js.Value(e.JSEventTarget()).Get("checked").Bool()
}

func (c *Root) RemoveSelected() {
	name := c.Selected
	go c.removeModel(name)
}

// Template helpers.

func (c *Root) SelectedOwn() bool {
	e, ok := c.entry(c.Selected)
	return ok && e.Own
}

// HasInception says whether the picker offers an InceptionV3: without one the page says how to add it.
func (c *Root) HasInception() bool {
	for _, m := range c.Models {
		if m.Network == "InceptionV3" {
			return true
		}
	}
	return false
}

func (c *Root) ImportText() string {
	i := c.Import
	switch {
	case i.State == "converting" && i.Stage == "reading":
		return fmt.Sprintf("Reading %s: %.1f of %.1f MB…", i.File, float64(i.Done)/1e6, float64(i.Total)/1e6)
	case i.State == "converting":
		return fmt.Sprintf("Converting and checking %s…", i.File)
	case i.State == "done":
		return fmt.Sprintf("Added %s: converted in %.1f s with %d MiB of memory, and kept in this browser.", i.File, i.Ms/1000, i.Memory>>20)
	}
	return ""
}

func (c *Root) ImportMax() string   { return strconv.Itoa(max(c.Import.Total, 1)) }
func (c *Root) ImportValue() string { return strconv.Itoa(c.Import.Done) }

func (c *Root) ImportSeqString() string    { return strconv.Itoa(c.Import.Seq) }
func (c *Root) ImportMemoryString() string { return strconv.Itoa(c.Import.Memory) }

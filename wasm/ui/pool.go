//go:build js && wasm

package ui

import (
	"strconv"
	"strings"
	"syscall/js"
)

// crashed is the pool's report of a crashed worker (message, recovered). Recovered, the pool has replaced the
// worker and is giving it the model again: only the images on that worker failed. Otherwise (a split network,
// or a crash while loading) no worker holds the model any more, and the page loads it again.
func (c *Root) crashed(_ js.Value, args []js.Value) any {
	msg := args[0].String()
	recovered := len(args) > 1 && args[1].Truthy()
	go func() {
		c.update(func() {
			c.Error = "The classifier crashed (" + msg + "); it was restarted."
			if !recovered {
				c.State, c.Loaded = "error", ""
			}
		})
		if !recovered {
			c.tasks <- c.loadModel
		}
	}()
	return nil
}

// workersReady is the pool's report of how many workers hold the model (ready of size); split, when given,
// says whether a lone image now runs on all of them.
func (c *Root) workersReady(_ js.Value, args []js.Value) any {
	ready := args[0].Int()
	split := len(args) > 2 && args[2].Truthy()
	go c.update(func() {
		c.Ready = ready
		if split != c.Split && len(args) > 2 && c.Loaded != "" {
			was := c.workersText()
			c.Split = split
			c.Message = strings.Replace(c.Message, was, c.workersText(), 1)
		}
	})
	return nil
}

func (c *Root) ReadyString() string { return strconv.Itoa(c.Ready) }

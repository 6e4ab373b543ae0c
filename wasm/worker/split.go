//go:build js && wasm

package worker

import (
	"fmt"
	"syscall/js"
	"time"

	"inceptionweb/model"
)

// split is this worker's part of a network split across the pool. After each step it posts its results (the
// bytes of the channels or tensors it computed) to every peer through a MessagePort (the ArrayBuffer is
// transferred, not copied) and waits for theirs; a step where a part computes nothing for the others sends
// nothing. A peer sends each buffer back once it has read it, and the buffer carries the same step of the next
// image: allocating ~13 MB of fresh ArrayBuffers per image measured several times slower than the copies
// themselves.
type split struct {
	part  *model.Part
	index int
	peers []js.Value // peers[k] is the port to part k; undefined for this part
	inbox []chan js.Value
	spare [][]js.Value // spare[k][i]: a buffer part k sent back, for step i
	funcs []js.Func
	done  chan struct{} // closed when the model is replaced: a waiting image gives up
	buf   []byte        // results on their way out or in, reused
}

// Messages between parts: {step, data} carries a part's results of step i; {step, back} returns a buffer.

func newSplit(p *model.Part, index, parts int, ports js.Value) *split {
	s := &split{part: p, index: index, peers: make([]js.Value, parts), inbox: make([]chan js.Value, parts),
		spare: make([][]js.Value, parts), done: make(chan struct{})}
	for k := range parts {
		if k == index {
			continue
		}
		// A peer sends at most one message a step and is never an image ahead (the page waits for every part's
		// answer), so a slot per step is enough; the handler must never block.
		ch := make(chan js.Value, p.Steps())
		spare := make([]js.Value, p.Steps())
		f := js.FuncOf(func(_ js.Value, args []js.Value) any {
			msg := args[0].Get("data")
			if back := msg.Get("back"); back.Truthy() {
				if i := msg.Get("step").Int(); i >= 0 && i < len(spare) {
					spare[i] = back
				}
				return nil
			}
			select {
			case ch <- msg:
			default: // a message for an image this part gave up on
			}
			return nil
		})
		port := ports.Index(k)
		port.Set("onmessage", f)
		s.peers[k], s.inbox[k], s.spare[k], s.funcs = port, ch, spare, append(s.funcs, f)
	}
	return s
}

func (s *split) close() {
	close(s.done)
	for k, p := range s.peers {
		if k != s.index {
			p.Call("close")
		}
	}
	for _, f := range s.funcs {
		f.Release()
	}
}

// classifyPart runs this worker's part of one image with the other workers of the pool.
func (w *worker) classifyPart(id int, msg js.Value) {
	defer func() {
		if r := recover(); r != nil {
			postError(id, fmt.Errorf("internal error: %v", r))
		}
	}()
	s := w.split
	if s == nil {
		postError(id, fmt.Errorf("the model is not split across workers"))
		return
	}
	start := time.Now()
	if err := s.part.Begin(bytesOf(msg.Get("pixels")), msg.Get("size").Int()); err != nil {
		postError(id, err)
		return
	}
	for i := range s.part.Steps() {
		s.part.Step(i)
		s.send(i)
		for k := range s.peers {
			if k == s.index || s.part.ShareSize(i, k) == 0 {
				continue
			}
			if err := s.receive(i, k); err != nil {
				postError(id, err)
				return
			}
		}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	reply := resultReply(s.part.Predictions(msg.Get("topK").Int()), ms)
	reply["id"] = id
	post(reply)
}

// send posts this part's results of step i to every peer.
func (s *split) send(i int) {
	n := s.part.ShareSize(i, s.index)
	if n == 0 {
		return
	}
	b := s.bytes(n)
	s.part.Share(i, b)
	for k, port := range s.peers {
		if k == s.index {
			continue
		}
		buf := s.spare[k][i]
		s.spare[k][i] = js.Undefined()
		if !buf.Truthy() || buf.Get("byteLength").Int() != n {
			buf = js.Global().Get("ArrayBuffer").New(n)
		}
		js.CopyBytesToJS(js.Global().Get("Uint8Array").New(buf), b)
		port.Call("postMessage", map[string]any{"step": i, "data": buf}, []any{buf})
	}
}

// receive waits for part k's results of step i, takes them and sends the buffer back.
func (s *split) receive(i, k int) error {
	var msg js.Value
	select {
	case msg = <-s.inbox[k]:
	case <-s.done:
		return fmt.Errorf("the model was replaced while classifying")
	}
	if step := msg.Get("step").Int(); step != i {
		return fmt.Errorf("part %d sent step %d, want step %d", k+1, step, i)
	}
	data := msg.Get("data")
	n := s.part.ShareSize(i, k)
	if got := data.Get("byteLength").Int(); got != n {
		return fmt.Errorf("step %d: part %d sent %d bytes, want %d", i, k+1, got, n)
	}
	b := s.bytes(n)
	js.CopyBytesToGo(b, js.Global().Get("Uint8Array").New(data))
	s.part.Receive(i, k, b)
	s.peers[k].Call("postMessage", map[string]any{"step": i, "back": data}, []any{data})
	return nil
}

// bytes returns the reused buffer with room for n bytes.
func (s *split) bytes(n int) []byte {
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	return s.buf[:n]
}

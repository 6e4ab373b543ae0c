//go:build js && wasm

// Package jspromise waits for JavaScript promises from Go (the worker's and the GPU executor's browser calls,
// the tests' fetches).
package jspromise

import (
	"errors"
	"syscall/js"
)

// Await blocks until p settles and returns its value, or its rejection's text as an error. Call it from a
// goroutine of its own, never from a JS callback: the promise settles on the event loop the callback holds.
func Await(p js.Value) (js.Value, error) {
	return AwaitWith(p, func(reason js.Value) error {
		if reason.IsUndefined() || reason.IsNull() {
			return errors.New("rejected")
		}
		return errors.New(reason.Call("toString").String())
	})
}

// AwaitWith is Await with the caller's error for a rejection's reason.
func AwaitWith(p js.Value, rejected func(reason js.Value) error) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		s := settled{v: js.Undefined()}
		if len(args) > 0 {
			s.v = args[0]
		}
		ch <- s
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason := js.Undefined()
		if len(args) > 0 {
			reason = args[0]
		}
		ch <- settled{err: rejected(reason)}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then, catch)
	s := <-ch
	return s.v, s.err
}

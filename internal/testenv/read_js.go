//go:build js && wasm

package testenv

import (
	"os"
	"path/filepath"
	"syscall/js"
	"testing"
)

// ReadShared reads a file of the reference folder (rel is relative to it): from the file system under Node,
// over HTTP in a browser, where the test page serves the folder as shared/ (wasm/simd/chromium_bench.sh).
func ReadShared(tb testing.TB, rel string) []byte {
	tb.Helper()
	if js.Global().Get("process").Get("versions").Truthy() { // Node (wasm_exec.js fakes a bare process elsewhere)
		data, err := os.ReadFile(filepath.Join(Shared(tb), rel))
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	type result struct {
		data []byte
		err  string
	}
	done := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		buf := js.Global().Get("Uint8Array").New(args[0])
		data := make([]byte, buf.Length())
		js.CopyBytesToGo(data, buf)
		done <- result{data: data}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: args[0].Call("toString").String()}
		return nil
	})
	check := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if !args[0].Get("ok").Bool() {
			return js.Global().Get("Promise").Call("reject", "HTTP "+args[0].Get("status").String())
		}
		return args[0].Call("arrayBuffer")
	})
	defer then.Release()
	defer fail.Release()
	defer check.Release()
	js.Global().Call("fetch", "shared/"+filepath.ToSlash(rel)).Call("then", check).Call("then", then, fail)
	r := <-done
	if r.err != "" {
		tb.Fatalf("testenv: fetching %s: %s", rel, r.err)
	}
	return r.data
}

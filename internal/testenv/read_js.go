//go:build js && wasm

package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall/js"
	"testing"

	"inceptionweb/internal/jspromise"
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
	resp, err := jspromise.Await(js.Global().Call("fetch", "shared/"+filepath.ToSlash(rel)))
	if err == nil && !resp.Get("ok").Bool() {
		err = fmt.Errorf("HTTP %d", resp.Get("status").Int())
	}
	var buf js.Value
	if err == nil {
		buf, err = jspromise.Await(resp.Call("arrayBuffer"))
	}
	if err != nil {
		tb.Fatalf("testenv: fetching %s: %v", rel, err)
	}
	u8 := js.Global().Get("Uint8Array").New(buf)
	data := make([]byte, u8.Length())
	js.CopyBytesToGo(data, u8)
	return data
}

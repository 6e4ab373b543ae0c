//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"syscall/js"
	"time"

	"inceptionweb/internal/jspromise"
	"inceptionweb/model"
)

// maxImport is the largest file convert reads: the official InceptionV3 state_dict is 109 MB, and the file is
// held in this worker's memory while it is converted.
const maxImport = 400 << 20

// convert answers {type: "convert", id, file: File, int8} with progress messages
// {type: "progress", id, stage: "reading"|"converting", done, total} and then
// {type: "converted", id, bytes: ArrayBuffer, network, precision, memory, ms}: the file turned into a verified
// model file by model.Import, the size of this worker's wasm memory at its peak (a wasm memory never shrinks)
// and the time the conversion took. The page runs it in a worker of
// its own and ends that worker afterwards, which returns the memory.
func convert(id int, msg js.Value) {
	file := msg.Get("file")
	name := file.Get("name").String()
	reply, err := convertFile(id, name, file, msg.Get("int8").Truthy())
	if err != nil {
		postError(id, err)
		return
	}
	reply["id"] = id
	js.Global().Call("postMessage", reply, []any{reply["bytes"]})
}

func convertFile(id int, name string, file js.Value, int8 bool) (map[string]any, error) {
	size := file.Get("size").Int()
	head, err := awaitBytes(file.Call("slice", 0, model.HeadSize).Call("arrayBuffer"))
	if err != nil {
		return nil, fmt.Errorf("%s: could not read the file: %v", name, err)
	}
	if !model.LooksLikeModel(head) {
		return nil, fmt.Errorf("%s: %w", name, model.ErrNotModel)
	}
	if size > maxImport {
		return nil, fmt.Errorf("%s: the file is too large (%d MiB, the limit is %d MiB)", name, size>>20, maxImport>>20)
	}
	data, err := readStream(id, file, size)
	if err != nil {
		return nil, fmt.Errorf("%s: could not read the file: %v", name, err)
	}
	post(map[string]any{"type": "progress", "id": id, "stage": "converting", "done": size, "total": size})
	start := time.Now()
	out, err := model.Import(name, data, int8)
	data = nil
	if err != nil {
		return nil, err
	}
	sum, err := model.Summarize(name, out)
	if err != nil {
		return nil, err
	}
	summary, err := json.Marshal(sum)
	if err != nil {
		return nil, err
	}
	buf := js.Global().Get("Uint8Array").New(len(out))
	js.CopyBytesToJS(buf, out)
	out = nil
	runtime.GC()
	return map[string]any{
		"type": "converted", "bytes": buf.Get("buffer"), "summary": string(summary),
		"memory": js.Global().Get("goMemory").Get("buffer").Get("byteLength").Int(),
		"ms":     float64(time.Since(start).Milliseconds()),
	}, nil
}

// readStream reads a File into Go memory chunk by chunk, posting progress as it goes.
func readStream(id int, file js.Value, size int) ([]byte, error) {
	data := make([]byte, size)
	reader := file.Call("stream").Call("getReader")
	n := 0
	for {
		chunk, err := jspromise.Await(reader.Call("read"))
		if err != nil {
			return nil, err
		}
		if chunk.Get("done").Bool() {
			break
		}
		v := chunk.Get("value")
		if n+v.Length() > size {
			return nil, errors.New("the file grew while it was read")
		}
		before := n
		n += js.CopyBytesToGo(data[n:], v)
		if before*50/size != n*50/size { // every 2%: each message is a render of the page
			post(map[string]any{"type": "progress", "id": id, "stage": "reading", "done": n, "total": size})
		}
	}
	if n != size {
		return nil, fmt.Errorf("read %d of %d bytes", n, size)
	}
	return data, nil
}

func awaitBytes(p js.Value) ([]byte, error) {
	v, err := jspromise.Await(p)
	if err != nil {
		return nil, err
	}
	u8 := js.Global().Get("Uint8Array").New(v)
	b := make([]byte, u8.Length())
	js.CopyBytesToGo(b, u8)
	return b, nil
}

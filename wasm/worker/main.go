//go:build js && wasm

// Package worker is the inference worker of the page: the part of the page's Go program (../app) that runs
// inside a Web Worker (started by the site's worker.js). Each worker of the page's pool is its own Go instance holding the model,
// and answers the page's messages:
//
//	{type: "load", id, name, bytes: ArrayBuffer, sha256?, verified?, timing?, part, parts, peers: [MessagePort|null]}
//	    -> {type: "loaded", id, info, kernels, split, timing}
//	{type: "classify", id, pixels: ArrayBuffer, size, topK, features?, cam?}
//	    -> {type: "result", id, predictions, ms, features?, cam?} (see withExtras)
//	{type: "classifyPart", id, pixels: ArrayBuffer, size, topK}  -> {type: "result", id, predictions, ms}
//	{type: "loseGPU", id}  -> {type: "gpuLost", id} (destroys the WebGPU device, as a driver reset would)
//
// info is model.Info as JSON: name, title, classes, quantization and input, the model's preprocessing.
// verified says the page matched the bytes' sha256 against models.json (the model's own digest is then not
// hashed again); sha256 asks this worker to do that itself. timing is how long each stage of the load took
// (see timing.go); with timing set, the model's digest is also computed on its own to say what it costs.
//
// load's gpu ("auto", "gpu" or "cpu") says whether a float model may run on WebGPU (see gpu.go); the reply's
// gpu is then true, and a classify reply may carry fallback (the GPU failed, the CPU answered) and kernels.
//
// With parts > 1 and a model that can be split (model.CanSplit: InceptionV3 and GoogLeNet, float or int8
// compute), load also builds this worker's part of the split network (split is then true), and peers[k] is a
// MessagePort to the worker holding part k. classifyPart goes to every worker of the pool at once; they swap
// their results through those ports (see split.go).
//
// Every failure comes back as {type: "error", id, message}; the worker stays usable.
package worker

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"runtime/debug"
	"syscall/js"
	"time"

	"inceptionweb/model"
	"inceptionweb/wasm/simd"
)

type worker struct {
	model   *model.Model
	backend model.Backend // the kernel sets every model of this worker is built for
	kernels string        // what the page shows of them
	split   *split        // nil unless the model is split across the pool
	gpu     gpu           // WebGPU, for float models (see gpu.go)
	onGPU   bool          // model runs on gpu
}

// Main installs the worker's message handler and serves the page's requests; it does not return.
func Main() {
	// A wasm memory never shrinks, so its size is the heap's peak: collect early rather than let the garbage of
	// loading a model (the file, dequantized and re-laid-out weights) double it. Inference allocates nothing.
	debug.SetGCPercent(20)
	w := &worker{kernels: "pure Go"}
	if f, q, ok := simd.Kernels(); ok {
		w.backend = model.Backend{Float: f, Int8: q}
		w.kernels = f.Name
		// The int8 convolutions' path: relaxed SIMD's dot product for 8-bit activations (where the engine
		// takes its second operand unsigned), for 7-bit ones only, or the SIMD128 GEMM.
		switch {
		case q.GemmDotUnsigned:
			w.kernels += " + int8 dot product"
		case q.GemmDot != nil:
			w.kernels += " + 7-bit int8 dot product"
		}
	}
	js.Global().Set("inceptionWorkerHandle", js.FuncOf(func(this js.Value, args []js.Value) any {
		w.handle(args[0])
		return nil
	}))
	post(map[string]any{"type": "started", "kernels": w.kernels})
	select {}
}

func post(msg map[string]any) { js.Global().Call("postMessage", msg) }

func postError(id int, err error) {
	post(map[string]any{"type": "error", "id": id, "message": err.Error()})
}

// handle answers one message. A panic becomes an error reply, so a bad request never kills the worker.
func (w *worker) handle(msg js.Value) {
	id := msg.Get("id").Int()
	defer func() {
		if r := recover(); r != nil {
			postError(id, fmt.Errorf("internal error: %v", r))
		}
	}()
	var reply map[string]any
	var err error
	switch typ := msg.Get("type").String(); typ {
	case "load":
		if wantsGPU(msg.Get("gpu").String()) {
			// Opening a device and compiling shaders await the browser: run off the event loop.
			go func() {
				defer func() {
					if r := recover(); r != nil {
						postError(id, fmt.Errorf("internal error: %v", r))
					}
				}()
				if reply, err := w.load(msg); err != nil {
					postError(id, err)
				} else {
					reply["id"] = id
					post(reply)
				}
			}()
			return
		}
		reply, err = w.load(msg)
	case "classify":
		if w.onGPU {
			go w.classifyGPU(id, msg)
			return
		}
		var transfer []any
		if reply, transfer, err = w.classify(msg); err == nil {
			reply["id"] = id
			postTransfer(reply, transfer)
			return
		}
	case "classifyPart":
		// The parts wait for each other's messages, which arrive on the event loop: run off it.
		go w.classifyPart(id, msg)
		return
	case "loseGPU":
		// Destroys the device, as a driver reset would: the browser test of the fallback sends it.
		if w.gpu.device != nil {
			w.gpu.device.Destroy()
		}
		reply = map[string]any{"type": "gpuLost"}
	default:
		err = fmt.Errorf("unknown request %q", typ)
	}
	if err != nil {
		postError(id, err)
		return
	}
	reply["id"] = id
	post(reply)
}

func bytesOf(v js.Value) []byte {
	u8 := js.Global().Get("Uint8Array").New(v)
	b := make([]byte, u8.Length())
	js.CopyBytesToGo(b, u8)
	return b
}

func (w *worker) load(msg js.Value) (map[string]any, error) {
	name := msg.Get("name").String()
	t := newStages(msg.Get("timing").Truthy())
	if w.model != nil {
		w.model.Close()
		w.model, w.onGPU, w.gpu.file = nil, false, nil
		if w.split != nil {
			w.split.close()
			w.split = nil
		}
		runtime.GC() // the old model's memory is reused for the new one
		t.done("gc")
	}
	data := bytesOf(msg.Get("bytes"))
	t.done("copy")
	// The page verifies with crypto.subtle where it can; where it cannot (insecure contexts) it asks here.
	verified := msg.Get("verified").Truthy()
	if want := msg.Get("sha256"); want.Type() == js.TypeString {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want.String() {
			return nil, fmt.Errorf("model file %s is corrupted: sha256 %s, want %s", name, got[:12], want.String()[:12])
		}
		verified = true
		t.done("sha256")
	}
	mf, err := t.read(name, data, verified)
	if err != nil {
		return nil, fmt.Errorf("model file %s: %v", name, err)
	}
	kernels := w.kernels
	var m *model.Model
	// Only a float model may run on the GPU: an int8 one never asks for a device (opening one is slow).
	if mf.Compute() == "float32" && wantsGPU(msg.Get("gpu").String()) {
		gm, err := w.loadGPU(msg, name, mf)
		if err != nil {
			// The CPU runs it instead; the status says why.
			kernels += fmt.Sprintf(" (WebGPU could not run it: %v)", err)
		} else if gm != nil {
			m, kernels, w.onGPU = gm, w.gpu.kernels(), true
			t.done("gpu")
		}
	}
	if m == nil {
		if m, err = t.build(w.backend, name, mf); err != nil {
			return nil, fmt.Errorf("model file %s: %v", name, err)
		}
	}
	if parts := intOr(msg.Get("parts"), 1); parts > 1 && m.CanSplit() && !w.onGPU {
		part := msg.Get("part").Int()
		p, err := w.backend.BuildPart(name, mf, part, parts)
		if err != nil {
			return nil, fmt.Errorf("model file %s, part %d of %d: %v", name, part+1, parts, err)
		}
		w.split = newSplit(p, part, parts, msg.Get("peers"))
	}
	w.model = m
	// The page reads the model's preprocessing (info.input) as Go wrote it: one description, nn/imagenet.Preprocess.
	t.done("part")
	return map[string]any{
		"type":    "loaded",
		"info":    m.Info().Fields(),
		"kernels": kernels,
		"gpu":     w.onGPU,
		"split":   w.split != nil,
		"timing":  t.js(),
	}, nil
}

func intOr(v js.Value, def int) int {
	if v.Type() != js.TypeNumber {
		return def
	}
	return v.Int()
}

func (w *worker) classify(msg js.Value) (map[string]any, []any, error) {
	if w.model == nil {
		return nil, nil, fmt.Errorf("no model is loaded")
	}
	pix := bytesOf(msg.Get("pixels"))
	size, topK := msg.Get("size").Int(), msg.Get("topK").Int()
	start := time.Now()
	preds, err := w.model.ClassifyRGBA(pix, size, topK)
	ms := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return nil, nil, err
	}
	reply := resultReply(preds, ms)
	return reply, w.withExtras(msg, preds, reply), nil
}

func resultReply(preds []model.Prediction, ms float64) map[string]any {
	list := make([]any, len(preds))
	for i, p := range preds {
		list[i] = map[string]any{"index": p.Index, "class": p.Class, "wnid": p.WNID, "label": p.Label, "prob": float64(p.Prob)}
	}
	return map[string]any{"type": "result", "predictions": list, "ms": ms}
}

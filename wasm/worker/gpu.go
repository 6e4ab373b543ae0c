//go:build js && wasm

package worker

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"inceptionweb/model"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/webgpu"
	"inceptionweb/weights"
)

// The GPU path: a float model runs on WebGPU (nn/webgpu) when the page asks for it (load's gpu: "auto" uses
// a hardware adapter, "gpu" any adapter, "cpu" none) and the browser has an adapter. The worker keeps the
// model file it read, so that when the device is lost it builds the model for the CPU kernels and answers the
// image that found the device gone there.

// gpuDevice is model.GPU on a WebGPU device.
type gpuDevice struct{ d *webgpu.Device }

func (g gpuDevice) Compile(gr *graph.Graph, weight func(string, []int) ([]float32, error)) (model.GPUProgram, error) {
	plan, err := webgpu.Compile(gr, weight)
	if err != nil {
		return nil, err
	}
	if !plan.Softmax || plan.Beta != 1 {
		return nil, fmt.Errorf("%w: the graph does not end in a plain softmax", webgpu.ErrUnsupported)
	}
	prog, err := g.d.Load(plan)
	plan.Consts = nil // on the device now
	return prog, err
}

// gpu is the worker's WebGPU state.
type gpu struct {
	tried  bool
	device *webgpu.Device
	// file is the model file read, kept while the model runs on the GPU (for the CPU when the device is lost).
	file *weights.Model
	name string
}

// wantsGPU reports whether a load with gpu mode should try the GPU at all: not when the page says "cpu" or
// the browser has no WebGPU (the load then stays on the event loop, as it always did).
func wantsGPU(mode string) bool {
	nav := js.Global().Get("navigator")
	return mode != "cpu" && nav.Truthy() && nav.Get("gpu").Truthy()
}

// open returns the device for mode, opening it the first time (and again after a loss): nil if there is none
// or mode does not take it ("auto" leaves CPU adapters such as SwiftShader alone: the wasm kernels are faster
// there).
func (g *gpu) open(mode string) *webgpu.Device {
	if g.device != nil {
		select {
		case <-g.device.Lost(): // a lost device stays lost: the next load asks for a new one
			g.device, g.tried = nil, false
		default:
		}
	}
	if !g.tried {
		g.tried = true
		d, err := webgpu.Open()
		if err != nil && !errors.Is(err, webgpu.ErrNoAdapter) {
			js.Global().Get("console").Call("warn", "WebGPU: "+err.Error())
		}
		g.device = d
	}
	if g.device == nil || (mode == "auto" && g.device.Fallback) {
		return nil
	}
	return g.device
}

func (g *gpu) kernels() string { return "WebGPU (" + g.device.Architecture + ")" }

// loadGPU builds a float model on the GPU if the load's mode takes the browser's adapter. It returns nil, nil
// when the model belongs on the CPU.
func (w *worker) loadGPU(msg js.Value, name string, mf *weights.Model) (*model.Model, error) {
	d := w.gpu.open(msg.Get("gpu").String())
	if d == nil {
		return nil, nil
	}
	m, err := model.BuildGPU(gpuDevice{d}, name, mf)
	if err != nil {
		return nil, err
	}
	w.gpu.file, w.gpu.name = mf, name
	return m, nil
}

// classifyGPU answers a classify request on the GPU, off the event loop (the device's results arrive on it).
// If the GPU fails (the device was lost), the model is opened for the CPU and the image answered there; the
// reply then says so (fallback) and carries the kernels in use from now on.
func (w *worker) classifyGPU(id int, msg js.Value) {
	defer func() {
		if r := recover(); r != nil {
			postError(id, fmt.Errorf("internal error: %v", r))
		}
	}()
	reply, transfer, err := w.classify(msg)
	if err != nil && w.onGPU {
		cause := err
		w.model.Close()
		w.model, w.onGPU = nil, false
		m, openErr := w.backend.Build(w.gpu.name, w.gpu.file)
		w.gpu.file = nil
		if openErr != nil {
			postError(id, fmt.Errorf("the GPU failed (%v) and the model could not be opened for the CPU: %v", cause, openErr))
			return
		}
		w.model = m
		start := time.Now()
		reply, transfer, err = w.classify(msg)
		if err == nil {
			reply["fallback"] = fmt.Sprintf("The GPU failed (%v): running on %s now.", cause, w.kernels)
			reply["kernels"] = w.kernels
			reply["ms"] = float64(time.Since(start).Microseconds()) / 1000
		}
	}
	if err != nil {
		postError(id, err)
		return
	}
	reply["id"] = id
	postTransfer(reply, transfer)
}

//go:build js && wasm

package webgpu

import (
	"errors"
	"fmt"
	"syscall/js"
	"unsafe"

	"inceptionweb/internal/jspromise"
)

// ErrNoAdapter means the browser has no WebGPU (or no adapter for it): the caller runs the CPU kernels.
var ErrNoAdapter = errors.New("webgpu: no adapter")

// Device is a WebGPU device. Its methods block on the browser's promises, so they must run on a goroutine
// of their own, never inside a JS callback (a worker's message handler).
type Device struct {
	dev, queue js.Value
	// Architecture is the adapter's (e.g. "swiftshader", a CPU implementation: correct, not GPU speed).
	Architecture string
	// Fallback says the adapter is a CPU implementation (the browser's fallback adapter, or SwiftShader).
	Fallback  bool
	lost      chan struct{}
	pipelines map[string]js.Value // by WGSL code: identical layers share one
}

// Open asks the browser for an adapter and a device with the adapter's largest storage buffers.
func Open() (*Device, error) {
	nav := js.Global().Get("navigator")
	if !nav.Truthy() || !nav.Get("gpu").Truthy() {
		return nil, ErrNoAdapter
	}
	gpu := nav.Get("gpu")
	adapter, err := jspromise.Await(gpu.Call("requestAdapter"))
	if err != nil || !adapter.Truthy() {
		return nil, ErrNoAdapter
	}
	limits := adapter.Get("limits")
	req := map[string]any{"requiredLimits": map[string]any{
		"maxStorageBufferBindingSize": limits.Get("maxStorageBufferBindingSize"),
		"maxBufferSize":               limits.Get("maxBufferSize"),
	}}
	dev, err := jspromise.Await(adapter.Call("requestDevice", req))
	if err != nil {
		return nil, fmt.Errorf("webgpu: requesting a device: %w", err)
	}
	d := &Device{dev: dev, queue: dev.Get("queue"), lost: make(chan struct{}), pipelines: map[string]js.Value{}}
	if info := adapter.Get("info"); info.Truthy() {
		d.Architecture = info.Get("architecture").String()
		d.Fallback = info.Get("isFallbackAdapter").Truthy() || d.Architecture == "swiftshader"
	}
	var onLost js.Func
	onLost = js.FuncOf(func(js.Value, []js.Value) any {
		close(d.lost)
		onLost.Release()
		return nil
	})
	dev.Get("lost").Call("then", onLost)
	return d, nil
}

// Lost is closed when the browser takes the device away (a driver reset, another tab's crash): the caller
// falls back to the CPU kernels.
func (d *Device) Lost() <-chan struct{} { return d.lost }

// Destroy ends the device (Lost is then closed).
func (d *Device) Destroy() { d.dev.Call("destroy") }

// Program is a Plan on a device: its buffers allocated, its constants uploaded, its pipelines and bind groups
// made.
type Program struct {
	d        *Device
	plan     *Plan
	bufs     []js.Value
	pipes    []js.Value
	groups   []js.Value
	readback js.Value
	input    js.Value // bytes of the input on their way up
	out      []float32
}

const (
	usageMapRead  = 0x0001
	usageCopySrc  = 0x0004
	usageCopyDst  = 0x0008
	usageUniform  = 0x0040
	usageStorage  = 0x0080
	mapModeRead   = 0x0001
	storageUsages = usageStorage | usageCopySrc | usageCopyDst
)

// Load makes p's buffers, uploads its constants and compiles its shaders.
func (d *Device) Load(p *Plan) (prog *Program, err error) {
	d.dev.Call("pushErrorScope", "validation")
	defer func() {
		if e, perr := jspromise.Await(d.dev.Call("popErrorScope")); err == nil && (perr != nil || e.Truthy()) {
			if perr == nil {
				perr = errors.New(e.Get("message").String())
			}
			err = fmt.Errorf("webgpu: loading the model: %w", perr)
		}
		if err != nil && prog != nil {
			prog.Release()
			prog = nil
		}
	}()
	prog = &Program{d: d, plan: p, out: make([]float32, p.OutputLen)}
	consts := map[int][]float32{}
	for _, c := range p.Consts {
		consts[c.Buffer] = c.Data
	}
	for i, size := range p.Buffers {
		data, isConst := consts[i]
		buf := d.dev.Call("createBuffer", map[string]any{"size": size, "usage": storageUsages, "mappedAtCreation": isConst})
		if isConst {
			dst := js.Global().Get("Uint8Array").New(buf.Call("getMappedRange"))
			js.CopyBytesToJS(dst, bytesOf(data))
			buf.Call("unmap")
		}
		prog.bufs = append(prog.bufs, buf)
	}
	for _, k := range p.Kernels {
		pipe, ok := d.pipelines[k.Code]
		if !ok {
			module := d.dev.Call("createShaderModule", map[string]any{"code": k.Code, "label": k.Name})
			pipe = d.dev.Call("createComputePipeline", map[string]any{"label": k.Name, "layout": "auto",
				"compute": map[string]any{"module": module, "entryPoint": "main"}})
			d.pipelines[k.Code] = pipe
		}
		entries := make([]any, len(k.Bindings), len(k.Bindings)+1)
		for j, b := range k.Bindings {
			entries[j] = map[string]any{"binding": j, "resource": map[string]any{"buffer": prog.bufs[b]}}
		}
		if len(k.Uniforms) > 0 {
			ub := d.dev.Call("createBuffer", map[string]any{"size": 4 * len(k.Uniforms), "usage": usageUniform, "mappedAtCreation": true})
			js.CopyBytesToJS(js.Global().Get("Uint8Array").New(ub.Call("getMappedRange")), wordsOf(k.Uniforms))
			ub.Call("unmap")
			prog.bufs = append(prog.bufs, ub) // released with the others
			entries = append(entries, map[string]any{"binding": len(k.Bindings), "resource": map[string]any{"buffer": ub}})
		}
		group := d.dev.Call("createBindGroup", map[string]any{"layout": pipe.Call("getBindGroupLayout", 0), "entries": entries})
		prog.pipes, prog.groups = append(prog.pipes, pipe), append(prog.groups, group)
	}
	prog.readback = d.dev.Call("createBuffer", map[string]any{"size": 4 * p.OutputLen, "usage": usageMapRead | usageCopyDst})
	prog.input = js.Global().Get("Uint8Array").New(4 * p.InputLen)
	return prog, nil
}

// Run classifies one input (NHWC float32, as the plan's graph takes it) in one submit and returns the logits
// (valid until the next Run).
func (p *Program) Run(x []float32) ([]float32, error) {
	if len(x) != p.plan.InputLen {
		return nil, fmt.Errorf("webgpu: input has %d values, want %d", len(x), p.plan.InputLen)
	}
	select {
	case <-p.d.lost:
		return nil, errors.New("webgpu: the device was lost")
	default:
	}
	js.CopyBytesToJS(p.input, bytesOf(x))
	p.d.queue.Call("writeBuffer", p.bufs[p.plan.Input], 0, p.input)
	enc := p.d.dev.Call("createCommandEncoder")
	pass := enc.Call("beginComputePass")
	for i, k := range p.plan.Kernels {
		pass.Call("setPipeline", p.pipes[i])
		pass.Call("setBindGroup", 0, p.groups[i])
		pass.Call("dispatchWorkgroups", k.Groups[0], k.Groups[1])
	}
	pass.Call("end")
	enc.Call("copyBufferToBuffer", p.bufs[p.plan.Output], 0, p.readback, 0, 4*p.plan.OutputLen)
	p.d.queue.Call("submit", []any{enc.Call("finish")})
	if _, err := jspromise.Await(p.readback.Call("mapAsync", mapModeRead)); err != nil {
		return nil, fmt.Errorf("webgpu: reading the result: %w", err)
	}
	src := js.Global().Get("Uint8Array").New(p.readback.Call("getMappedRange"))
	js.CopyBytesToGo(bytesOf(p.out), src)
	p.readback.Call("unmap")
	return p.out, nil
}

// Release frees the program's GPU buffers.
func (p *Program) Release() {
	for _, b := range p.bufs {
		b.Call("destroy")
	}
	if p.readback.Truthy() {
		p.readback.Call("destroy")
	}
	p.bufs = nil
}

func wordsOf(v []uint32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

func bytesOf(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// worker_shim.js runs inside the site's worker (worker-*.js imports it in place of simd_loader.js). It loads the
// real simd_loader, then applies the bench's kernel choice from the worker's URL (?kernels=go|simd|simd128):
// "go" attaches no kernel module, so the Go worker keeps its pure-Go kernels; "simd128" attaches both modules
// and selects the plain SIMD128 one; "simd" leaves the site's choice. It also adds the size of Go's wasm memory
// (wasmBytes) to every message the worker posts, which the bench reads as the worker's peak memory.
"use strict";

(() => {
	const q = new URLSearchParams(self.location.search);
	importScripts(q.get("loader"));
	const kernels = q.get("kernels") || "simd";
	const attach = SIMDKernels.attach;
	if (kernels === "go") {
		SIMDKernels.attach = async () => false;
	} else if (kernels === "simd128") {
		SIMDKernels.attach = async (memory, load) => (await attach(memory, load, true)) && SIMDKernels.use("plain");
	}

	let memory = null;
	const streaming = WebAssembly.instantiateStreaming;
	WebAssembly.instantiateStreaming = async (...args) => {
		const r = await streaming(...args);
		memory = memory || r.instance.exports.mem; // the first instance is Go's
		return r;
	};
	const post = self.postMessage.bind(self);
	self.postMessage = (msg, transfer) => {
		// The worker keeps Go's memory in self.goMemory once Go's instance exists (it compiles the module and
		// instantiates it, which the hook above does not see); older workers only through instantiateStreaming.
		const mem = self.goMemory || memory;
		if (mem && msg && typeof msg === "object") {
			msg.wasmBytes = mem.buffer.byteLength;
		}
		post(msg, transfer);
	};
})();

// worker.js starts the Go inference worker (worker.wasm) inside a Web Worker. The page sends one
// {type: "init", files} message with the site's file names, then load/classify/convert requests that Go answers.
// If the Go program dies, the page hears {type: "crashed"} and starts a new worker.
"use strict";

let pending = []; // requests that arrive before Go is running

function crashed(message) {
	postMessage({ type: "crashed", message: String(message) });
}

self.onmessage = async (event) => {
	const msg = event.data;
	if (msg.type !== "init") {
		if (self.inceptionWorkerHandle) {
			try {
				self.inceptionWorkerHandle(msg);
			} catch (e) {
				crashed(e); // a trap in Go: its instance is gone
			}
		} else {
			pending.push(msg);
		}
		return;
	}
	try {
		const files = msg.files;
		importScripts(files.wasmExec, files.simdLoader);
		const go = new Go();
		SIMDKernels.addImports(go.importObject);
		const { instance } = await WebAssembly.instantiateStreaming(fetch(files.worker), go.importObject);
		await SIMDKernels.attach(instance.exports.mem, (name) => fetch(files.simd[name]));
		self.goMemory = instance.exports.mem; // Go reports its size after a conversion
		go.run(instance).then(() => crashed("the classifier exited"), crashed);
		for (const m of pending) {
			self.inceptionWorkerHandle(m);
		}
		pending = [];
	} catch (e) {
		crashed("could not start the classifier: " + e);
	}
};

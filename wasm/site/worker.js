// worker.js starts the Go inference worker (worker.wasm) inside a Web Worker. The page sends one
// {type: "init", files, module?} message with the site's file names and, when the page has compiled
// worker.wasm already, its WebAssembly.Module (compiled once for every worker); then load/classify/convert
// requests that Go answers. If the Go program dies, the page hears {type: "crashed"} and starts a new worker.
// The worker reports when each stage of its start ended ({type: "boot", times}: absolute times in ms, for the
// page's start-up breakdown), and answers {type: "stats", id} itself with the size of Go's memory. A
// {type: "preload"} request reads the model from the Cache API here (see preload).
"use strict";

let pending = []; // requests that arrive before Go is running
const times = { script: performance.timeOrigin + performance.now() };
const stamp = (name) => { times[name] = performance.timeOrigin + performance.now(); };

function crashed(message) {
	postMessage({ type: "crashed", message: String(message) });
}

// handle gives a request to Go, or keeps it until Go runs.
function handle(msg) {
	if (!self.inceptionWorkerHandle) {
		pending.push(msg);
		return;
	}
	try {
		self.inceptionWorkerHandle(msg);
	} catch (e) {
		crashed(e); // a trap in Go: its instance is gone
	}
}

// preload reads a model file from the page's Cache API (msg: {id, name, sha256, cacheName, key}), checks its
// sha256, sends the page a copy ({type: "model-bytes", bytes}, null if it is not there) and loads it into Go as
// a verified file: the page's start-up does not wait for its own thread to read and hash the model.
async function preload(msg) {
	let buf = null;
	try {
		const cache = await caches.open(msg.cacheName);
		const hit = await cache.match(msg.key);
		if (hit) {
			const b = await hit.arrayBuffer();
			const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", b));
			const hex = Array.from(digest, (x) => x.toString(16).padStart(2, "0")).join("");
			if (hex === msg.sha256) {
				buf = b;
			}
		}
	} catch (e) {
		buf = null;
	}
	if (!buf) {
		postMessage({ type: "model-bytes", bytes: null });
		postMessage({ type: "error", id: msg.id, message: "the model is not in the cache" });
		return;
	}
	const copy = buf.slice(0);
	postMessage({ type: "model-bytes", bytes: copy }, [copy]);
	handle({ type: "load", id: msg.id, name: msg.name, bytes: buf, verified: true, part: 0, parts: 1, peers: [], timing: msg.timing });
}

self.onmessage = async (event) => {
	const msg = event.data;
	if (msg.type === "stats") {
		postMessage({ type: "stats", id: msg.id, memory: self.goMemory ? self.goMemory.buffer.byteLength : 0 });
		return;
	}
	if (msg.type === "preload") {
		preload(msg);
		return;
	}
	if (msg.type !== "init") {
		handle(msg);
		return;
	}
	try {
		stamp("init");
		const files = msg.files;
		importScripts(files.wasmExec, files.simdLoader);
		stamp("scripts");
		const go = new Go();
		SIMDKernels.addImports(go.importObject);
		let instance;
		if (msg.module instanceof WebAssembly.Module) {
			instance = await WebAssembly.instantiate(msg.module, go.importObject);
			stamp("instantiated");
		} else {
			const module = await WebAssembly.compileStreaming(fetch(files.worker));
			stamp("compiled");
			instance = await WebAssembly.instantiate(module, go.importObject);
			stamp("instantiated");
		}
		await SIMDKernels.attach(instance.exports.mem, (name) => fetch(files.simd[name]));
		stamp("simd");
		self.goMemory = instance.exports.mem; // Go reports its size after a conversion
		go.run(instance).then(() => crashed("the classifier exited"), crashed);
		stamp("go");
		postMessage({ type: "boot", times });
		for (const m of pending) {
			self.inceptionWorkerHandle(m);
		}
		pending = [];
	} catch (e) {
		crashed("could not start the classifier: " + e);
	}
};

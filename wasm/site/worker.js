// worker.js starts the Go inference worker (the page's app.wasm, which serves as one in a worker) inside a
// Web Worker. Its name is {files, kernels} as JSON (the site's file names: the worker loads wasm_exec.js and
// simd_loader.js at once, and with kernels fetches and compiles the SIMD kernels, while the page still
// compiles app.wasm; see prepare). The page then sends one {type: "init", files, module?, program?} message
// with, when the page has compiled app.wasm, its WebAssembly.Module (compiled once for the page and every
// worker); then load/classify requests that Go answers. A conversion worker is sent program instead:
// the file name of the conversion's own Go program (convert.wasm, see wasm/convert), which it compiles. If the Go program dies, the page hears {type: "crashed"} and starts a new worker.
// The worker reports when each stage of its start ended ({type: "boot", times}: absolute times in ms, for the
// page's start-up breakdown), and answers {type: "stats", id} itself with the size of Go's memory. A
// {type: "preload"} request reads the start model here, before Go runs (see preload).
"use strict";

let pending = []; // requests that arrive before Go is running
let prepared = false;
const times = { script: performance.timeOrigin + performance.now() };
const stamp = (name) => { times[name] = performance.timeOrigin + performance.now(); };

// fetchProgram is index.html's: a wasm program from the network (and the HTTP cache, which keeps its compiled
// code), else the service worker's kept copy.
const fetchProgram = (url) => fetch(url).then((r) => (r.ok ? r : Promise.reject(new Error(url + ": HTTP " + r.status)))).catch(async (e) => (globalThis.caches && (await caches.match(new URL(url, location.href).href))) || Promise.reject(e));

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

// preload reads the page's start model (msg: {id, name, entry, cacheName, key, script}: see modelfile.js,
// which script names) from the Cache API, or downloads it and keeps it there, reporting progress
// ({type: "model-progress", n, total}); sends the page a copy of the verified bytes ({type: "model-bytes",
// bytes, source}; bytes null if it could not be read, the page then reads it itself) and loads it into Go
// as a verified file: the page's start-up waits neither for its own busy thread nor for the UI to run.
async function preload(msg) {
	let got = null;
	const times = { start: performance.timeOrigin + performance.now() };
	try {
		if (!self.ModelFile) {
			importScripts(msg.script);
		}
		times.script = performance.timeOrigin + performance.now();
		got = await ModelFile.read(msg.entry, msg.cacheName, msg.key, (n, total) => postMessage({ type: "model-progress", n, total }), times);
		if (!got.verified) {
			got = null;
		}
	} catch (e) {
		got = null;
	}
	if (!got) {
		postMessage({ type: "model-bytes", bytes: null });
		postMessage({ type: "error", id: msg.id, message: "the model could not be read here" });
		return;
	}
	const copy = got.bytes.slice(0);
	postMessage({ type: "model-bytes", bytes: copy, source: got.source, times }, [copy]);
	handle({ type: "load", id: msg.id, name: msg.name, bytes: got.bytes, verified: true, part: 0, parts: 1, peers: [], timing: msg.timing, gpu: msg.gpu });
}

// prepare loads the scripts Go's program needs and, with kernels, starts compiling the SIMD kernels: all that
// a worker can do before it has the program, so its start then only instantiates. It runs when the script
// starts, from the worker's name, not on a message: messages to a worker that is still starting are handed
// over by the page's thread, which is then busy starting the UI (measured: 0.1-0.9 s late). init prepares
// too (a worker started without that name), and a failure here is said by init's.
function prepare(files, kernels) {
	if (!prepared) {
		stamp("prepare");
		importScripts(files.wasmExec, files.simdLoader);
		prepared = true;
		stamp("scripts");
	}
	if (kernels) {
		SIMDKernels.compile((name) => fetchProgram(files.simd[name]));
	}
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
		prepare(files, !msg.program); // the conversion's program runs no kernels
		const go = new Go();
		SIMDKernels.addImports(go.importObject);
		let instance;
		if (msg.module instanceof WebAssembly.Module) {
			instance = await WebAssembly.instantiate(msg.module, go.importObject);
			stamp("instantiated");
		} else {
			const module = await WebAssembly.compileStreaming(fetchProgram(msg.program || files.wasm));
			stamp("compiled");
			instance = await WebAssembly.instantiate(module, go.importObject);
			stamp("instantiated");
		}
		if (!msg.program) { // the conversion's program runs no kernels
			await SIMDKernels.attach(instance.exports.mem, (name) => fetchProgram(files.simd[name]));
		}
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

try {
	const boot = self.name ? JSON.parse(self.name) : null;
	if (boot) {
		prepare(boot.files, boot.kernels);
	}
} catch (e) {
	// init tries again and says what failed
}

// ours.js drives the site's real inference worker (web/worker-*.js and worker-*.wasm) with the page's own
// messages: init, load {bytes, gpu}, classify {pixels, size, topK}. Query: model (a /data/ file name), size,
// workers, kernels (go | simd | simd128), split, gpu (the load's: cpu, the default, | gpu | auto; anything but
// cpu must end on WebGPU, and the page reports the adapter). With 2 workers each run sends one image to each
// worker at once: that is throughput (ms per image over 2 images). With split=1 the workers load their parts of the model,
// linked by MessagePorts as the page links them, and each timed run is one image split across all of them.
"use strict";

// siteFiles reads the built site's file table (hashed names) from its index.html.
async function siteFiles() {
	const html = await (await fetch("/site/index.html")).text();
	const m = html.match(/<script id="site-files" type="application\/json">([^<]*)<\/script>/);
	if (!m) {
		throw new Error("/site/index.html has no site-files table: run make web");
	}
	return JSON.parse(m[1]);
}

class Client {
	constructor(files, kernels) {
		// The worker's simd_loader is replaced by worker_shim.js, which loads the real one and applies the
		// kernels choice; the query tells the shim what to do (the worker script ignores it).
		const url = "/site/" + files.workerScript + "?kernels=" + kernels + "&loader=" + encodeURIComponent(files.simdLoader);
		this.worker = new Worker(url);
		this.pending = new Map();
		this.nextID = 1;
		this.wasmBytes = 0;
		this.started = new Promise((resolve, reject) => {
			this.worker.onmessage = (e) => {
				const msg = e.data;
				this.wasmBytes = Math.max(this.wasmBytes, msg.wasmBytes || 0);
				if (msg.type === "started") {
					this.kernels = msg.kernels;
					resolve();
					return;
				}
				if (msg.type === "crashed") {
					reject(new Error("worker crashed: " + msg.message));
					for (const p of this.pending.values()) {
						p.reject(new Error("worker crashed: " + msg.message));
					}
					return;
				}
				const p = this.pending.get(msg.id);
				if (p) {
					this.pending.delete(msg.id);
					msg.type === "error" ? p.reject(new Error(msg.message)) : p.resolve(msg);
				}
			};
			this.worker.onerror = (e) => reject(new Error("worker: " + e.message));
		});
		this.worker.postMessage({ type: "init", files: { ...files, simdLoader: "/bench/worker_shim.js" } });
	}

	request(msg, transfer) {
		msg.id = this.nextID++;
		return new Promise((resolve, reject) => {
			this.pending.set(msg.id, { resolve, reject });
			this.worker.postMessage(msg, transfer);
		});
	}

	load(name, bytes, gpu, part = 0, parts = 1, peers = []) {
		const copy = bytes.slice(0);
		const ports = peers.filter((p) => p);
		return this.request({ type: "load", name, bytes: copy, gpu, part, parts, peers }, [copy, ...ports]);
	}

	classify(pixels, size, type = "classify") {
		const copy = pixels.slice(0); // transferred, as the page does
		return this.request({ type, pixels: copy, size, topK: 5 }, [copy]);
	}
}

// peerPorts links every pair of n workers by a MessageChannel, as the page does: ports[i][k] is worker i's
// end of the channel to worker k.
function peerPorts(n) {
	const ports = Array.from({ length: n }, () => new Array(n).fill(null));
	for (let i = 0; i < n; i++) {
		for (let k = i + 1; k < n; k++) {
			const ch = new MessageChannel();
			ports[i][k] = ch.port1;
			ports[k][i] = ch.port2;
		}
	}
	return ports;
}

Bench.run(async () => {
	const modelFile = Bench.param("model"), size = +Bench.param("size");
	const nworkers = +Bench.param("workers", 1), kernels = Bench.param("kernels", "simd");
	const [files, modelBytes, pixels] = await Promise.all([
		siteFiles(), Bench.bytes("/data/" + modelFile), Bench.bytes("/data/input_" + size + ".rgba")]);
	const clients = [];
	for (let i = 0; i < nworkers; i++) {
		clients.push(new Client(files, kernels));
	}
	await Promise.all(clients.map((c) => c.started));
	const split = Bench.param("split", "0") === "1", gpu = Bench.param("gpu", "cpu");
	const ports = peerPorts(nworkers);
	const loaded = await Promise.all(clients.map((c, i) =>
		split ? c.load(modelFile, modelBytes, gpu, i, nworkers, ports[i]) : c.load(modelFile, modelBytes, gpu)));
	if (split && !loaded.every((r) => r.split)) {
		throw new Error("the workers did not split the model");
	}
	// The worker names its kernels "WebGPU (<adapter's architecture>)" when the model runs there; otherwise
	// they say why WebGPU could not run it.
	let adapter = "";
	if (gpu !== "cpu") {
		const m = loaded[0].gpu && /^WebGPU \((.*)\)$/.exec(loaded[0].kernels);
		if (!m) {
			throw new Error("the model is not on WebGPU: " + loaded[0].kernels);
		}
		adapter = m[1];
	}
	const type = split ? "classifyPart" : "classify";
	const first = (await Promise.all(clients.map((c) => c.classify(pixels, size, type))))[0];
	return {
		once: async () => {
			const res = await Promise.all(clients.map((c) => c.classify(pixels, size, type)));
			return { images: split ? 1 : clients.length, worker_ms: res.map((r) => r.ms) };
		},
		peak: () => clients.reduce((n, c) => n + c.wasmBytes, 0),
		info: {
			kernels: loaded[0].kernels,
			adapter,
			top5: first.predictions.map((p) => ({ index: p.index, prob: p.prob })),
		},
	};
});

// ours.js drives the site's real inference worker (web/worker-*.js and worker-*.wasm) with the page's own
// messages: init, load {bytes}, classify {pixels, size, topK}. Query: model (a /data/ file name), size,
// workers, kernels (go | simd | simd128). With 2 workers each timed run sends one image to each worker at once:
// that is throughput (ms per image over 2 images), not one image split across workers.
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

	load(name, bytes) {
		const copy = bytes.slice(0);
		return this.request({ type: "load", name, bytes: copy }, [copy]);
	}

	classify(pixels, size) {
		const copy = pixels.slice(0); // transferred, as the page does
		return this.request({ type: "classify", pixels: copy, size, topK: 5 }, [copy]);
	}
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
	const loaded = await Promise.all(clients.map((c) => c.load(modelFile, modelBytes)));
	const first = await clients[0].classify(pixels, size);
	const workerMs = [];
	const st = await Bench.timed(async () => {
		const res = await Promise.all(clients.map((c) => c.classify(pixels, size)));
		workerMs.push(...res.map((r) => r.ms));
		return clients.length;
	});
	return {
		...st,
		worker_ms: workerMs.slice(-(+Bench.param("runs", 10)) * nworkers), // the timed runs only
		kernels: loaded[0].kernels,
		peak_bytes: clients.reduce((n, c) => n + c.wasmBytes, 0),
		top5: first.predictions.map((p) => ({ index: p.index, prob: p.prob })),
	};
});

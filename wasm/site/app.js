// app.js is the page's glue to browser APIs that the Go UI (app.wasm on the page's thread) calls through
// syscall/js: model files read through modelfile.js (download with progress, sha256 verification, the Cache
// API; the start model by the first worker); the person's own models (converted in a worker of their own,
// kept in the Cache API and listed in localStorage); image decoding and cropping; the pool of inference
// workers, each restarted when it dies; and the webcam. Go decides (which rectangle to crop, which file is a
// model); this file only does what it is told. Everything returns promises; Go awaits them off the event loop.
"use strict";

globalThis.InceptionWeb = (() => {
	const files = JSON.parse(document.getElementById("site-files").textContent);
	const cacheName = "inceptionweb-models-v1";
	const ownModelsKey = "inceptionweb-own-models-v1";
	const query = new URLSearchParams(location.search);

	// timing is the page's start-up breakdown: performance marks and measures of the page's stages and of each
	// worker's (from the times the workers report). ?debug=timing prints it to the console when the first
	// answer is shown (and when the model is ready); timing.report() returns it for tests and the bench.
	const timing = (() => {
		const debug = query.getAll("debug").some((d) => d === "timing" || d === "digest");
		const digest = query.getAll("debug").includes("digest"); // the workers also time the model's digest apart
		const workers = []; // per worker: {spawn, boot: {stage: abs ms}, load: {stage: ms}, loadStart, loadEnd}
		const rel = (abs) => abs - performance.timeOrigin;
		const mark = (name) => {
			if (!performance.getEntriesByName(name, "mark").length) {
				performance.mark(name);
			}
		};
		const at = (name) => {
			const e = performance.getEntriesByName(name, "mark")[0];
			return e ? e.startTime : null;
		};
		function report() {
			const page = {};
			for (const name of ["ui-start", "wasm-compiled", "ui-instantiated", "ui-main", "ui-running", "first-render", "models-list", "model-bytes", "ready", "workers-ready", "first-picked", "first-image", "first-pixels", "first-job", "first-answer"]) {
				page[name] = at(name);
			}
			page["first-answer-worker-ms"] = firstMs;
			page["renders before the first answer"] = renders.count;
			page["render ms before the first answer"] = +renders.ms.toFixed(1);
			page["first render ms"] = renders.first;
			const list = workers.map((w, i) => {
				const b = w.boot || {};
				const stages = {};
				const step = (name, from, to) => {
					if (from != null && to != null) {
						stages[name] = +(to - from).toFixed(1);
					}
				};
				const spawn = w.spawn;
				step("worker script", spawn, b.script && rel(b.script));
				step("wasm_exec + simd_loader", b.prepare && rel(b.prepare), b.scripts && rel(b.scripts));
				step("waits for app.wasm", b.scripts && rel(b.scripts), b.init && rel(b.init));
				step("app.wasm compile", b.init && rel(b.init), b.compiled && rel(b.compiled));
				step("app.wasm instantiate", b.compiled ? rel(b.compiled) : b.init && rel(b.init), b.instantiated && rel(b.instantiated));
				step("simd kernels", b.instantiated && rel(b.instantiated), b.simd && rel(b.simd));
				step("Go start", b.simd && rel(b.simd), b.go && rel(b.go));
				if (b.go && w.loadStart != null) {
					stages[w.loadStart > rel(b.go) ? "Go waits for the model" : "the model waits for Go"] = +Math.abs(w.loadStart - rel(b.go)).toFixed(1);
				}
				const r = w.read || {}; // the start model's read in this worker (preload)
				step("read: modelfile.js", r.start && rel(r.start), r.script && rel(r.script));
				step("read: cache lookup", r.script && rel(r.script), r.found && rel(r.found));
				step("read: download answered", r.script && rel(r.script), r.response && rel(r.response));
				step("read: bytes", (r.found || r.response) && rel(r.found || r.response), r.read && rel(r.read));
				step("read: sha256", r.read && rel(r.read), r.verified && rel(r.verified));
				for (const [k, v] of Object.entries(w.load || {})) {
					stages["load: " + k] = v;
				}
				step("load (message to reply)", w.loadStart, w.loadEnd);
				const at = { "init posted": w.initPosted && +w.initPosted.toFixed(1) }; // ms since navigation: the worker's critical path
				for (const [k, v] of Object.entries(b)) {
					at[k] = +rel(v).toFixed(1);
				}
				return { worker: i, spawn: spawn && +spawn.toFixed(1), ready: w.loadEnd && +w.loadEnd.toFixed(1), at, stages };
			});
			// The browser's own timings of the page's request and of the program's: how long the navigation, the
			// service worker and the bytes took before any of the page's code ran.
			const net = {};
			const nav = performance.getEntriesByType("navigation")[0];
			if (nav) {
				for (const k of ["workerStart", "requestStart", "responseStart", "responseEnd", "domInteractive"]) {
					net["page " + k] = nav[k] ? +nav[k].toFixed(1) : 0;
				}
			}
			const prog = performance.getEntriesByType("resource").find((e) => e.name.endsWith(files.wasm));
			if (prog) {
				for (const k of ["startTime", "workerStart", "responseStart", "responseEnd"]) {
					net["app.wasm " + k] = prog[k] ? +prog[k].toFixed(1) : 0;
				}
				net["app.wasm delivery"] = prog.deliveryType ?? ""; // "cache": the HTTP cache, with the compiled code kept
			}
			// The page thread's long tasks, as "start+ms".
			return { page, net, workers: list, longTasks: longTasks.map(([t, d]) => `${t.toFixed(0)}+${d.toFixed(0)}`) };
		}
		let printed = {};
		function print(why) {
			if (!debug || printed[why]) {
				return;
			}
			printed[why] = true;
			const r = report();
			console.log("start-up timing (" + why + "), ms since navigation:");
			console.table(r.page);
			console.table(r.net);
			for (const w of r.workers) {
				console.log(`worker ${w.worker}: spawned at ${w.spawn} ms, ready at ${w.ready} ms`);
				console.table(w.stages);
			}
		}
		let firstMs = null; // the worker's own time for the first image
		const renders = { count: 0, ms: 0, first: null }; // the UI's renders (Vugu) on the page's thread until the first answer
		const longTasks = []; // [start, ms] of the page thread's tasks over 50 ms until the first answer
		try {
			new PerformanceObserver((list) => {
				for (const e of list.getEntries()) {
					if (!at("first-answer")) {
						longTasks.push([e.startTime, e.duration]);
					}
				}
			}).observe({ type: "longtask", buffered: true });
		} catch (e) {
			// no Long Tasks API in this browser
		}
		return {
			debug, digest, mark, workers, report, print,
			rendered(ms) { if (renders.first === null) { renders.first = +ms.toFixed(1); } if (!at("first-answer")) { renders.count++; renders.ms += ms; } },
			firstWorkerMs(ms) { if (firstMs === null) { firstMs = ms; } },
			worker: () => { const w = { spawn: performance.now() }; workers.push(w); return w; },
			reached(name) { mark(name); if (name === "ready" || name === "first-answer" || name === "workers-ready") { print(name); } },
		};
	})();

	async function fetchModelsList() {
		const resp = await fetch("models.json", { cache: "no-cache" });
		if (!resp.ok) {
			throw new Error("models.json: HTTP " + resp.status);
		}
		const list = await resp.json();
		timing.reached("models-list");
		return list;
	}

	// verifiedSHA is the sha256 of each model file (ArrayBuffer) this page has verified.
	const verifiedSHA = new WeakMap();

	// The list of models is asked for as soon as this script runs; the UI's first loadModels takes it.
	let modelsList = fetchModelsList();
	modelsList.catch(() => {});

	// buildModels is this build's list of models, which index.html carries: the UI starts with it while
	// models.json, the list the host serves now (it may add models), is on its way.
	function buildModels() {
		return JSON.parse(document.getElementById("site-models").textContent);
	}

	function loadModels() {
		const list = modelsList || fetchModelsList();
		modelsList = null;
		return list;
	}

	// fetchModel returns {bytes, source: "cache"|"network", verified} (see ModelFile.read). verified is false
	// where crypto.subtle is missing (insecure contexts); the worker then checks the sha256 itself. The model
	// the page starts with is read by the first worker already (see preload): that read is returned, with its
	// progress.
	function fetchModel(entry, onProgress) {
		if (prefetched && prefetched.sha256 === entry.sha256) {
			const got = prefetched;
			prefetched = null;
			got.follow(onProgress);
			return got.result;
		}
		return ModelFile.read(entry, cacheName, cacheKey(entry.sha256), onProgress).then((r) => took(entry, r));
	}

	// took records a model file read for entry (fetchModel's result), here or by the first worker.
	function took(entry, r) {
		if (r.verified) {
			verifiedSHA.set(r.bytes, entry.sha256);
		}
		timing.reached("model-bytes");
		return r;
	}

	function cacheKey(sha256) {
		return new URL("sha256/" + sha256, location.href).href;
	}

	// storeModel keeps a model file (an ArrayBuffer) in the Cache API under its sha256, which it returns.
	async function storeModel(bytes) {
		if (!(globalThis.crypto && crypto.subtle && globalThis.caches)) {
			throw new Error("Keeping your own models needs a secure page: open this page over https, or from localhost.");
		}
		const sha256 = await ModelFile.sha256hex(bytes);
		const cache = await caches.open(cacheName);
		await cache.put(cacheKey(sha256), new Response(bytes));
		return sha256;
	}

	async function forgetModel(sha256) {
		if (globalThis.caches) {
			const cache = await caches.open(cacheName);
			await cache.delete(cacheKey(sha256));
		}
	}

	// ownModels and saveOwnModels read and write the list of the person's models (JSON that Go writes).
	function ownModels() {
		try {
			return localStorage.getItem(ownModelsKey) || "[]";
		} catch (e) {
			return "[]";
		}
	}

	function saveOwnModels(json) {
		try {
			localStorage.setItem(ownModelsKey, json);
		} catch (e) {
			// Storage is off (private mode): the models last until the page is closed.
		}
	}

	// convertModel turns a file into a model file in a worker of its own, which runs the conversion's own
	// program (convert.wasm, see wasm/convert), and ends that worker afterwards, so that the memory of the
	// conversion goes back to the system.
	async function convertModel(file, int8, onProgress) {
		const w = new InferenceWorker((w, message) => w.stop("The conversion failed: " + message), files.convert);
		try {
			return await w.request({ type: "convert", file, int8 }, [], (msg) => onProgress(msg.stage, msg.done, msg.total));
		} finally {
			w.stop("The conversion was stopped.");
		}
	}

	// readFile and readHead take the read index.html started for a file given before the UI ran, if any.
	async function readFile(file) {
		timing.mark("first-image");
		const early = boot.reads && boot.reads.get(file);
		if (early) {
			boot.reads.delete(file);
			return new Uint8Array(await early);
		}
		return new Uint8Array(await file.arrayBuffer());
	}

	async function readHead(file, n) {
		const early = boot.reads && boot.reads.get(file);
		return new Uint8Array(early ? (await early).slice(0, n) : await file.slice(0, n).arrayBuffer());
	}

	// decode decodes an image file into an ImageBitmap, EXIF orientation applied.
	async function decode(blob) {
		try {
			return await createImageBitmap(blob, { imageOrientation: "from-image" });
		} catch (e) {
			throw new Error("The browser could not decode it: the file is corrupt or in a format it does not read.");
		}
	}

	// crop draws the rectangle (x, y, w, h) of bitmap at size x size over white and returns the RGBA bytes.
	function crop(bitmap, x, y, w, h, size) {
		const canvas = new OffscreenCanvas(size, size);
		const ctx = canvas.getContext("2d", { willReadFrequently: true });
		ctx.fillStyle = "#fff";
		ctx.fillRect(0, 0, size, size);
		ctx.imageSmoothingEnabled = true;
		ctx.imageSmoothingQuality = "high";
		ctx.drawImage(bitmap, x, y, w, h, 0, 0, size, size);
		const data = ctx.getImageData(0, 0, size, size).data.buffer;
		timing.mark("first-pixels");
		return data;
	}

	// program is app.wasm (the page's Go program: the UI here, an inference worker in each worker) compiled
	// once, started by index.html's first script (here if that could not start it); the UI instantiates it
	// (index.html) and every worker is sent the Module (a WebAssembly.Module can be posted to a worker), so
	// nothing fetches or compiles it twice. A worker is sent null where compiling failed, and then compiles it
	// itself.
	const boot = globalThis.InceptionWebBoot || {}; // what index.html started before this script arrived
	const program = (boot.program || WebAssembly.compileStreaming((boot.fetchProgram || fetch)(files.wasm)))
		.then((m) => { timing.mark("wasm-compiled"); return m; });
	const workerModule = program.catch(() => null);

	// InferenceWorker is one inference worker (a Go instance of its own): requests by id. programFile, if given,
	// is another Go program for it to run (the conversion's).
	class InferenceWorker {
		constructor(onCrash, programFile) {
			this.nextID = 1;
			this.pending = new Map();
			this.busy = false;
			this.ready = false; // holds the pool's current model
			this.timing = timing.worker();
			if (boot.worker && !programFile) { // the first inference worker, started by index.html
				this.worker = boot.worker;
				this.timing.spawn = boot.at;
				boot.worker = null;
			} else {
				this.worker = new Worker(files.workerScript, { name: JSON.stringify({ files, kernels: !programFile }) });
			}
			this.worker.onmessage = (e) => this.receive(e.data);
			this.worker.onerror = (e) => this.onCrash(this, e.message || "the worker failed");
			this.onCrash = onCrash;
			if (programFile) {
				this.worker.postMessage({ type: "init", files, program: programFile });
				return;
			}
			this.initPosted = workerModule.then((module) => {
				this.timing.initPosted = performance.now();
				try {
					this.worker.postMessage({ type: "init", files, module });
				} catch (e) {
					this.worker.postMessage({ type: "init", files }); // a browser that cannot post a Module
				}
			});
		}

		receive(msg) {
			if (msg.type === "crashed") {
				this.onCrash(this, msg.message);
				return;
			}
			if (msg.type === "boot") {
				this.timing.boot = msg.times;
				return;
			}
			if (msg.type === "model-bytes") {
				(this.onModelBytes || (() => {}))(msg);
				this.onModelBytes = this.onModelProgress = null;
				return;
			}
			if (msg.type === "model-progress") {
				(this.onModelProgress || (() => {}))(msg.n, msg.total);
				return;
			}
			const p = this.pending.get(msg.id);
			if (!p) {
				return;
			}
			if (msg.type === "progress") {
				p.progress(msg);
				return;
			}
			this.pending.delete(msg.id);
			if (msg.type === "error") {
				p.reject(new Error(msg.message));
			} else {
				p.resolve(msg);
			}
		}

		request(msg, transfer, progress) {
			msg.id = this.nextID++;
			return new Promise((resolve, reject) => {
				this.pending.set(msg.id, { resolve, reject, progress: progress || (() => {}) });
				this.worker.postMessage(msg, transfer);
			});
		}

		stop(message) {
			this.worker.terminate();
			this.ready = false;
			for (const p of this.pending.values()) {
				p.reject(new Error(message));
			}
			this.pending.clear();
		}
	}

	// The first inference worker starts with the page, before the UI runs: its start (Go's runtime, the SIMD
	// kernels) overlaps the UI's. The first pool takes it (takeWorker).
	let spare = new InferenceWorker((w) => w.stop("The worker stopped before it was used."));
	// uiProgram is the program for the UI, once the first worker has been sent it: that worker's start is what
	// the page's start waits for, so the UI's instantiation (~40 ms of this thread) comes after the message.
	const uiProgram = Promise.all([program, spare.initPosted]).then(([m]) => m);

	function takeWorker(onCrash) {
		const w = spare || new InferenceWorker(onCrash);
		spare = null;
		w.onCrash = onCrash;
		return w;
	}

	// gpuMode is where float models run: "auto" (WebGPU on a hardware adapter), "gpu" (any adapter, even a CPU
	// one such as SwiftShader) or "cpu" (the wasm kernels). ?gpu= sets it for the visit, the page's picker for
	// good (setGPUMode). hasGPU says whether the browser has WebGPU at all (the picker shows only then).
	const gpuKey = "inceptionweb.gpu";
	const stored = (key) => { try { return localStorage.getItem(key); } catch (e) { return null; } };
	let gpuMode = query.get("gpu") || stored(gpuKey) || "auto";
	const hasGPU = !!navigator.gpu;
	function getGPUMode() {
		return gpuMode;
	}
	function setGPUMode(mode) {
		gpuMode = mode;
		try {
			localStorage.setItem(gpuKey, mode);
		} catch (e) {
			// storage is off: the choice holds for this visit
		}
	}

	// preload has the first worker read the model the page will start with (from the Cache API on a warm
	// visit, else downloaded and kept there), check its sha256 and load it while the UI is still starting; the
	// worker sends the page a copy of the verified bytes and the download's progress. The model is the one the
	// UI picks (root.go's start: ?model=NAME, else the default of models.json, else its first); the UI's
	// fetchModel and the pool's first load take what was done here, and do it themselves when nothing was.
	let prefetched = null; // {sha256, result: fetchModel's promise, follow(onProgress)}
	function preload() {
		if (!(globalThis.caches && globalThis.crypto && crypto.subtle)) {
			return;
		}
		const list = buildModels();
		const asked = query.get("model");
		const entry = asked ? list.find((m) => m.name === asked) : (list.find((m) => m.default) || list[0]);
		const w = spare;
		if (!entry || !entry.url || !w) {
			return;
		}
		let gotBytes;
		const bytes = new Promise((resolve) => { gotBytes = resolve; });
		let progress = null; // the latest [n, total], and who follows it
		let follower = () => {};
		w.onModelBytes = (msg) => { w.timing.read = msg.times; gotBytes(msg); };
		w.onModelProgress = (n, total) => { progress = [n, total]; follower(n, total); };
		w.timing.loadStart = performance.now();
		const reply = w.request({
			type: "preload", name: entry.name, cacheName, key: cacheKey(entry.sha256), script: files.modelFile, timing: timing.digest, gpu: gpuMode,
			entry: { title: entry.title, file: entry.file, url: entry.url, sha256: entry.sha256, bytes: entry.bytes },
		}, []).then((r) => { w.timing.loadEnd = performance.now(); w.timing.load = r.timing; return r; });
		reply.catch(() => gotBytes(null));
		w.holds = { sha256: entry.sha256, reply };
		prefetched = {
			sha256: entry.sha256,
			follow(onProgress) {
				follower = onProgress;
				if (progress) {
					onProgress(...progress);
				}
			},
			result: bytes.then((msg) => {
				if (!msg || !msg.bytes) {
					// The worker could not read it (or went away): the page reads it itself, and says why if it fails.
					return ModelFile.read(entry, cacheName, cacheKey(entry.sha256), (n, total) => follower(n, total))
						.then((r) => took(entry, r));
				}
				return took(entry, { bytes: msg.bytes, source: msg.source, verified: true });
			}),
		};
	}
	try {
		preload();
	} catch (e) {
		// The UI reads the model itself then; the start is slower, so say why.
		console.warn("The first worker could not read the start model ahead of the UI:", e);
	}

	// workerCount is the pool size the page starts with: ?workers=N, else one per core, at most maxWorkers.
	const maxWorkers = 4;
	function workerCount() {
		const asked = parseInt(new URLSearchParams(location.search).get("workers"), 10);
		if (asked >= 1) {
			return Math.min(asked, 16);
		}
		return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, maxWorkers));
	}

	// Pool is the page's inference workers, each holding the whole model. Jobs go to the next free worker
	// that holds the model, in the order they came. The model file is fetched once, kept here and copied to
	// each worker. A model load resolves as soon as the first worker holds the model, so the page answers
	// with one worker while the others start: they are started and loaded one after another in the background
	// (onWorkers(ready, size) reports each), so they do not slow the first one down. A worker that crashes is
	// replaced and given the model again; its image fails, the others carry on. With 2+ workers and a network
	// that splits (InceptionV3 and GoogLeNet, float or int8), each worker also holds a part of the split
	// network, and once every worker holds its part a lone image runs on all of them at once (classifyPart; the
	// workers swap their results through MessagePorts of their own); a crash then stops every job and the page
	// loads the model again (onCrash's recovered false).
	class Pool {
		constructor(size, onCrash, onWorkers) {
			this.onCrash = onCrash;
			this.onWorkers = onWorkers || (() => {});
			this.size = size;
			this.workers = [this.newWorker()];
			this.queue = []; // waiting jobs: {split, run(workers)}
			this.model = null; // {name, bytes, sha256}
			this.loading = Promise.resolve();
			this.held = 0; // model loads and resizes waiting or under way
			this.split = false;
			this.gen = 0; // counts model loads; a background load of an older one stops
			currentPool = this;
		}

		newWorker() {
			return takeWorker((w, message) => this.crash(w, message));
		}

		readyCount() {
			return this.workers.filter((w) => w.ready).length;
		}

		// crash replaces a dead worker. Its job fails; the replacement is given the model in the background.
		// Split across workers, every job in flight fails (a split image needs every worker) and the page
		// reloads the model.
		crash(dead, message) {
			const i = this.workers.indexOf(dead);
			if (i < 0) {
				return;
			}
			const text = "The classifier crashed (" + message + ") and was restarted.";
			const wasReady = dead.ready;
			dead.stop(text);
			dead.busy = false;
			const w = this.newWorker();
			this.workers[i] = w;
			if (this.split || !this.model || !wasReady) {
				for (const other of this.workers) {
					other.pending.forEach((p) => p.reject(new Error(text)));
					other.pending.clear();
					other.busy = false;
					other.ready = false;
				}
				this.model = null;
				this.split = false;
				this.gen++;
				this.onWorkers(0, this.size);
				this.onCrash(String(message), false);
				return;
			}
			this.onWorkers(this.readyCount(), this.size);
			this.onCrash(String(message), true);
			this.loadInto(w, this.model, this.gen, i, null).catch(() => {});
		}

		// idle is the number of free workers that hold the model (while no model load is under way).
		idle() {
			return this.model && this.held === 0 ? this.workers.filter((w) => w.ready && !w.busy).length : 0;
		}

		// load hands a model file to the workers (after the jobs in flight finish) and resolves with the first
		// worker's reply.
		load(name, bytes, sha256) {
			return this.hold(() => this.loadAll({ name, bytes, sha256 }));
		}

		// resize changes the number of workers and gives the new set the current model.
		resize(n) {
			return this.hold(() => {
				for (const w of this.workers) {
					w.stop("The workers were replaced.");
				}
				this.size = n;
				this.workers = [this.newWorker()];
				return this.model ? this.loadAll(this.model) : null;
			});
		}

		// hold runs change once the jobs in flight have finished; webcam frames wait for it (idle is 0) and
		// new images queue behind it.
		hold(change) {
			this.held++;
			const done = this.loading.then(() => this.drain()).then(change).finally(() => this.held--);
			this.loading = done.catch(() => {});
			return done;
		}

		async drain() {
			while (this.workers.some((w) => w.busy) || this.queue.length > 0) {
				await new Promise((r) => setTimeout(r, 10));
			}
		}

		// loadInto gives worker w (part i of the pool) the model; it is busy meanwhile, so that a later
		// model load waits for it.
		async loadInto(w, model, gen, i, peers) {
			const bytes = model.bytes.slice(0);
			const ports = peers || new Array(this.size).fill(null);
			w.holds = null; // whatever it preloaded is replaced
			w.busy = true;
			w.timing.loadStart = performance.now();
			try {
				const reply = await w.request({
					type: "load", name: model.name, bytes, sha256: model.sha256, verified: !model.sha256,
					part: i, parts: peers ? this.size : 1, peers: ports, timing: timing.digest, gpu: gpuMode,
				}, [bytes, ...ports.filter((p) => p)]);
				w.timing.loadEnd = performance.now();
				w.timing.load = reply.timing;
				w.hasPart = !!(peers && reply.split);
				if (gen === this.gen && this.workers.includes(w)) {
					w.ready = true;
					this.onWorkers(this.readyCount(), this.size);
				}
				return reply;
			} finally {
				w.busy = false;
				this.pump();
			}
		}

		async loadAll(model) {
			this.model = null;
			this.split = false;
			const gen = ++this.gen;
			for (const w of this.workers) {
				w.ready = false;
			}
			this.onWorkers(0, this.size);
			const n = this.size;
			// ports[i][k] is worker i's end of the channel to worker k (for a split network).
			const ports = Array.from({ length: n }, () => new Array(n).fill(null));
			if (n > 1) {
				for (let i = 0; i < n; i++) {
					for (let k = i + 1; k < n; k++) {
						const ch = new MessageChannel();
						ports[i][k] = ch.port1;
						ports[k][i] = ch.port2;
					}
				}
			}
			const w0 = this.workers[0];
			let first = null;
			if (w0.holds && w0.holds.sha256 === verifiedSHA.get(model.bytes)) { // preloaded while the UI started
				const held = w0.holds;
				w0.holds = null;
				w0.busy = true;
				first = await held.reply.catch(() => null);
				w0.busy = false;
				if (first && gen === this.gen) {
					w0.ready = true;
					w0.hasPart = false;
					this.onWorkers(this.readyCount(), this.size);
				}
			}
			if (!first) {
				first = await this.loadInto(w0, model, gen, 0, ports[0]);
			}
			this.model = model;
			timing.reached("ready");
			setTimeout(keepOffline, 2000); // after the first answers, usually
			first.split = false; // not before every worker holds its part
			this.pump();
			if (n > 1) {
				this.loadRest(model, gen, ports);
			} else {
				timing.reached("workers-ready");
			}
			return first;
		}

		// loadRest starts the pool's other workers one after another and gives each the model (and its part
		// of a split network); worker 0 gets its part last if it was loaded without one.
		async loadRest(model, gen, ports) {
			// The others start when they are needed: when a job waits for a worker, or once the first worker
			// has been idle for a moment (after the first answers), so that they do not slow it down.
			const w0 = this.workers[0];
			let idleSince = null;
			while (gen === this.gen && this.queue.length === 0) {
				idleSince = w0.busy ? null : (idleSince ?? performance.now());
				if (idleSince !== null && performance.now() - idleSince >= 300) {
					break;
				}
				await new Promise((r) => setTimeout(r, 50));
			}
			const splits = [];
			for (let i = 1; i < this.size; i++) {
				if (gen !== this.gen) {
					return;
				}
				if (!this.workers[i]) {
					this.workers[i] = this.newWorker();
				}
				try {
					splits.push(!!(await this.loadInto(this.workers[i], model, gen, i, ports[i])).split);
				} catch (e) {
					splits.push(false); // the worker crashed while loading: the pool runs without it
				}
			}
			let split = splits.every((s) => s);
			if (split && !w0.hasPart) {
				while (w0.busy && gen === this.gen) {
					await new Promise((r) => setTimeout(r, 10));
				}
				if (gen !== this.gen) {
					return;
				}
				split = await this.loadInto(w0, model, gen, 0, ports[0]).then((r) => !!r.split, () => false);
			}
			if (gen === this.gen) {
				this.split = split;
				timing.reached("workers-ready");
				this.onWorkers(this.readyCount(), this.size, split);
			}
		}

		// classify runs one image on the next free worker, or on all of them when alone is true and the model
		// is split (a lone image finishes sooner that way). extras ({features, cam}) asks the worker for more
		// than the predictions (see the worker's classify); an image that needs its features runs on one worker,
		// and a split image comes back without its cam.
		async classify(pixels, size, topK, alone, extras) {
			await this.loading;
			if (!this.model) {
				throw new Error("no model is loaded");
			}
			extras = extras || {};
			const split = alone && this.split && this.workers.length > 1 && !extras.features; // a split image has no cam
			return new Promise((resolve, reject) => {
				this.queue.push({
					split,
					run: (workers) => {
						timing.mark("first-job");
						const jobs = workers.map((w, i) => {
							const px = i === workers.length - 1 ? pixels : pixels.slice(0);
							return w.request(Object.assign({ type: split ? "classifyPart" : "classify", pixels: px, size, topK }, extras), [px]);
						});
						return Promise.all(jobs).then((replies) => {
							timing.firstWorkerMs(replies[0].ms);
							timing.reached("first-answer");
							return Object.assign(replies[0], { workers: workers.length });
						});
					},
					resolve,
					reject,
				});
				this.pump();
			});
		}

		// tryClassify runs a webcam frame on a free worker now, or returns null: frames never wait in line.
		tryClassify(pixels, size, topK, extras) {
			const w = this.idle() > 0 && this.queue.length === 0 && this.workers.find((w) => w.ready && !w.busy);
			if (!w) {
				return null;
			}
			return this.start([w], () => w.request(Object.assign({ type: "classify", pixels, size, topK }, extras), [pixels]));
		}

		// pump starts waiting jobs while there are free workers for them, in order.
		pump() {
			while (this.model && this.queue.length > 0) {
				const job = this.queue[0];
				if (job.split && !this.split) {
					job.split = false; // a worker went away since: run it whole
				}
				const free = this.workers.filter((w) => w.ready && !w.busy);
				const want = job.split ? this.workers.length : 1;
				if (free.length < want) {
					return;
				}
				this.queue.shift();
				const workers = job.split ? this.workers : [free[0]];
				this.start(workers, () => job.run(workers)).then(job.resolve, job.reject);
			}
		}

		start(workers, run) {
			for (const w of workers) {
				w.busy = true;
			}
			const free = () => {
				for (const w of workers) {
					w.busy = false;
				}
				this.pump();
			};
			const p = run();
			p.then(free, free);
			return p;
		}

		// stats is each worker's wasm memory in bytes (for tests that watch memory over many images).
		stats() {
			return Promise.all(this.workers.map((w) => w.request({ type: "stats" }, []).then((r) => r.memory, () => 0)));
		}
	}

	// currentPool is the page's pool (the last one made), for stats.
	let currentPool = null;

	// stats is the wasm memory of the page's UI and of each inference worker, in bytes.
	async function stats() {
		return {
			ui: globalThis.InceptionWeb && InceptionWeb.uiMemory ? InceptionWeb.uiMemory.buffer.byteLength : 0,
			workers: currentPool ? await currentPool.stats() : [],
			workersReady: currentPool ? currentPool.readyCount() : 0,
		};
	}

	// cameraError turns a getUserMedia failure into a message a person can act on, and a short code.
	function cameraError(e) {
		const err = (code, message) => Object.assign(new Error(message), { code });
		switch (e && e.name) {
			case "NotAllowedError":
			case "SecurityError":
				return err("denied", "Permission to use the camera was denied. Allow the camera for this site in the browser's settings, then start it again.");
			case "NotFoundError":
			case "OverconstrainedError":
				return err("none", "No camera was found. Connect one and start again.");
			case "NotReadableError":
			case "AbortError":
				return err("busy", "The camera is busy: another application or tab is using it. Close that one and start again.");
		}
		return err("failed", "The camera could not start: " + (e && e.message ? e.message : e));
	}

	// Camera classifies the live video of a camera on the pool's free workers. It always takes the newest
	// frame: a frame is grabbed only when a worker is free, never queued, and an answer older than the one
	// shown is dropped (with several workers, answers can overtake each other). It pauses while the tab is
	// hidden and lets the camera go when stopped or when the page goes away.
	//
	// opts: {video: HTMLVideoElement, pool, topK, cropOf(w, h) -> [x, y, cw, ch, size] (the model's crop of a
	// w x h frame, from Go; null before a model is loaded), onResult(predictions), onFps(fps), onPause(hidden)}.
	class Camera {
		constructor(opts) {
			Object.assign(this, opts);
			this.stream = null;
			this.seq = 0; // frames sent
			this.shownSeq = 0; // the newest frame whose answer is shown
			this.shown = null; // {canvas, predictions} of that frame, for freeze
			this.fresh = false; // the video has a frame not yet sent
			this.times = []; // when answers were shown, for the frame rate
			this.hidden = document.hidden;
			this.onVisibility = () => {
				this.hidden = document.hidden;
				this.onPause(this.hidden);
				this.pump();
			};
			this.onPageHide = () => this.stop();
		}

		// start opens the camera (deviceId, or the default one) and resolves with the list of cameras.
		async start(deviceId) {
			if (!globalThis.isSecureContext || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
				throw Object.assign(new Error("The camera needs a secure page: open this page over https, or from localhost."), { code: "insecure" });
			}
			const video = { width: { ideal: 640 }, height: { ideal: 480 } };
			if (deviceId) {
				video.deviceId = { exact: deviceId };
			}
			try {
				this.stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
			} catch (e) {
				throw cameraError(e);
			}
			this.video.srcObject = this.stream;
			this.video.muted = true;
			await this.video.play().catch(() => {});
			document.addEventListener("visibilitychange", this.onVisibility);
			addEventListener("pagehide", this.onPageHide);
			this.running = true;
			this.watchFrames();
			this.fpsTimer = setInterval(() => this.onFps(this.fps()), 500);
			const devices = await navigator.mediaDevices.enumerateDevices();
			const current = this.stream.getVideoTracks()[0].getSettings().deviceId || "";
			return {
				current,
				cameras: devices.filter((d) => d.kind === "videoinput").map((d, i) => ({ id: d.deviceId, label: d.label || "Camera " + (i + 1) })),
			};
		}

		stop() {
			if (!this.running) {
				return;
			}
			this.running = false;
			clearInterval(this.fpsTimer);
			document.removeEventListener("visibilitychange", this.onVisibility);
			removeEventListener("pagehide", this.onPageHide);
			for (const t of this.stream.getTracks()) {
				t.stop();
			}
			this.video.srcObject = null;
			this.stream = null;
			this.times = [];
		}

		// watchFrames marks each new video frame as fresh and offers it to the pool.
		watchFrames() {
			const next = () => {
				if (!this.running) {
					return;
				}
				if (this.video.requestVideoFrameCallback) {
					this.video.requestVideoFrameCallback(next);
				} else {
					setTimeout(next, 15);
				}
				this.fresh = true;
				this.pump();
			};
			next();
		}

		// pump sends the newest frame to a free worker, if there is one and the frame was not sent yet.
		pump() {
			while (this.running && this.fresh && !this.hidden && this.video.videoWidth > 0 && this.pool.idle() > 0) {
				const w = this.video.videoWidth, h = this.video.videoHeight;
				const rect = this.cropOf(w, h);
				if (!rect) {
					return;
				}
				const [x, y, cw, ch, size] = rect;
				const frame = new OffscreenCanvas(w, h);
				frame.getContext("2d").drawImage(this.video, 0, 0, w, h);
				const pixels = crop(frame, x, y, cw, ch, size);
				const job = this.pool.tryClassify(pixels, size, this.topK, { cam: true });
				if (!job) {
					return;
				}
				this.fresh = false;
				const seq = ++this.seq;
				const stream = this.stream;
				job.then((reply) => {
					if (this.stream !== stream || seq < this.shownSeq) {
						return; // stopped since, or a newer frame's answer is already shown
					}
					this.shownSeq = seq;
					this.shown = { canvas: frame, predictions: reply.predictions, ms: reply.ms, crop: [x, y, cw, ch], cam: reply.cam };
					this.times.push(performance.now());
					this.onResult(reply.predictions);
				}, () => {}).finally(() => this.pump());
			}
		}

		// fps is the number of answers shown in the last two seconds, per second.
		fps() {
			const now = performance.now();
			this.times = this.times.filter((t) => now - t <= 2000);
			if (this.hidden || this.times.length < 2) {
				return 0;
			}
			return (this.times.length - 1) / ((this.times[this.times.length - 1] - this.times[0]) / 1000);
		}

		// freeze returns the frame whose answer is shown as a JPEG, with its crop and all its predictions.
		async freeze() {
			if (!this.shown) {
				throw new Error("no frame has been classified yet");
			}
			const { canvas, predictions, ms, crop, cam } = this.shown;
			const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.9 });
			return { url: URL.createObjectURL(blob), width: canvas.width, height: canvas.height, crop, predictions, ms, cam };
		}
	}

	// thumbnail draws the rectangle (x, y, w, h) of bitmap at size x size and resolves with a blob URL of it as
	// a JPEG: what a dataset inspection keeps of each image. It draws before it returns (the bitmap may be
	// closed then) and encodes later.
	async function thumbnail(bitmap, x, y, w, h, size) {
		const canvas = new OffscreenCanvas(size, size);
		const ctx = canvas.getContext("2d");
		ctx.fillStyle = "#fff";
		ctx.fillRect(0, 0, size, size);
		ctx.imageSmoothingEnabled = true;
		ctx.imageSmoothingQuality = "high";
		ctx.drawImage(bitmap, x, y, w, h, 0, 0, size, size);
		return URL.createObjectURL(await canvas.convertToBlob({ type: "image/jpeg", quality: 0.8 }));
	}

	// save offers bytes (a Uint8Array) as a download named name.
	function save(name, bytes, type) {
		const url = URL.createObjectURL(new Blob([bytes], { type }));
		const a = document.createElement("a");
		a.href = url;
		a.download = name;
		document.body.appendChild(a);
		a.click();
		a.remove();
		setTimeout(() => URL.revokeObjectURL(url), 60000);
	}

	// droppedFolders reads the folders (and files) dropped on the page: one {name, files: [{file, path}]} per
	// dropped folder, path relative to it; loose files come as one collection named "dropped files". It must be
	// called while the drop event is being handled (the items go away afterwards); it resolves later.
	function droppedFolders(dataTransfer) {
		const entries = Array.from(dataTransfer.items || [], (it) => it.webkitGetAsEntry && it.webkitGetAsEntry()).filter((e) => e);
		const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));
		const list = (dir) => new Promise((resolve, reject) => {
			const reader = dir.createReader();
			const all = [];
			const more = () => reader.readEntries((batch) => {
				if (batch.length === 0) {
					resolve(all);
					return;
				}
				all.push(...batch);
				more();
			}, reject);
			more();
		});
		const walk = async (entry, prefix, out) => {
			if (entry.isFile) {
				out.push({ file: await fileOf(entry), path: prefix + entry.name });
				return;
			}
			for (const child of await list(entry)) {
				await walk(child, prefix + entry.name + "/", out);
			}
		};
		return (async () => {
			const folders = [];
			const loose = [];
			for (const e of entries) {
				if (e.isDirectory) {
					const files = [];
					for (const child of await list(e)) {
						await walk(child, "", files);
					}
					folders.push({ name: e.name, files });
				} else {
					await walk(e, "", loose);
				}
			}
			if (loose.length > 0) {
				folders.push({ name: "dropped files", files: loose });
			}
			return folders;
		})();
	}

	// keepOffline registers the service worker (sw.js, next to the page), which keeps the site's files so that
	// the page works with no network after this visit. It runs a little after the page is ready (or after a
	// few seconds), so that its copying does not slow the start down. Service workers need a secure page (https,
	// or localhost); elsewhere the page simply needs the network.
	let offlineAsked = false;
	function keepOffline() {
		if (offlineAsked || !globalThis.isSecureContext || !("serviceWorker" in navigator)) {
			return;
		}
		offlineAsked = true;
		navigator.serviceWorker.register("sw.js").catch(() => {});
	}
	setTimeout(keepOffline, 8000);

	// startModel is the model the address asks for (?model=NAME), or "".
	function startModel() {
		return query.get("model") || "";
	}

	return {
		timing, startModel, files, uiProgram, buildModels, loadModels, fetchModel, storeModel, forgetModel, ownModels, saveOwnModels, convertModel, readFile, readHead,
		decode, crop, workerCount, maxWorkers, Pool, Camera, stats, thumbnail, save, droppedFolders, hasGPU, getGPUMode, setGPUMode,
	};
})();

// app.js is the page's glue to browser APIs that the Go UI (ui.wasm) calls through syscall/js: model
// download with progress, sha256 verification and the Cache API; the person's own models (converted in a
// worker of their own, kept in the Cache API and listed in localStorage); image decoding and cropping; the
// pool of inference workers, each restarted when it dies; and the webcam. Go decides (which rectangle to crop,
// which file is a model); this file only does what it is told. Everything returns promises; Go awaits them off
// the event loop.
"use strict";

globalThis.InceptionWeb = (() => {
	const files = JSON.parse(document.getElementById("site-files").textContent);
	const cacheName = "inceptionweb-models-v1";
	const ownModelsKey = "inceptionweb-own-models-v1";

	async function sha256hex(buf) {
		const digest = await crypto.subtle.digest("SHA-256", buf);
		return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
	}

	async function loadModels() {
		const resp = await fetch("models.json", { cache: "no-cache" });
		if (!resp.ok) {
			throw new Error("models.json: HTTP " + resp.status);
		}
		return resp.json();
	}

	// fetchModel returns {bytes, source: "cache"|"network", verified}. verified is false where crypto.subtle
	// is missing (insecure contexts); the worker then checks the sha256 itself.
	async function fetchModel(entry, onProgress) {
		const canVerify = !!(globalThis.crypto && crypto.subtle);
		const key = cacheKey(entry.sha256);
		let cache = null;
		if (canVerify && globalThis.caches) {
			cache = await caches.open(cacheName).catch(() => null);
		}
		if (cache) {
			const hit = await cache.match(key);
			if (hit) {
				const buf = await hit.arrayBuffer();
				if ((await sha256hex(buf)) === entry.sha256) {
					return { bytes: buf, source: "cache", verified: true };
				}
				await cache.delete(key);
			}
		}
		if (!entry.url) {
			throw new Error(`${entry.title} is no longer kept in this browser: add the file again.`);
		}
		let resp;
		try {
			resp = await fetch(entry.url);
		} catch (e) {
			throw new Error(`Downloading the model ${entry.title} failed: ${e.message}`);
		}
		if (!resp.ok) {
			throw new Error(`Downloading the model ${entry.title} failed: HTTP ${resp.status} for ${entry.url}`);
		}
		const buf = new Uint8Array(entry.bytes);
		const reader = resp.body.getReader();
		let n = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) {
				break;
			}
			if (n + value.length > buf.length) {
				reader.cancel();
				throw new Error(`The model file ${entry.file} is corrupted: it is larger than ${entry.bytes} bytes`);
			}
			buf.set(value, n);
			n += value.length;
			onProgress(n, buf.length);
		}
		if (n !== buf.length) {
			throw new Error(`The model file ${entry.file} is corrupted: ${n} bytes, want ${entry.bytes}`);
		}
		if (canVerify) {
			const got = await sha256hex(buf);
			if (got !== entry.sha256) {
				throw new Error(`The model file ${entry.file} is corrupted: its sha256 is ${got.slice(0, 12)}…, want ${entry.sha256.slice(0, 12)}…`);
			}
			if (cache) {
				await cache.put(key, new Response(buf)).catch(() => {});
			}
		}
		return { bytes: buf.buffer, source: "network", verified: canVerify };
	}

	function cacheKey(sha256) {
		return new URL("sha256/" + sha256, location.href).href;
	}

	// storeModel keeps a model file (an ArrayBuffer) in the Cache API under its sha256, which it returns.
	async function storeModel(bytes) {
		if (!(globalThis.crypto && crypto.subtle && globalThis.caches)) {
			throw new Error("Keeping your own models needs a secure page: open this page over https, or from localhost.");
		}
		const sha256 = await sha256hex(bytes);
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

	// convertModel turns a file into a model file in a worker of its own (see the worker's "convert"), and
	// ends that worker afterwards, so that the memory of the conversion goes back to the system.
	async function convertModel(file, int8, onProgress) {
		const w = new InferenceWorker((w, message) => w.stop("The conversion failed: " + message));
		try {
			return await w.request({ type: "convert", file, int8 }, [], (msg) => onProgress(msg.stage, msg.done, msg.total));
		} finally {
			w.stop("The conversion was stopped.");
		}
	}

	async function readFile(file) {
		return new Uint8Array(await file.arrayBuffer());
	}

	async function readHead(file, n) {
		return new Uint8Array(await file.slice(0, n).arrayBuffer());
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
		return ctx.getImageData(0, 0, size, size).data.buffer;
	}

	// InferenceWorker is one inference worker (a Go instance of its own): requests by id.
	class InferenceWorker {
		constructor(onCrash) {
			this.nextID = 1;
			this.pending = new Map();
			this.busy = false;
			this.worker = new Worker(files.workerScript);
			this.worker.onmessage = (e) => this.receive(e.data);
			this.worker.onerror = (e) => onCrash(this, e.message || "the worker failed");
			this.onCrash = onCrash;
			this.worker.postMessage({ type: "init", files });
		}

		receive(msg) {
			if (msg.type === "crashed") {
				this.onCrash(this, msg.message);
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
			for (const p of this.pending.values()) {
				p.reject(new Error(message));
			}
			this.pending.clear();
		}
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

	// Pool is the page's inference workers, each holding the whole model. Jobs go to the next free worker in
	// the order they came. The model file is fetched once, kept here and copied to each worker (new workers
	// of a resize get it from here too; after a crash the page loads the model again). With 2+ workers and InceptionV3, each worker also holds a part
	// of the split network, and a lone image runs on all of them at once (classifyPart; the workers swap
	// channels through MessagePorts of their own).
	class Pool {
		constructor(size, onCrash) {
			this.onCrash = onCrash;
			this.workers = [];
			this.queue = []; // waiting jobs: {split, run(workers)}
			this.model = null; // {name, bytes, sha256}
			this.loading = Promise.resolve();
			this.held = 0; // model loads and resizes waiting or under way
			this.split = false;
			for (let i = 0; i < size; i++) {
				this.workers.push(this.newWorker());
			}
		}

		newWorker() {
			return new InferenceWorker((w, message) => this.crash(w, message));
		}

		// crash replaces a dead worker. Every job in flight fails (a split image needs every worker), and
		// the page reloads the model.
		crash(dead, message) {
			const i = this.workers.indexOf(dead);
			if (i < 0) {
				return;
			}
			for (const w of this.workers) {
				if (w !== dead) {
					w.pending.forEach((p) => p.reject(new Error("The classifier crashed (" + message + ") and was restarted.")));
					w.pending.clear();
					w.busy = false;
				}
			}
			dead.stop("The classifier crashed (" + message + ") and was restarted.");
			this.workers[i] = this.newWorker();
			this.model = null;
			this.onCrash(String(message));
		}

		// idle is the number of free workers (while no model load is under way).
		idle() {
			return this.model && this.held === 0 ? this.workers.filter((w) => !w.busy).length : 0;
		}

		// load hands a model file to every worker (after the jobs in flight finish) and resolves with the first
		// worker's reply, split set when the pool can split one image.
		load(name, bytes, sha256) {
			return this.hold(() => this.loadAll({ name, bytes, sha256 }));
		}

		// resize changes the number of workers and gives the new set the current model.
		resize(n) {
			return this.hold(() => {
				for (const w of this.workers) {
					w.stop("The workers were replaced.");
				}
				this.workers = [];
				for (let i = 0; i < n; i++) {
					this.workers.push(this.newWorker());
				}
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

		async loadAll(model) {
			this.model = null;
			const n = this.workers.length;
			// ports[i][k] is worker i's end of the channel to worker k.
			const ports = this.workers.map(() => new Array(n).fill(null));
			if (n > 1) {
				for (let i = 0; i < n; i++) {
					for (let k = i + 1; k < n; k++) {
						const ch = new MessageChannel();
						ports[i][k] = ch.port1;
						ports[k][i] = ch.port2;
					}
				}
			}
			const replies = await Promise.all(this.workers.map((w, i) => {
				const bytes = model.bytes.slice(0);
				const peers = ports[i].filter((p) => p);
				return w.request({ type: "load", name: model.name, bytes, sha256: model.sha256, part: i, parts: n, peers: ports[i] }, [bytes, ...peers]);
			}));
			this.model = model;
			this.split = replies.every((r) => r.split);
			const first = replies[0];
			first.split = this.split;
			this.pump();
			return first;
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
						const jobs = workers.map((w, i) => {
							const px = i === workers.length - 1 ? pixels : pixels.slice(0);
							return w.request(Object.assign({ type: split ? "classifyPart" : "classify", pixels: px, size, topK }, extras), [px]);
						});
						return Promise.all(jobs).then((replies) => Object.assign(replies[0], { workers: workers.length }));
					},
					resolve,
					reject,
				});
				this.pump();
			});
		}

		// tryClassify runs a webcam frame on a free worker now, or returns null: frames never wait in line.
		tryClassify(pixels, size, topK, extras) {
			const w = this.idle() > 0 && this.queue.length === 0 && this.workers.find((w) => !w.busy);
			if (!w) {
				return null;
			}
			return this.start([w], () => w.request(Object.assign({ type: "classify", pixels, size, topK }, extras), [pixels]));
		}

		// pump starts waiting jobs while there are free workers for them, in order.
		pump() {
			while (this.model && this.queue.length > 0) {
				const job = this.queue[0];
				const free = this.workers.filter((w) => !w.busy);
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

	return {
		files, loadModels, fetchModel, storeModel, forgetModel, ownModels, saveOwnModels, convertModel, readFile, readHead,
		decode, crop, workerCount, maxWorkers, Pool, Camera, thumbnail, save, droppedFolders,
	};
})();

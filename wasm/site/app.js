// app.js is the page's glue to browser APIs that the Go UI (ui.wasm) calls through syscall/js: model
// download with progress, sha256 verification and the Cache API; image decoding and cropping; and the
// inference worker, restarted when it dies. Everything returns promises; Go awaits them off the event loop.
"use strict";

globalThis.InceptionWeb = (() => {
	const files = JSON.parse(document.getElementById("site-files").textContent);
	const cacheName = "inceptionweb-models-v1";

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
		const key = new URL("sha256/" + entry.sha256, location.href).href;
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

	async function readFile(file) {
		return new Uint8Array(await file.arrayBuffer());
	}

	// decode decodes an image file into an ImageBitmap, EXIF orientation applied.
	async function decode(blob) {
		try {
			return await createImageBitmap(blob, { imageOrientation: "from-image" });
		} catch (e) {
			throw new Error("The browser could not decode it: the file is corrupt or in a format it does not read.");
		}
	}

	// crop draws the square (x, y, side) of bitmap at size x size over white and returns the RGBA bytes.
	function crop(bitmap, x, y, side, size) {
		const canvas = new OffscreenCanvas(size, size);
		const ctx = canvas.getContext("2d", { willReadFrequently: true });
		ctx.fillStyle = "#fff";
		ctx.fillRect(0, 0, size, size);
		ctx.imageSmoothingEnabled = true;
		ctx.imageSmoothingQuality = "high";
		ctx.drawImage(bitmap, x, y, side, side, 0, 0, size, size);
		return ctx.getImageData(0, 0, size, size).data.buffer;
	}

	// Classifier owns the inference worker: requests by id, and a new worker when one dies.
	class Classifier {
		constructor(onCrash) {
			this.onCrash = onCrash;
			this.nextID = 1;
			this.pending = new Map();
			this.start();
		}

		start() {
			this.worker = new Worker(files.workerScript);
			this.worker.onmessage = (e) => this.receive(e.data);
			this.worker.onerror = (e) => this.crash(e.message || "the worker failed");
			this.worker.postMessage({ type: "init", files });
		}

		receive(msg) {
			if (msg.type === "crashed") {
				this.crash(msg.message);
				return;
			}
			const p = this.pending.get(msg.id);
			if (!p) {
				return;
			}
			this.pending.delete(msg.id);
			if (msg.type === "error") {
				p.reject(new Error(msg.message));
			} else {
				p.resolve(msg);
			}
		}

		crash(message) {
			this.worker.terminate();
			for (const p of this.pending.values()) {
				p.reject(new Error("The classifier crashed (" + message + ") and was restarted."));
			}
			this.pending.clear();
			this.start();
			this.onCrash(String(message));
		}

		request(msg, transfer) {
			msg.id = this.nextID++;
			return new Promise((resolve, reject) => {
				this.pending.set(msg.id, { resolve, reject });
				this.worker.postMessage(msg, transfer);
			});
		}

		load(name, bytes, sha256) {
			return this.request({ type: "load", name, bytes, sha256 }, [bytes]);
		}

		classify(pixels, size, topK) {
			return this.request({ type: "classify", pixels, size, topK }, [pixels]);
		}
	}

	return { files, loadModels, fetchModel, readFile, decode, crop, Classifier };
})();

// modelfile.js reads one of the site's model files, for the page and for its workers alike: from the Cache
// API when it is kept there, else downloaded (with progress) and then kept; its size and sha256 are checked
// either way. The page's first worker reads the start model with it while the UI is still starting (see
// app.js's preload); the page reads every other model with it.
"use strict";

globalThis.ModelFile = (() => {
	async function sha256hex(buf) {
		const digest = await crypto.subtle.digest("SHA-256", buf);
		return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
	}

	// progressEvery is the shortest time between two progress reports: each one redraws the page.
	const progressEvery = 100; // ms

	// read resolves with {bytes: ArrayBuffer, source: "cache"|"network", verified} for entry (a line of
	// models.json: title, file, url, sha256, bytes), kept in the Cache API named cacheName under key. verified
	// is false where crypto.subtle is missing (insecure pages): nothing is kept then, and the worker checks
	// the sha256 itself. onProgress(n, total) follows a download; times, if given, gets the (absolute) times its
	// stages ended, for the page's start-up breakdown. Errors say what a person can act on.
	async function read(entry, cacheName, key, onProgress, times = {}) {
		const stamp = (name) => { times[name] = performance.timeOrigin + performance.now(); };
		const canVerify = !!(globalThis.crypto && crypto.subtle);
		let cache = null;
		if (canVerify && globalThis.caches) {
			cache = await caches.open(cacheName).catch(() => null);
		}
		if (cache) {
			const hit = await cache.match(key);
			if (hit) {
				stamp("found");
				const buf = await hit.arrayBuffer();
				stamp("read");
				if ((await sha256hex(buf)) === entry.sha256) {
					stamp("verified");
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
		stamp("response");
		const buf = new Uint8Array(entry.bytes);
		const reader = resp.body.getReader();
		let n = 0;
		let reported = 0;
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
			const now = performance.now();
			if (now - reported >= progressEvery || n === buf.length) {
				reported = now;
				onProgress(n, buf.length);
			}
		}
		if (n !== buf.length) {
			throw new Error(`The model file ${entry.file} is corrupted: ${n} bytes, want ${entry.bytes}`);
		}
		stamp("read");
		if (canVerify) {
			const got = await sha256hex(buf);
			stamp("verified");
			if (got !== entry.sha256) {
				throw new Error(`The model file ${entry.file} is corrupted: its sha256 is ${got.slice(0, 12)}…, want ${entry.sha256.slice(0, 12)}…`);
			}
			if (cache) {
				cache.put(key, new Response(buf)).catch(() => {}); // the bytes are handed on before they are written
			}
		}
		return { bytes: buf.buffer, source: "network", verified: canVerify };
	}

	return { sha256hex, read };
})();

// sw.js is the site's service worker: after one visit the page works with no network. It keeps this build's
// files (content-hashed names, so a name always means the same bytes) in a cache of their own, serves them
// from there, and asks the network first for the two files whose names do not change (the page and
// models.json), falling back to the kept copies when there is no network. A new build is a new sw.js (it
// names the new files and a new version): the browser installs it beside the old one, it keeps the new files,
// takes over and deletes the old build's cache. The models are not kept here: the page keeps them in the
// Cache API itself (inceptionweb-models-v1), under their sha256. The wasm programs (app.wasm, convert.wasm,
// the SIMD kernels) are kept but not served from here: the browser keeps a program's compiled code beside the response it
// compiled it from, only for a response it fetched itself (from its HTTP cache; one from this worker, even
// passed through, starts without it). So the page fetches them from the network, where the HTTP cache
// answers (content-hashed names, cached for good), and falls back to the kept copies itself when that fails
// (fetchProgram in index.html and worker.js): a warm visit starts with the code compiled on the visit before.
// Every URL is relative to this script, so the site works under any path. The build fills in VERSION, FILES
// and PROGRAMS.
"use strict";

const version = "{{.Version}}";
const files = {{.Files}};
const prefix = "inceptionweb-site-";
const cacheName = prefix + version;
const base = new URL("./", self.location.href);
const page = base.href; // index.html is served as the folder
const models = new URL("models.json", base).href;
const fixed = new Set([page, new URL("index.html", base).href]);
const hashed = new Set(files.map((f) => new URL(f, base).href));
const programs = new Set({{.Programs}}.map((f) => new URL(f, base).href));

self.addEventListener("install", (event) => {
	event.waitUntil((async () => {
		const cache = await caches.open(cacheName);
		// A hashed name always means the same bytes, so the HTTP cache's copy (the page's own download) will do.
		await cache.addAll([
			...[page, models].map((f) => new Request(new URL(f, base), { cache: "no-cache" })),
			...files.map((f) => new Request(new URL(f, base))),
		]);
		await self.skipWaiting();
	})());
});

self.addEventListener("activate", (event) => {
	event.waitUntil((async () => {
		for (const key of await caches.keys()) {
			if (key.startsWith(prefix) && key !== cacheName) {
				await caches.delete(key);
			}
		}
		// The page's own request starts while this script is still starting up (navigation preload), not after.
		if (self.registration.navigationPreload) {
			await self.registration.navigationPreload.enable();
		}
		await self.clients.claim();
	})());
});

self.addEventListener("fetch", (event) => {
	const req = event.request;
	if (req.method !== "GET") {
		return;
	}
	const url = new URL(req.url);
	url.hash = "";
	url.search = "";
	if (req.mode === "navigate" && fixed.has(url.href)) {
		const preload = event.preloadResponse; // undefined where the browser has no navigation preload
		if (preload) {
			event.waitUntil(preload.catch(() => {}));
		}
		event.respondWith(networkFirst(event, req, page, preload)); // the page, whatever its query (?workers=2)
	} else if (url.href === models) {
		event.respondWith(networkFirst(event, req, models));
	} else if (hashed.has(url.href) && !programs.has(url.href)) {
		event.respondWith(cacheFirst(event, req, url.href));
	}
	// Anything else (the programs, see above; the models, whose bytes the page checks and keeps itself) goes to
	// the network as usual.
});

// keep stores a copy of a response after it has been handed to the page: the page does not wait for the write.
function keep(event, cache, key, resp) {
	if (resp.ok && resp.type === "basic") {
		event.waitUntil(cache.put(key, resp.clone()).catch(() => {}));
	}
}

// networkFirst answers with the network's response (preload's, for the page, if it started one), else the
// kept copy.
async function networkFirst(event, req, key, preload) {
	try {
		const resp = (preload && (await preload)) || (await fetch(req));
		keep(event, await caches.open(cacheName), key, resp);
		return resp;
	} catch (e) {
		const kept = await caches.match(key, { cacheName });
		if (kept) {
			return kept;
		}
		throw e;
	}
}

async function cacheFirst(event, req, key) {
	const cache = await caches.open(cacheName);
	const kept = await cache.match(key);
	if (kept) {
		return kept;
	}
	const resp = await fetch(req);
	keep(event, cache, key, resp);
	return resp;
}

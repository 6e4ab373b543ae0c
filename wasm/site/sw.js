// sw.js is the site's service worker: after one visit the page works with no network. It keeps this build's
// files (content-hashed names, so a name always means the same bytes) in a cache of their own, serves them
// from there, and asks the network first for the two files whose names do not change (the page and
// models.json), falling back to the kept copies when there is no network. A new build is a new sw.js (it
// names the new files and a new version): the browser installs it beside the old one, it keeps the new files,
// takes over and deletes the old build's cache. The models are not kept here: the page keeps them in the
// Cache API itself (inceptionweb-models-v1), under their sha256. Every URL is relative to this script, so the
// site works under any path. The build fills in VERSION and FILES.
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

self.addEventListener("install", (event) => {
	event.waitUntil((async () => {
		const cache = await caches.open(cacheName);
		await cache.addAll([page, models, ...files].map((f) => new Request(new URL(f, base), { cache: "no-cache" })));
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
	} else if (hashed.has(url.href)) {
		event.respondWith(cacheFirst(event, req, url.href));
	}
	// Anything else (the models, whose bytes the page checks and keeps itself) goes to the network as usual.
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

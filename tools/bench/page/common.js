// common.js: what every bench page shares. The driver opens PAGE.html?id=N&warmup=W&...; the page loads its
// engine, runs it once (the answers the driver checks) and W times more untimed, then posts one JSON object to
// /result?id=N: what it found, or an "error" field when it could not. The tab then stays open: in every round the
// driver calls Bench.batch(k) (DevTools' Runtime.evaluate), which times k runs and returns their times, so the
// runs of every engine are interleaved over the whole bench run.
"use strict";

const Bench = (() => {
	const q = new URLSearchParams(location.search);
	const param = (name, def) => q.get(name) ?? def;

	// Every wasm memory the page creates or instantiates, so peak memory can be read after the runs
	// (a wasm memory never shrinks: its final size is its peak).
	const memories = new Set();
	const W = WebAssembly;
	W.Memory = new Proxy(W.Memory, {
		construct(target, args) {
			const m = new target(...args);
			memories.add(m);
			return m;
		},
	});
	const keep = (r) => {
		const inst = r instanceof W.Instance ? r : r && r.instance;
		if (inst) {
			for (const v of Object.values(inst.exports)) {
				if (v instanceof W.Memory) {
					memories.add(v);
				}
			}
		}
		return r;
	};
	const instantiate = W.instantiate, streaming = W.instantiateStreaming;
	W.instantiate = (...a) => instantiate(...a).then(keep);
	W.instantiateStreaming = (...a) => streaming(...a).then(keep);

	// peakWasmBytes sums the current size of every wasm memory seen; null if none was reachable.
	function peakWasmBytes() {
		if (memories.size === 0) {
			return null;
		}
		let n = 0;
		for (const m of memories) {
			n += m.buffer.byteLength;
		}
		return n;
	}

	async function bytes(url) {
		const r = await fetch(url);
		if (!r.ok) {
			throw new Error(url + ": HTTP " + r.status);
		}
		return r.arrayBuffer();
	}

	let engine = null; // what the page's setup returned: { once, peak }

	// batch times n runs of the page's engine. once() classifies one image per worker (or one split image) and
	// returns the number of images, or { images, worker_ms }; times are per image.
	async function batch(n) {
		if (!engine) {
			throw new Error("the page is not ready");
		}
		const times = [], workerMs = [];
		for (let i = 0; i < n; i++) {
			const t0 = performance.now();
			const r = await engine.once();
			const t = performance.now() - t0;
			const images = typeof r === "number" ? r : (r && r.images) || 1;
			times.push(t / images);
			if (r && r.worker_ms) {
				workerMs.push(...r.worker_ms);
			}
		}
		return { times_ms: times, worker_ms: workerMs, peak_bytes: engine.peak() };
	}

	function report(obj) {
		return fetch("/result?id=" + param("id", "0"), { method: "POST", body: JSON.stringify(obj) });
	}

	// run sets the engine up with setup, which returns { once, peak, info }: info is reported (the engine's
	// answers on the test input, its version...), once and peak serve batch. It warms the engine up and reports
	// that the page is ready, or the error that stopped it.
	function run(setup) {
		(async () => {
			const e = await setup();
			for (let i = 0, w = +param("warmup", 2); i < w; i++) {
				await e.once();
			}
			engine = e;
			return e.info;
		})().then(
			(info) => report({ ...info, ready: true, crossOriginIsolated: self.crossOriginIsolated }),
			(e) => report({ error: String((e && e.stack) || e) }),
		);
	}

	return { param, bytes, peakWasmBytes, run, batch };
})();

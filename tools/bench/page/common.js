// common.js: what every bench page shares. The driver opens PAGE.html?id=N&runs=R&warmup=W&...; the page
// measures, then posts one JSON object to /result?id=N (an "error" field when it could not measure).
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

	function stats(times) {
		const s = [...times].sort((a, b) => a - b);
		const n = s.length;
		const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
		return { median_ms: median, min_ms: s[0], max_ms: s[n - 1], times_ms: times };
	}

	// timed runs fn warmup times, then runs times, and returns the statistics of the timed runs.
	// fn may return the number of images it classified (otherwise 1); times are per image.
	async function timed(fn) {
		const runs = +param("runs", 10), warmup = +param("warmup", 2);
		for (let i = 0; i < warmup; i++) {
			await fn();
		}
		const times = [];
		for (let i = 0; i < runs; i++) {
			const t0 = performance.now();
			const n = await fn();
			const images = typeof n === "number" && n > 0 ? n : 1;
			times.push((performance.now() - t0) / images);
		}
		return stats(times);
	}

	function report(obj) {
		return fetch("/result?id=" + param("id", "0"), { method: "POST", body: JSON.stringify(obj) });
	}

	// run measures with body and reports what it returns, or the error that stopped it.
	function run(body) {
		body().then(
			(r) => report({ ...r, crossOriginIsolated: self.crossOriginIsolated }),
			(e) => report({ error: String((e && e.stack) || e) }),
		);
	}

	return { param, bytes, timed, peakWasmBytes, run };
})();

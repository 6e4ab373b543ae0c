// ort.js runs onnxruntime-web (wasm execution provider) on a network exported from PyTorch. Query: net (the
// /data/ files NET.onnx and NET_input_nchw.f32: the test image as our engine preprocesses it), size, threads.
// Two threads need cross-origin isolation (the driver serves this page with COOP/COEP for that).
"use strict";

Bench.run(async () => {
	const net = Bench.param("net"), size = +Bench.param("size"), threads = +Bench.param("threads", 1);
	ort.env.wasm.wasmPaths = "/nm/onnxruntime-web/dist/";
	ort.env.wasm.numThreads = threads;
	const [onnx, input] = await Promise.all([
		Bench.bytes("/data/" + net + ".onnx"), Bench.bytes("/data/" + net + "_input_nchw.f32")]);
	const session = await ort.InferenceSession.create(new Uint8Array(onnx),
		{ executionProviders: ["wasm"], graphOptimizationLevel: "all" });
	const feeds = { input: new ort.Tensor("float32", new Float32Array(input), [1, 3, size, size]) };
	const logits = Array.from((await session.run(feeds)).logits.data);
	return {
		once: async () => { await session.run(feeds); return 1; },
		peak: () => Bench.peakWasmBytes(),
		info: { version: ort.env.versions.web, threads, logits },
	};
});

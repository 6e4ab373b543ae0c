// ort.js times onnxruntime-web (wasm execution provider) on the exported InceptionV3. Query: threads.
// Two threads need cross-origin isolation (the driver serves this page with COOP/COEP for that).
"use strict";

Bench.run(async () => {
	const threads = +Bench.param("threads", 1);
	ort.env.wasm.wasmPaths = "/nm/onnxruntime-web/dist/";
	ort.env.wasm.numThreads = threads;
	const [onnx, input] = await Promise.all([
		Bench.bytes("/data/inception_v3_synthetic.onnx"), Bench.bytes("/data/input_nchw_f32.bin")]);
	const session = await ort.InferenceSession.create(new Uint8Array(onnx),
		{ executionProviders: ["wasm"], graphOptimizationLevel: "all" });
	const feeds = { input: new ort.Tensor("float32", new Float32Array(input), [1, 3, 299, 299]) };
	const logits = Array.from((await session.run(feeds)).logits.data);
	const st = await Bench.timed(() => session.run(feeds));
	return { ...st, version: ort.env.versions.web, threads, peak_bytes: Bench.peakWasmBytes(), logits };
});

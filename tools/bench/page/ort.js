// ort.js runs onnxruntime-web on a network exported from PyTorch. Query: net (the /data/ files NET.onnx and
// NET_input_nchw.f32: the test image as our engine preprocesses it), size, threads, ep (the execution
// provider: wasm, the default, or webgpu, which ort.html loads ort.all.min.js for and which runs
// NET_webgpu.onnx, the same network in ops its kernels run; the page then reports the adapter's
// architecture). Two threads need cross-origin isolation (the driver serves this page with COOP/COEP for that).
"use strict";

Bench.run(async () => {
	const net = Bench.param("net"), size = +Bench.param("size"), threads = +Bench.param("threads", 1);
	const ep = Bench.param("ep", "wasm");
	ort.env.wasm.wasmPaths = "/nm/onnxruntime-web/dist/";
	ort.env.wasm.numThreads = threads;
	const [onnx, input] = await Promise.all([
		Bench.bytes("/data/" + net + (ep === "webgpu" ? "_webgpu" : "") + ".onnx"),
		Bench.bytes("/data/" + net + "_input_nchw.f32")]);
	const session = await ort.InferenceSession.create(new Uint8Array(onnx),
		{ executionProviders: [ep], graphOptimizationLevel: "all" });
	let adapter = "";
	if (ep === "webgpu") {
		// The provider's own adapter (env.webgpu.adapter, once a session exists), else what a plain request gets.
		const a = ort.env.webgpu.adapter || (navigator.gpu && await navigator.gpu.requestAdapter());
		if (!a) {
			throw new Error("no WebGPU adapter");
		}
		adapter = a.info.architecture;
	}
	const feeds = { input: new ort.Tensor("float32", new Float32Array(input), [1, 3, size, size]) };
	const logits = Array.from((await session.run(feeds)).logits.data);
	return {
		once: async () => { await session.run(feeds); return 1; },
		peak: () => Bench.peakWasmBytes(),
		info: { version: ort.env.versions.web, threads, adapter, logits },
	};
});

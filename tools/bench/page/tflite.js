// tflite.js runs the TFLite runtime compiled to wasm (@tensorflow/tfjs-tflite, XNNPACK) on a mirrored .tflite
// file. Query: model (a /data/ file name), threads, size. The input is the same RGBA test image as ours gets, as
// uint8 RGB (the quantized model's input), and each run reads the output back.
"use strict";

Bench.run(async () => {
	const threads = +Bench.param("threads", 1), size = +Bench.param("size", 224);
	tflite.setWasmPath("/nm/@tensorflow/tfjs-tflite/wasm/");
	const model = await tflite.loadTFLiteModel("/data/" + Bench.param("model"), { numThreads: threads });
	const rgba = new Uint8Array(await Bench.bytes("/data/input_" + size + ".rgba"));
	const rgb = new Int32Array(size * size * 3);
	for (let i = 0; i < size * size; i++) {
		rgb[i * 3] = rgba[i * 4];
		rgb[i * 3 + 1] = rgba[i * 4 + 1];
		rgb[i * 3 + 2] = rgba[i * 4 + 2];
	}
	const x = tf.tensor(rgb, [1, size, size, 3], "int32");
	const once = () => {
		const y = model.predict(x);
		const d = y.dataSync();
		y.dispose();
		return d;
	};
	const scores = Array.from(once());
	return {
		once: async () => { once(); return 1; },
		peak: () => Bench.peakWasmBytes(),
		info: { version: tflite.version_tflite || "", threads, scores },
	};
});

// Runs a GOOS=js GOARCH=wasm test binary in Node with the SIMD kernel modules attached, like Go's
// wasm_exec_node.js. Started by node_exec.sh, which sets GOROOT and SIMD_KERNELS_DIR.
"use strict";

const fs = require("fs");
const path = require("path");

globalThis.require = require;
globalThis.fs = fs;
globalThis.path = path;
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto");

require(path.join(process.env.GOROOT, "lib", "wasm", "wasm_exec.js"));
require("./simd_loader.js");

const go = new Go();
go.argv = process.argv.slice(2);
go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
go.exit = process.exit;
SIMDKernels.addImports(go.importObject);

(async () => {
	const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[2]), go.importObject);
	const dir = process.env.SIMD_KERNELS_DIR;
	await SIMDKernels.attach(instance.exports.mem, (name) => fs.readFileSync(path.join(dir, name)), true);
	process.on("exit", (code) => { // Node exits if no event handler is pending
		if (code === 0 && !go.exited) {
			go._pendingEvent = { id: 0 }; // deadlock: make Go print the stacks
			go._resume();
		}
	});
	await go.run(instance);
})().catch((err) => {
	console.error(err);
	process.exit(1);
});

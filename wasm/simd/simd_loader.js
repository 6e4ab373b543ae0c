// simd_loader.js links the SIMD kernel module to a Go wasm program. Load it before instantiating Go:
//
//   SIMDKernels.addImports(go.importObject);
//   SIMDKernels.compile();                             // optional: fetch and compile the kernels early
//   const { instance } = await WebAssembly.instantiateStreaming(fetch("main.wasm"), go.importObject);
//   await SIMDKernels.attach(instance.exports.mem);   // fetches simdkernels[-relaxed].wasm next to the page
//   go.run(instance);                                  // Go then calls simd.Kernels()
//
// The kernel module imports Go's memory, so it can only be instantiated after Go's instance exists; Go's
// imports are therefore forwarders that call into whichever kernel module is attached.
"use strict";

globalThis.SIMDKernels = (() => {
	// (func i32.const 0 i8x16.splat drop): valid where SIMD128 is.
	const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0,
		10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);
	// (func three i8x16.splat, f32x4.relaxed_madd, drop): valid where relaxed SIMD is.
	const relaxedProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0,
		10, 20, 1, 18, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 26, 11]);
	const files = { plain: "simdkernels.wasm", relaxed: "simdkernels-relaxed.wasm" };

	const state = {
		simd: WebAssembly.validate(simdProbe),       // the engine supports SIMD128
		relaxedSupported: WebAssembly.validate(relaxedProbe),
		relaxed: false,                               // the attached module uses relaxed SIMD
		relaxedDot: false,                            // and its int8 dot product computes what the spec says
		relaxedDotUnsigned: false,                    // and takes a second operand of 128..255 unsigned, exactly
		ready: false,                                 // a kernel module is attached
		error: "",
	};
	const loaded = {}; // variant -> exports
	let current = null;
	let dotOK = false, dotUnsigned = false;

	// checkDot runs the relaxed module's dotcheck: i32x4.relaxed_dot_i8x16_i7x16_add_s of the bytes
	// (1, -128, 127, -1) and (127, 127, 1, 0) plus 1000 must be 127 - 16256 + 127 + 1000. Node 20's baseline
	// compiler gets it wrong (twice the products, without the 1000); Go then keeps the SIMD128 GEMM.
	const checkDot = (exports) => {
		try {
			return exports.dotcheck(0xFF7F8001 | 0, 0x00017F7F, 1000) === -15002;
		} catch (e) {
			return false;
		}
	};

	// checkDotUnsigned tells whether the engine's dot product also takes second operands of 128..255 as unsigned
	// bytes without saturating, as x86's AVX-VNNI (vpdpbusd) does: (-128 x4) . (255 x4) must be -130560 (pmaddubsw
	// saturates its pair sums to -65536; ARM's sdot, signed, gives 512), and a mixed case must be exact too.
	// Where it does, 8-bit activations run through the dot product as well (like onnxruntime's HasUSDot).
	const checkDotUnsigned = (exports) => {
		try {
			return exports.dotcheck(0x80808080 | 0, 0xFFFFFFFF | 0, 0) === -130560 &&
				exports.dotcheck(0xFF01807F | 0, 0x81C880FF | 0, 7) === 127 * 255 - 128 * 128 + 200 - 129 + 7;
		} catch (e) {
			return false;
		}
	};

	// addImports adds the "simdkernels" import module to a Go import object.
	state.addImports = (importObject) => {
		importObject.simdkernels = new Proxy({}, {
			get: (_, name) => (...args) => current[name](...args),
		});
	};

	// compile fetches and compiles the kernel modules attach will instantiate, which needs no Go memory yet: a
	// worker calls it while Go's program is still compiling. load(fileName) returns the module's bytes or a
	// Response (default: fetch relative to the document). With both set, both variants are compiled when
	// supported (tests switch with use()). It returns {variant: Module}; each variant is compiled once.
	const compiled = {}; // variant -> promise of its Module
	state.compile = (load = (name) => fetch(name), both = false) => {
		const wanted = state.relaxedSupported ? (both ? ["plain", "relaxed"] : ["relaxed"]) : ["plain"];
		for (const v of wanted) {
			compiled[v] = compiled[v] || (async () => {
				const src = await load(files[v]);
				if (typeof Response !== "undefined" && src instanceof Response) {
					if (!src.ok) {
						throw new Error(files[v] + ": HTTP " + src.status);
					}
					// Compiled from the response, the browser can keep the compiled code with it (see sw.js);
					// a host that does not say application/wasm gets the bytes compiled.
					const wasmType = /^application\/wasm\b/.test(src.headers.get("content-type") || "");
					return wasmType ? WebAssembly.compileStreaming(src) : WebAssembly.compile(await src.arrayBuffer());
				}
				return WebAssembly.compile(src);
			})();
			compiled[v].catch(() => {}); // attach reports it
		}
		return Promise.all(wanted.map(async (v) => [v, await compiled[v]])).then(Object.fromEntries);
	};

	// attach instantiates the best kernel module the engine supports on Go's memory (compiling it first
	// unless compile has; load and both are compile's).
	state.attach = async (memory, load, both = false) => {
		if (!state.simd) {
			return false;
		}
		let last = "";
		try {
			for (const [v, module] of Object.entries(await state.compile(load, both))) {
				const instance = await WebAssembly.instantiate(module, { env: { memory } });
				loaded[v] = instance.exports;
				if (v === "relaxed") {
					dotOK = checkDot(instance.exports);
					dotUnsigned = dotOK && checkDotUnsigned(instance.exports);
				}
				last = v;
			}
		} catch (e) {
			state.error = String(e);
			return false;
		}
		return state.use(last);
	};

	// use switches to an attached variant ("plain" or "relaxed").
	state.use = (variant) => {
		if (!loaded[variant]) {
			return false;
		}
		current = loaded[variant];
		state.relaxed = variant === "relaxed";
		state.relaxedDot = state.relaxed && dotOK;
		state.relaxedDotUnsigned = state.relaxedDot && dotUnsigned;
		state.ready = true;
		return true;
	};
	return state;
})();

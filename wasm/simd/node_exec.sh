#!/bin/sh
# Runs a js/wasm test binary under Node with freshly generated SIMD kernel modules attached:
#
#   GOOS=js GOARCH=wasm go test -exec "$PWD/wasm/simd/node_exec.sh" ./wasm/simd/
#
# Node 20 has SIMD128; relaxed SIMD is switched on with a flag. Its baseline compiler (Liftoff) miscomputes
# i32x4.relaxed_dot_i8x16_i7x16_add_s (twice the products, without the accumulator; its optimizing compiler
# and Chromium 156's both are right), so the tests compile every function with the optimizing one.
dir=$(cd "$(dirname "$0")" && pwd)
kernels=$(mktemp -d)
trap 'rm -rf "$kernels"' EXIT
(cd "$dir" && GOOS= GOARCH= go run ./gen -o "$kernels") || exit 1
GOROOT=$(go env GOROOT) SIMD_KERNELS_DIR=$kernels \
	node --stack-size=8192 --experimental-wasm-relaxed-simd --no-liftoff $NODE_FLAGS "$dir/node_exec.js" "$@"

#!/bin/sh
# Runs this package's wasm tests or benchmarks in headless Chromium (the browser the site targets; Node 20's
# older V8 schedules the kernels differently), printing the test binary's output:
#
#   wasm/simd/chromium_bench.sh -test.run=- -test.bench=InceptionV3 -test.benchtime=3x
#
# PKG names another package to run the same way (PKG=./nn/webgpu), WEBGPU=1 gives the page SwiftShader's
# WebGPU adapter.
#
# Needs Debian's chromium, python3 and the shared reference folder ($SHARED, default ../shared beside the
# module root), served to the page (a static file server on 127.0.0.1:$PORT, by default a free port, so that
# several runs on one machine do not meet).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cleanup() {
	kill $server $browser 2>/dev/null
	wait
	for i in 1 2 3 4 5; do # the browser's children may still be writing its profile
		rm -rf "$work" 2>/dev/null && break
		sleep 1
	done
}
trap cleanup EXIT
(cd "$dir" && GOOS= GOARCH= go run ./gen -o "$work")
(cd "$dir/../.." && GOOS=js GOARCH=wasm go test -c -o "$work/test.wasm" "${PKG:-./wasm/simd}")
cp "$(go env GOROOT)/lib/wasm/wasm_exec.js" "$dir/simd_loader.js" "$work/"
# The reference material (model sources for the MobileNetV2 tests), served read-only as shared/.
ln -s "$(cd "${SHARED:-$dir/../../../shared}" && pwd)" "$work/shared"
args=$(printf '"%s",' "$@")
cat > "$work/index.html" <<HTML
<script src="wasm_exec.js"></script><script src="simd_loader.js"></script><script>
(async () => {
	const go = new Go();
	go.argv = ["test.wasm", ${args%,}];
	go.exit = (code) => console.log("EXIT " + code);
	SIMDKernels.addImports(go.importObject);
	const { instance } = await WebAssembly.instantiateStreaming(fetch("test.wasm"), go.importObject);
	await SIMDKernels.attach(instance.exports.mem, (name) => fetch(name), true);
	await go.run(instance);
})().catch((e) => console.log("EXIT error " + e));
</script>
HTML
port=${PORT:-$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
(cd "$work" && exec /usr/bin/python3 -m http.server -b 127.0.0.1 "$port" >/dev/null 2>&1) &
server=$!
sleep 1
gpu=--disable-gpu
if [ -n "$WEBGPU" ]; then # SwiftShader's WebGPU adapter (a CPU implementation) on this secure origin
	gpu="--enable-unsafe-webgpu --use-webgpu-adapter=swiftshader"
fi
/usr/lib/chromium/chromium --headless --no-sandbox $gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
	--user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
	"http://127.0.0.1:$port/index.html" 2>"$work/log" &
browser=$!
while ! grep -q '"EXIT ' "$work/log"; do
	sleep 1
done
sed -n 's/.*CONSOLE.*\] "\(.*\)", source.*/\1/p' "$work/log"
grep -q '"EXIT 0"' "$work/log"

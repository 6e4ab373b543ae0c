# Two commands matter: `make serve` (build everything and serve the page) and `make test` (every test).
# Both set up what they need on a fresh Debian machine: Go modules, Node and Chromium from Debian packages,
# and the model files converted from the local mirror (../shared) or the official addresses.

SHARED  ?= ../shared
ADDR    ?= 127.0.0.1:8080
GOROOT  := $(shell go env GOROOT)
WASMEXEC := $(GOROOT)/lib/wasm/go_js_wasm_exec
export PATH := $(GOROOT)/bin:$(GOROOT)/lib/wasm:$(PATH)

.PHONY: all setup weights web serve dist test test-go test-wasm fuzz bench soak clean

all: web

# Debian packages the build and the tests need, installed only when missing.
setup:
	@missing=""; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	test -x /usr/lib/chromium/chromium || missing="$$missing chromium"; \
	test -x /usr/bin/python3 || missing="$$missing python3"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi
	go mod download

# Model files: fetched (mirror first), verified by sha256 and converted into build/models/.
weights: build/models/index.json
build/models/index.json: $(shell find weights nn model tools/convert -name '*.go' -o -name '*.json' 2>/dev/null)
	go run ./tools/convert -mirror $(SHARED) -out build/models

# The static site in web/.
web: weights
	go run ./wasm/build -out web -models build/models

serve: setup web
	go run . -addr $(ADDR) -dir web

# A copy of the site for any static host (relative URLs only).
dist: web
	rm -rf dist && cp -r web dist && echo "dist/ is ready: copy it to any static host"

test: setup weights web
	$(MAKE) test-go test-wasm

test-go:
	go vet ./...
	go test -count=1 -timeout 15m ./...
	$(MAKE) fuzz FUZZTIME=400x FUZZ_TARGETS="$(FUZZ_BRIEF)"

# Every reader of outside bytes has a fuzz target: `make fuzz` runs each for FUZZTIME (test-go runs them
# briefly). A crasher is written to the package's testdata/fuzz/ and stays there as a seed once fixed. The
# brief runs count executions, not seconds: Go 1.26's fuzzer can fail a timed run at its deadline on a busy
# machine (golang/go#75804) without having found anything.
FUZZTIME ?= 2m
FUZZ_BRIEF := ./weights/safetensors:FuzzRead ./weights/torch:FuzzReadStateDict ./weights/npy:FuzzRead \
	./weights/tflite:FuzzRead ./weights:FuzzRead ./model:FuzzOpen ./wasm/imagecheck:FuzzCheck \
	./tools/classify:FuzzDecodeImage ./model:FuzzOpenMetadata ./internal/jsontree:FuzzParse
FUZZ_TARGETS ?= $(FUZZ_BRIEF)
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg || exit 1; \
	done

# The engine's own tests again, compiled to wasm and run in Node; the SIMD kernels against the pure-Go ones, in
# Node and in headless Chromium (whose V8 lowers relaxed SIMD differently: its dot product takes 8-bit inputs);
# the WebGPU shaders against the CPU in Chromium on SwiftShader's adapter.
test-wasm:
	GOOS=js GOARCH=wasm go test -count=1 -timeout 10m -exec $(WASMEXEC) ./nn/... ./weights/...
	GOOS=js GOARCH=wasm go test -count=1 -timeout 10m -exec "$(CURDIR)/wasm/simd/node_exec.sh" ./wasm/simd/
	SHARED=$(abspath $(SHARED)) timeout 900 wasm/simd/chromium_bench.sh -test.v
	PKG=./nn/webgpu WEBGPU=1 SHARED=$(abspath $(SHARED)) timeout 900 wasm/simd/chromium_bench.sh -test.v

# Speed and memory against onnxruntime-web and the TFLite runtime, in headless Chromium (reports, never fails on
# a missed target).
bench: setup web
	go run ./tools/bench -shared $(SHARED)

# The long soak of the page: 300 photos and 2,000 webcam frames through it, memory flat (make test: 100 and 300).
soak: setup web
	SOAK_PHOTOS=300 WEBCAM_FRAMES=2000 go test -count=1 -v -run 'TestSoak|TestWebcamSoak' -timeout 20m ./tests/browser/

clean:
	rm -rf build dist web test-artifacts

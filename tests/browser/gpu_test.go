package browser

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
)

// webgpuFlags give Chromium SwiftShader's WebGPU adapter, a CPU implementation: correct, not GPU speed.
var webgpuFlags = []string{"enable-unsafe-webgpu", "use-webgpu-adapter=swiftshader"}

// gpuHooks records the page's workers (window.testWorkers), so that a test can send one a message the page
// never sends: loseGPU, which destroys its device as a driver reset would.
const gpuHooks = `(() => {
	window.testWorkers = [];
	const post = Worker.prototype.postMessage;
	Worker.prototype.postMessage = function (msg, transfer) {
		if (!window.testWorkers.includes(this)) {
			window.testWorkers.push(this);
		}
		return post.call(this, msg, transfer);
	};
})();`

// setCompute picks where float models run in the page's Compute picker and waits for the model to be ready
// there.
func setCompute(t *testing.T, ctx context.Context, mode, backend string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const s = document.querySelector("[data-testid=gpu-select]");
		s.value = %q;
		s.dispatchEvent(new Event("change"));
		return true;
	})()`, mode))
	waitFor(t, ctx, "the model on "+backend, fmt.Sprintf(`%s.dataset.backend === %q && %s.dataset.state === "ready"`, statusJS, backend, statusJS))
}

// TestWebGPU runs GoogLeNet (float) on WebGPU: the status names the adapter, a photo gets the CPU's classes
// and probabilities; when the device is lost, the next photo is answered on the CPU and the status says so, and
// the GPU asked for again is a new device.
func TestWebGPU(t *testing.T) {
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	url := serve(t, builtSite(t))
	ctx := openWithScript(t, browser(t, webgpuFlags...), url+"?workers=1&gpu=gpu&model=googlenet", gpuHooks)
	waitReady(t, ctx)
	status := eval[string](t, ctx, statusJS+".textContent")
	if backend := eval[string](t, ctx, statusJS+".dataset.backend"); backend != "webgpu" || !strings.Contains(status, "WebGPU (swiftshader)") {
		t.Fatalf("data-backend %q, status %q: want GoogLeNet on WebGPU (swiftshader)", backend, status)
	}
	onGPU := classify(t, ctx, photo)
	expectTop(t, onGPU, cats...)

	setCompute(t, ctx, "cpu", "wasm")
	onCPU := classify(t, ctx, photo)
	expectTop(t, onCPU, cats...)
	for i := range min(len(onGPU.Predictions), len(onCPU.Predictions)) {
		g, c := onGPU.Predictions[i], onCPU.Predictions[i]
		var pg, pc float64
		fmt.Sscan(g.Prob, &pg)
		fmt.Sscan(c.Prob, &pc)
		if g.WNID != c.WNID || math.Abs(pg-pc) > 1e-3 {
			t.Errorf("rank %d: GPU %s %s, CPU %s %s", i+1, g.WNID, g.Prob, c.WNID, c.Prob)
		}
	}

	setCompute(t, ctx, "gpu", "webgpu")
	eval[bool](t, ctx, `(window.testWorkers.forEach((w) => w.postMessage({ type: "loseGPU", id: -1 })), true)`)
	expectTop(t, classify(t, ctx, photo), cats...) // answered on the CPU
	status = eval[string](t, ctx, statusJS+".textContent")
	if backend := eval[string](t, ctx, statusJS+".dataset.backend"); backend != "wasm" || !strings.Contains(status, "The GPU failed") {
		t.Errorf("after the device was lost: data-backend %q, status %q", backend, status)
	}
	expectTop(t, classify(t, ctx, photo), cats...)
	// Asked for the GPU again, the worker gets a new device.
	setCompute(t, ctx, "cpu", "wasm")
	setCompute(t, ctx, "gpu", "webgpu")
	expectTop(t, classify(t, ctx, photo), cats...)
}

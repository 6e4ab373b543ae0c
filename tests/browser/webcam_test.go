package browser

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionweb/internal/testenv"
)

// recordStreams keeps every stream the page gets from getUserMedia in window.testStreams, so that a test can
// check that the camera was let go.
const recordStreams = `(() => {
	window.testStreams = [];
	const md = navigator.mediaDevices;
	if (md && md.getUserMedia) {
		const gum = md.getUserMedia.bind(md);
		md.getUserMedia = async (c) => { const s = await gum(c); window.testStreams.push(s); return s; };
	}
})();`

// openRecording opens url in a new tab whose page records its camera streams.
func openRecording(t testing.TB, browserCtx context.Context, url string) context.Context {
	t.Helper()
	return openWithScript(t, browserCtx, url, recordStreams)
}

// fakeCamera starts Chromium with a fake camera that plays a 640x480 video of a photograph.
func fakeCamera(t testing.TB, photo string) context.Context {
	video := filepath.Join(t.TempDir(), "camera.y4m")
	writeY4M(t, photo, video, 3)
	return browser(t, "use-fake-device-for-media-stream", "use-fake-ui-for-media-stream",
		"use-file-for-fake-video-capture="+video)
}

const webcamJS = `document.querySelector("[data-testid=webcam]")`

func click(t testing.TB, ctx context.Context, testid string) {
	t.Helper()
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector("[data-testid=%s]").click(), true)`, testid))
}

// livePredictions reads the webcam's live predictions in rank order.
func livePredictions(t testing.TB, ctx context.Context) []prediction {
	t.Helper()
	return eval[[]prediction](t, ctx, `Array.from(document.querySelectorAll("[data-testid=webcam-prediction]"),
		(p) => ({ label: p.dataset.label, prob: p.dataset.prob }))`)
}

// TestWebcam starts the camera on a fake device that shows a cat: the live top-3 says cat and the frame rate
// is above zero; a dropped photo still gets its answer meanwhile; freeze keeps the frame and its top-5 as a card; stop lets the camera go.
func TestWebcam(t *testing.T) {
	images := filepath.Join(testenv.Shared(t), "images")
	url := serve(t, builtSite(t))
	ctx := openRecording(t, fakeCamera(t, filepath.Join(images, "chelsea.png")), url)
	waitReady(t, ctx)

	click(t, ctx, "webcam-toggle")
	waitFor(t, ctx, "live predictions and a frame rate",
		`document.querySelectorAll("[data-testid=webcam-prediction]").length === 3 && `+
			`+document.querySelector("[data-testid=fps]").dataset.fps > 0 && +`+webcamJS+`.dataset.frames >= 3`)
	live := livePredictions(t, ctx)
	if !contains(cats, live[0].Label) {
		t.Errorf("webcam top-1 %q, want a cat (all: %v)", live[0].Label, live)
	}
	fps := eval[string](t, ctx, `document.querySelector("[data-testid=fps]").dataset.fps`)
	t.Logf("webcam: %v, %s frames/s", live, fps)
	if tracks := eval[string](t, ctx, `testStreams.flatMap((s) => s.getTracks()).map((t) => t.readyState).join()`); tracks != "live" {
		t.Errorf("camera tracks while running: %q, want one live track", tracks)
	}

	// The rest of the page keeps working while the camera runs.
	expectTop(t, classify(t, ctx, filepath.Join(images, "coffee.png")), "espresso")

	seq := eval[string](t, ctx, statusJS+".dataset.seq")
	click(t, ctx, "webcam-freeze")
	waitFor(t, ctx, "the frozen frame's card", statusJS+".dataset.seq !== "+fmt.Sprintf("%q", seq))
	frozen := newestCard(t, ctx)
	expectTop(t, frozen, cats...)
	if !strings.HasPrefix(frozen.File, "webcam") {
		t.Errorf("newest card %q, want the frozen webcam frame", frozen.File)
	}
	// Its activation map, over the frame's crop.
	eval[bool](t, ctx, `(document.querySelector("[data-testid=result] [data-testid=cam-toggle]").click(), true)`)
	waitFor(t, ctx, "the frozen frame's activation map", `document.querySelector("[data-testid=result] [data-testid=cam]")?.dataset.camPeak`)
	screenshot(t, ctx, "webcam.png")

	click(t, ctx, "webcam-toggle")
	waitFor(t, ctx, "the camera to stop", webcamJS+`.dataset.state === "off"`)
	if tracks := eval[string](t, ctx, `testStreams.flatMap((s) => s.getTracks()).map((t) => t.readyState).join()`); tracks != "ended" {
		t.Errorf("camera tracks after stop: %q, want one ended track", tracks)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=webcam-prediction], [data-testid=fps]").length`); n != 0 {
		t.Errorf("%d live predictions or frame rates shown after stop", n)
	}
}

// TestWebcamCameras switches between two cameras (Chromium's test pattern: its file playback offers only one
// camera): the first is let go, the answers go on from the second, and stop lets that one go too.
func TestWebcamCameras(t *testing.T) {
	ctx := openRecording(t, browser(t, "use-fake-device-for-media-stream=device-count=2", "use-fake-ui-for-media-stream"),
		serve(t, builtSite(t)))
	waitReady(t, ctx)
	click(t, ctx, "webcam-toggle")
	waitFor(t, ctx, "answers from the first camera", "+"+webcamJS+".dataset.frames >= 3")
	tracks := func() string {
		return eval[string](t, ctx, `testStreams.flatMap((s) => s.getTracks()).map((t) => t.readyState).join()`)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("[data-testid=camera-select] option").length`); n != 2 {
		t.Fatalf("camera choice offers %d cameras, want 2", n)
	}
	eval[bool](t, ctx, `(() => {
		const s = document.querySelector("[data-testid=camera-select]");
		s.value = Array.from(s.options).find((o) => !o.selected).value;
		s.dispatchEvent(new Event("change"));
		return true;
	})()`)
	waitFor(t, ctx, "answers from the other camera", `testStreams.length === 2 && `+webcamJS+`.dataset.state === "on" && +`+webcamJS+`.dataset.frames >= 3`)
	if got := tracks(); got != "ended,live" {
		t.Errorf("camera tracks after switching: %q, want the first ended and the second live", got)
	}
	click(t, ctx, "webcam-toggle")
	waitFor(t, ctx, "the camera to stop", webcamJS+`.dataset.state === "off"`)
	if got := tracks(); got != "ended,ended" {
		t.Errorf("camera tracks after stop: %q, want both ended", got)
	}
}

// TestWebcamErrors starts the camera where it cannot be had: the page says why, and keeps classifying photos.
func TestWebcamErrors(t *testing.T) {
	site := builtSite(t)
	local := serve(t, site)
	fake := []string{"use-fake-device-for-media-stream", "use-fake-ui-for-media-stream"}
	for _, c := range []struct {
		name     string
		flags    []string
		insecure bool
		code     string
		words    string
		photo    bool // also classify a photo afterwards
	}{
		{"denied", fake[:1], false, "denied", "Permission", true},
		{"no camera", nil, false, "none", "No camera", false},
		// Also the page without crypto.subtle: the worker checks the model's sha256.
		{"insecure", fake, true, "insecure", "https", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // mostly waiting for the page to start
			url := local
			if c.insecure {
				url = serveInsecure(t, site)
			}
			ctx := open(t, browser(t, c.flags...), url)
			waitFor(t, ctx, "the webcam toggle", `document.querySelector("[data-testid=webcam-toggle]")`)
			click(t, ctx, "webcam-toggle")
			waitFor(t, ctx, "the camera error", `document.querySelector("[data-testid=webcam-error]")`)
			code := eval[string](t, ctx, `document.querySelector("[data-testid=webcam-error]").dataset.code`)
			msg := eval[string](t, ctx, `document.querySelector("[data-testid=webcam-error]").textContent`)
			if code != c.code || !strings.Contains(msg, c.words) {
				t.Errorf("camera error %q (%s), want %q saying %q", msg, code, c.code, c.words)
			}
			t.Logf("camera error: %s", msg)
			if state := eval[string](t, ctx, webcamJS+".dataset.state"); state != "error" {
				t.Errorf("webcam state %q, want error", state)
			}
			if c.photo {
				waitReady(t, ctx)
				expectTop(t, classify(t, ctx, filepath.Join(testenv.Shared(t), "images", "chelsea.png")), cats...)
			}
		})
	}
}

// BenchmarkWebcam measures the webcam's frames per second on the fake camera for MobileNetV2 and the synthetic
// InceptionV3, with 1 and 2 workers:
//
//	go test -run '^$' -bench Webcam -benchtime 1x ./tests/browser/
func BenchmarkWebcam(b *testing.B) {
	photo := filepath.Join(testenv.Shared(b), "images", "chelsea.png")
	url := serveWithInception(b, builtSite(b))
	for _, m := range []string{"mobilenet_v2_uint8", syntheticInception} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", m, workers), func(b *testing.B) {
				ctx := open(b, fakeCamera(b, photo), fmt.Sprintf("%s?workers=%d", url, workers))
				waitReady(b, ctx)
				selectModel(b, ctx, m)
				click(b, ctx, "webcam-toggle")
				frames := func() int { return eval[int](b, ctx, "+"+webcamJS+".dataset.frames") }
				waitFor(b, ctx, "the first frames", "+"+webcamJS+".dataset.frames >= 3")
				b.ResetTimer()
				n0, start := frames(), time.Now()
				time.Sleep(10 * time.Second)
				n := frames() - n0
				elapsed := time.Since(start)
				b.ReportMetric(float64(n)/elapsed.Seconds(), "frames/s")
				b.ReportMetric(float64(elapsed.Milliseconds())/float64(max(n, 1)), "ms/frame")
			})
		}
	}
}

// serveInsecure serves the site on an address of this machine other than loopback: plain http there is not a
// secure context, so the page has no camera (and no crypto.subtle).
func serveInsecure(t *testing.T, site string) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		ip, ok := a.(*net.IPNet)
		if !ok || ip.IP.IsLoopback() || ip.IP.To4() == nil {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ip.IP.String(), "0"))
		if err != nil {
			continue
		}
		srv := &http.Server{Handler: http.FileServer(http.Dir(site))}
		go srv.Serve(l)
		t.Cleanup(func() { srv.Close() })
		return "http://" + l.Addr().String() + "/"
	}
	t.Skip("no address other than loopback to serve an insecure page on")
	return ""
}

package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/model"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/npy"
	"inceptionweb/weights/safetensors"
)

// bundledModel converts the bundled MobileNetV2 from the reference mirror, as `make weights` does.
func bundledModel(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(testenv.Shared(t), "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := model.FromTFLite(weights.Meta{Name: "mobilenet_v2_uint8", Title: "MobileNetV2"}, src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mobilenet_v2_uint8.safetensors")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClassifyPhotos(t *testing.T) {
	m := bundledModel(t)
	images := filepath.Join(testenv.Shared(t), "images")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jpeg, err := os.ReadFile(filepath.Join(images, "rocket.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	goImages := filepath.Join(runtime.GOROOT(), "src", "image", "testdata")
	files := []string{
		filepath.Join(images, "chelsea.png"),
		write("notes.jpg", []byte("this is text, not a photo\n")),
		filepath.Join(images, "coffee.png"),
		write("truncated.jpg", jpeg[:len(jpeg)/2]),
		write("empty.jpg", nil),
		filepath.Join(images, "rocket.jpg"),
		filepath.Join(images, "camera.png"),            // grayscale
		filepath.Join(goImages, "video-001.cmyk.jpeg"), // CMYK
		write("alpha.png", transparentPNG(t)),
	}
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"-model", m, "-json"}, files...), &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit status %d, want 1 (some files are not images)", code)
	}
	var results []result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if len(results) != len(files) {
		t.Fatalf("%d results for %d files", len(results), len(files))
	}
	top := func(i int) string {
		if len(results[i].Predictions) != 5 {
			t.Fatalf("%s: %d predictions, error %q", files[i], len(results[i].Predictions), results[i].Error)
		}
		return results[i].Predictions[0].Label
	}
	for i, want := range map[int][]string{
		0: {"tabby", "tiger cat", "Egyptian cat"},
		2: {"espresso"},
		5: {"missile", "projectile", "space shuttle"},
	} {
		if got := top(i); !slices.Contains(want, got) {
			t.Errorf("%s: top-1 %q, want one of %q", files[i], got, want)
		}
	}
	for i, want := range map[int]string{1: "not a readable image", 3: "corrupt or truncated", 4: "not a readable image"} {
		if !strings.Contains(results[i].Error, want) || len(results[i].Predictions) != 0 {
			t.Errorf("%s: error %q, want %q", files[i], results[i].Error, want)
		}
		if !strings.Contains(stderr.String(), files[i]) {
			t.Errorf("stderr does not name %s", files[i])
		}
	}
	for _, i := range []int{6, 7, 8} {
		top(i) // grayscale, CMYK and alpha images are classified
	}
	// Probabilities are a distribution, best first.
	for _, p := range results[0].Predictions[1:] {
		if p.Prob > results[0].Predictions[0].Prob || p.Prob < 0 {
			t.Errorf("predictions out of order: %+v", results[0].Predictions)
		}
	}
}

func transparentPNG(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.NRGBA{200, 30, 30, uint8(x * 4)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLogits feeds the deterministic input to InceptionV3 with the deterministic weights, given as a
// torchvision state_dict in safetensors form, and compares the printed logits with PyTorch's.
func TestLogits(t *testing.T) {
	dir := t.TempDir()
	var tensors []safetensors.Tensor
	for _, s := range inceptionv3.ParamSpecs(inceptionv3.Config{}) {
		tensors = append(tensors, safetensors.FromFloat32(s.Name, s.Shape, inceptionv3.SyntheticParam(s.Name, s.Shape)))
	}
	var sd, x bytes.Buffer
	if err := safetensors.Write(&sd, nil, tensors); err != nil {
		t.Fatal(err)
	}
	in := inceptionv3.SyntheticInput()
	batch := append(slices.Clone(in), in...) // two items: each is computed on its own
	if err := npy.WriteFloat32(&x, []int{2, 3, 299, 299}, batch); err != nil {
		t.Fatal(err)
	}
	w, xp := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "x.npy")
	os.WriteFile(w, sd.Bytes(), 0o644)
	os.WriteFile(xp, x.Bytes(), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", w, "-tensor", xp, "-logits"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got [][]float32
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../nn/inceptionv3/testdata/parity.json")
	if err != nil {
		t.Fatal(err)
	}
	type parityRun struct {
		TransformInput bool      `json:"transform_input"`
		Logits         []float32 `json:"logits"`
	}
	var want struct{ Runs []parityRun }
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	ref := want.Runs[slices.IndexFunc(want.Runs, func(r parityRun) bool { return !r.TransformInput })].Logits
	if len(got) != 2 {
		t.Fatalf("%d logit arrays for a batch of 2", len(got))
	}
	for b, l := range got {
		var worst, maxAbs float64
		for i := range ref {
			worst = max(worst, math.Abs(float64(l[i]-ref[i])))
			maxAbs = max(maxAbs, math.Abs(float64(ref[i])))
		}
		if worst > 1e-4*maxAbs {
			t.Errorf("item %d: max |Go - torch| %.3g > 1e-4 x %.3g", b, worst, maxAbs)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"-logits"}, {"-tensor", "x.npy"}} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"-model", "/nonexistent/model.safetensors", "x.png"}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "/nonexistent/model.safetensors") {
		t.Errorf("missing model: exit %d, %q", code, errOut.String())
	}
}

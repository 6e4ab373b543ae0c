package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
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

	"golang.org/x/image/bmp"

	"inceptionweb/imagefile"
	"inceptionweb/internal/limits"
	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testimages"
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
	for i, want := range map[int]string{1: "not an image", 3: "truncated", 4: "empty"} {
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

// classifyJSON runs the command line with -json and returns its results.
func classifyJSON(t *testing.T, args ...string) ([]result, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	run(append([]string{"-json"}, args...), &stdout, &stderr)
	var results []result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("%v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	return results, stderr.String()
}

func TestImageLimits(t *testing.T) {
	m := bundledModel(t)
	dir := t.TempDir()
	// 16-bit RGBA takes 8 bytes a pixel once decoded: 6000x6000 is 288 MB, over the limit although it has
	// fewer pixels than the 50 megapixels an 8-bit photo may have.
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, testimages.ZeroPNG(6000, 6000, 16, 6, nil), 0o644)
	results, _ := classifyJSON(t, "-model", m, bomb, dir)
	if !strings.Contains(results[0].Error, "too large") || !strings.Contains(results[0].Error, "288 MB") {
		t.Errorf("16-bit bomb: %q", results[0].Error)
	}
	if !strings.Contains(results[1].Error, "directory") {
		t.Errorf("a directory: %q", results[1].Error)
	}
	if _, err := imagefile.Decode(testimages.ZeroPNG(6000, 6000, 16, 6, nil)); !errors.Is(err, limits.ErrTooLarge) {
		t.Errorf("decodeImage: %v, want ErrTooLarge", err)
	}
	if _, err := imagefile.Decode(testimages.ZeroPNG(3000, 3000, 16, 6, nil)); err != nil {
		t.Errorf("3000x3000 16-bit: %v", err)
	}
}

func TestTopK(t *testing.T) {
	m := bundledModel(t)
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	for top, want := range map[string]int{"-1": 1000, "0": 1000, "3": 3, "5000": 1000} {
		results, stderr := classifyJSON(t, "-model", m, "-top", top, photo)
		if len(results) != 1 || len(results[0].Predictions) != want {
			t.Errorf("-top %s: %d predictions, want %d (%s)", top, len(results[0].Predictions), want, stderr)
		}
	}
}

func TestWebPBMPAndOrientation(t *testing.T) {
	m := bundledModel(t)
	dir := t.TempDir()
	chelsea := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	f, err := os.Open(chelsea)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The photo stored turned a quarter counterclockwise, with EXIF orientation 6 (turn it clockwise to show
	// it), as a phone writes it; and as a BMP.
	b := img.Bounds()
	turned := image.NewNRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			turned.Set(y-b.Min.Y, b.Max.X-1-x, img.At(x, y))
		}
	}
	var rotated, plain, bmpData bytes.Buffer
	png.Encode(&rotated, turned)
	png.Encode(&plain, turned)
	bmp.Encode(&bmpData, img)
	os.WriteFile(filepath.Join(dir, "exif6.png"), withEXIF(rotated.Bytes(), 6), 0o644)
	os.WriteFile(filepath.Join(dir, "noexif.png"), plain.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "chelsea.bmp"), bmpData.Bytes(), 0o644)

	results, stderr := classifyJSON(t, "-model", m, chelsea, filepath.Join(dir, "exif6.png"), filepath.Join(dir, "noexif.png"),
		filepath.Join(dir, "chelsea.bmp"), "testdata/chelsea.webp")
	for i, r := range results {
		if r.Error != "" || len(r.Predictions) == 0 {
			t.Fatalf("%s: %q (%s)", r.File, r.Error, stderr)
		}
		t.Logf("%s: %s %.3f", r.File, r.Predictions[0].Label, r.Predictions[0].Prob)
		if i != 2 && !slices.Contains([]string{"tabby", "tiger cat", "Egyptian cat"}, r.Predictions[0].Label) {
			t.Errorf("%s: top-1 %q", r.File, r.Predictions[0].Label)
		}
	}
	// Turned upright, the pixels are the original ones: the same answer exactly; without EXIF, another one.
	if !slices.Equal(results[1].Predictions, results[0].Predictions) {
		t.Errorf("EXIF orientation 6: %+v, want %+v", results[1].Predictions[0], results[0].Predictions[0])
	}
	if slices.Equal(results[2].Predictions, results[0].Predictions) {
		t.Errorf("the turned photo without EXIF gives the upright one's answer: orientation not tested")
	}
	if !slices.Equal(results[3].Predictions, results[0].Predictions) {
		t.Errorf("BMP: %+v, want %+v", results[3].Predictions[0], results[0].Predictions[0])
	}
}

// withEXIF adds an eXIf chunk holding an orientation after a PNG's header chunk.
func withEXIF(pngData []byte, orientation uint16) []byte {
	tiff := []byte{'M', 'M', 0, '*', 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, byte(orientation >> 8), byte(orientation), 0, 0, 0, 0, 0, 0}
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(len(tiff)))
	chunk.WriteString("eXIf")
	chunk.Write(tiff)
	binary.Write(&chunk, binary.BigEndian, crc32.ChecksumIEEE(append([]byte("eXIf"), tiff...)))
	at := 8 + 25 // signature, then IHDR: length, type, 13 bytes, CRC
	return slices.Concat(pngData[:at], chunk.Bytes(), pngData[at:])
}

func TestOrient(t *testing.T) {
	// A 3x2 image with distinct pixels, in each orientation, against the expected upright layout.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range 6 {
		src.Pix[4*i] = byte(i + 1)
	}
	for o, want := range map[int][]byte{
		1: {1, 2, 3, 4, 5, 6},
		2: {3, 2, 1, 6, 5, 4},
		3: {6, 5, 4, 3, 2, 1},
		4: {4, 5, 6, 1, 2, 3},
		5: {1, 4, 2, 5, 3, 6},
		6: {4, 1, 5, 2, 6, 3},
		7: {6, 3, 5, 2, 4, 1},
		8: {3, 6, 2, 5, 1, 4},
	} {
		img := imagefile.Orient(src, o).(*image.RGBA)
		var got []byte
		for i := 0; i < len(img.Pix); i += 4 {
			got = append(got, img.Pix[i])
		}
		if !slices.Equal(got, want) {
			t.Errorf("orientation %d: %v, want %v", o, got, want)
		}
	}
}

// turnedSquare is a small image with distinct corners.
func turnedSquare() image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, 6, 4))
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	img.Set(5, 3, color.NRGBA{0, 0, 255, 128})
	return img
}

func TestChangedMetadataIsRefused(t *testing.T) {
	// A label changed in the model file's metadata ("tench" -> "bench") fails its digest.
	path := bundledModel(t)
	data, _ := os.ReadFile(path)
	changed := bytes.Replace(data, []byte("tench"), []byte("bench"), 1)
	if bytes.Equal(changed, data) {
		t.Fatal("no tench in the model file")
	}
	os.WriteFile(path, changed, 0o644)
	var stdout, stderr bytes.Buffer
	photo := filepath.Join(testenv.Shared(t), "images", "chelsea.png")
	if code := run([]string{"-model", path, photo}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "checksum mismatch") || !strings.Contains(stderr.String(), path) {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

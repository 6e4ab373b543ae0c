package testimages

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"inceptionweb/internal/testenv"
)

// Collections makes two collections of the same n ImageNet sample photos (from ../shared, spread over the
// classes), each in ImageNet's <wnid>/ folder layout: clean, the photos as they are, and degraded, each photo
// shrunk, blurred, noised and saved as a heavy JPEG. A model should score visibly lower on the second.
func Collections(t testing.TB, n int) (clean, degraded string) {
	t.Helper()
	src := filepath.Join(testenv.Shared(t), "datasets", "imagenet-samples")
	all, err := filepath.Glob(filepath.Join(src, "n*.JPEG"))
	if err != nil || len(all) < n {
		t.Fatalf("%s: %d photos (%v)", src, len(all), err)
	}
	sort.Strings(all)
	dir := t.TempDir()
	clean, degraded = filepath.Join(dir, "clean"), filepath.Join(dir, "degraded")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		path := all[i*len(all)/n]
		name := filepath.Base(path)
		wnid, _, _ := strings.Cut(name, "_")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var worse bytes.Buffer
		if err := jpeg.Encode(&worse, degrade(img, rng), &jpeg.Options{Quality: 12}); err != nil {
			t.Fatal(err)
		}
		for _, f := range []struct {
			dir  string
			data []byte
		}{{clean, data}, {degraded, worse.Bytes()}} {
			if err := os.MkdirAll(filepath.Join(f.dir, wnid), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(f.dir, wnid, name), f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return clean, degraded
}

// degrade shrinks img to at most 320 pixels a side, blurs it with a 5x5 box filter and adds Gaussian noise
// (sigma 24).
func degrade(img image.Image, rng *rand.Rand) image.Image {
	b := img.Bounds()
	step := max(1, (max(b.Dx(), b.Dy())+319)/320)
	w, h := b.Dx()/step, b.Dy()/step
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			small.Set(x, y, img.At(b.Min.X+x*step, b.Min.Y+y*step))
		}
	}
	out := image.NewRGBA(small.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum [3]int
			n := 0
			for yy := max(0, y-2); yy <= min(h-1, y+2); yy++ {
				for xx := max(0, x-2); xx <= min(w-1, x+2); xx++ {
					p := small.Pix[yy*small.Stride+4*xx:]
					sum[0], sum[1], sum[2] = sum[0]+int(p[0]), sum[1]+int(p[1]), sum[2]+int(p[2])
					n++
				}
			}
			var c [3]uint8
			for k := range c {
				v := float64(sum[k])/float64(n) + 24*rng.NormFloat64()
				c[k] = uint8(max(0, min(255, v)))
			}
			out.Set(x, y, color.RGBA{c[0], c[1], c[2], 255})
		}
	}
	return out
}

package imagenet

import (
	"image"
	"image/color"
	"slices"
	"testing"
)

func TestLabels(t *testing.T) {
	if len(Labels) != 1000 {
		t.Fatalf("%d labels, want 1000", len(Labels))
	}
	for i, want := range map[int]string{0: "tench", 281: "tabby", 285: "Egyptian cat", 967: "espresso", 999: "toilet tissue"} {
		if got := ShortLabel(Labels[i]); got != want {
			t.Errorf("label %d = %q, want %q", i, got, want)
		}
	}
	// The material's examples of classes by WNID and index.
	for wnid, want := range map[string]int{"n01440764": 0, "n01443537": 1, "n02097047": 196, "n03134739": 522, "n04254777": 806, "n15075141": 999, "n00000000": -1} {
		if got := ClassOf(wnid); got != want {
			t.Errorf("ClassOf(%s) = %d, want %d", wnid, got, want)
		}
	}
	if !slices.IsSorted(WNIDs) {
		t.Error("WNIDs are not in sorted order")
	}
}

func TestCenterCrop(t *testing.T) {
	for _, tc := range []struct{ w, h, x, y, side int }{
		{342, 342, 21, 21, 299}, {400, 300, 69, 19, 262}, {1, 1, 0, 0, 1},
	} {
		x, y, side := CenterCrop(tc.w, tc.h, InceptionCrop)
		if x != tc.x || y != tc.y || side != tc.side {
			t.Errorf("CenterCrop(%d,%d) = %d,%d,%d want %d,%d,%d", tc.w, tc.h, x, y, side, tc.x, tc.y, tc.side)
		}
	}
}

func TestCropResize(t *testing.T) {
	// A uniform image stays uniform at any scale; transparent pixels become white; gray stays gray.
	for _, tc := range []struct {
		img  image.Image
		want [3]byte
	}{
		{uniform(image.NewNRGBA(image.Rect(0, 0, 640, 480)), color.NRGBA{200, 100, 50, 255}), [3]byte{200, 100, 50}},
		{uniform(image.NewNRGBA(image.Rect(0, 0, 50, 90)), color.NRGBA{0, 0, 0, 0}), [3]byte{255, 255, 255}},
		{uniform(image.NewGray(image.Rect(0, 0, 300, 301)), color.Gray{77}), [3]byte{77, 77, 77}},
	} {
		for _, size := range []int{224, 299} {
			pix := Pixels(size, CentralCrop).CropResize(tc.img)
			if len(pix) != size*size*4 {
				t.Fatalf("got %d bytes", len(pix))
			}
			for i := 0; i < len(pix); i += 4 {
				if [3]byte{pix[i], pix[i+1], pix[i+2]} != tc.want || pix[i+3] != 255 {
					t.Fatalf("pixel %d = %v, want %v", i/4, pix[i:i+4], tc.want)
				}
			}
		}
	}
	// A left/right split keeps its two halves.
	img := image.NewRGBA(image.Rect(0, 0, 1000, 1000))
	for y := 0; y < 1000; y++ {
		for x := 500; x < 1000; x++ {
			img.Set(x, y, color.White)
		}
		for x := 0; x < 500; x++ {
			img.Set(x, y, color.Black)
		}
	}
	pix := Pixels(10, 1).CropResize(img)
	if pix[0] != 0 || pix[9*4] != 255 {
		t.Errorf("split image: left %d right %d", pix[0], pix[9*4])
	}
}

func uniform[T interface {
	image.Image
	Set(x, y int, c color.Color)
}](img T, c color.Color) T {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

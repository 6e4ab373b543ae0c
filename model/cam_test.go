package model_test

import (
	"image"
	"image/color"
	"image/draw"
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/model"

	"inceptionweb/internal/testmodels"
	"inceptionweb/weights"
)

// TestCAM pastes a photo into the bottom-right corner of a plain canvas: the class activation map of the top
// class must peak on the photo, and the features must be the classifier's input.
func TestCAM(t *testing.T) {
	f, err := os.Open(filepath.Join(testenv.Shared(t), "images", "coffee.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	coffee, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := coffee.Bounds()
	canvas := image.NewRGBA(image.Rect(0, 0, 2*b.Dx(), 2*b.Dy()))
	draw.Draw(canvas, canvas.Bounds(), &image.Uniform{color.RGBA{128, 128, 128, 255}}, image.Point{}, draw.Src)
	draw.Draw(canvas, b.Add(image.Pt(b.Dx(), b.Dy())), coffee, b.Min, draw.Src)
	for _, tc := range []struct {
		name     string
		data     []byte
		features int
	}{
		{"googlenet", testmodels.GoogLeNet(t), 1024},
		{"mobilenet_v2_uint8", mobileNet(t), 1280},
	} {
		m, err := model.Open(tc.name, tc.data)
		if err != nil {
			t.Fatal(err)
		}
		preds, err := m.ClassifyImage(canvas, 1)
		if err != nil {
			t.Fatal(err)
		}
		if f := m.Features(); len(f) != tc.features {
			t.Errorf("%s: %d features, want %d", tc.name, len(f), tc.features)
		}
		cam, err := m.ClassCAM(preds[0].Index)
		if err != nil {
			t.Fatal(err)
		}
		peak := 0
		for i, v := range cam.Values {
			if v > cam.Values[peak] {
				peak = i
			}
		}
		py, px := peak/cam.W, peak%cam.W
		t.Logf("%s: %s %.2f, CAM %dx%d peaks at row %d col %d", tc.name, preds[0].Label, preds[0].Prob, cam.H, cam.W, py, px)
		if 2*py < cam.H || 2*px < cam.W {
			t.Errorf("%s: the map of %q peaks at row %d col %d of %dx%d, away from the photo in the bottom-right corner",
				tc.name, preds[0].Label, py, px, cam.H, cam.W)
		}
		if _, err := m.ClassCAM(-1); err == nil {
			t.Error("class -1 accepted")
		}
	}
}

func mobileNet(t *testing.T) []byte {
	tflite, err := os.ReadFile(filepath.Join(testenv.Shared(t), "weights-source", "mobilenet_v2", "mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := model.FromTFLite(weights.Meta{Name: "mobilenet_v2_uint8"}, tflite)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

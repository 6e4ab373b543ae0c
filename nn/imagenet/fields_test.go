package imagenet

import (
	"testing"

	"inceptionweb/internal/jsontree/jsontreetest"
)

func TestFieldsMatchJSON(t *testing.T) {
	for _, p := range []Preprocess{
		Torchvision(299, InceptionCrop), Caffe(), Pixels(224, 0.875), {},
		{Size: 7, CropFraction: 0.3, Resize: "stretch", Normalize: "float", Channels: "rgb", Range: 255,
			Mean: [3]float32{0.1, 1e-7, 3e9}, Std: [3]float32{0.333, 1, 2}},
	} {
		jsontreetest.MatchesJSON(t, p, p.Fields())
	}
}

// Package imagenet holds the facts every ImageNet classifier here shares: the class labels (labels.txt, in
// torchvision's order, which is also TF-slim's order after its background class) and the preprocessing constants.
package imagenet

import (
	_ "embed"
	"strings"
)

//go:embed labels.txt
var labelsTxt string

// Labels are the 1000 ImageNet classes; each entry lists the synonyms of a class separated by ", ".
var Labels = strings.Split(strings.TrimRight(labelsTxt, "\n"), "\n")

// ShortLabel is a class's first synonym ("tabby, tabby cat" -> "tabby").
func ShortLabel(label string) string {
	name, _, _ := strings.Cut(label, ",")
	return name
}

// Normalisation of torchvision's ImageNet models: x = (pixel/255 - Mean) / Std per RGB channel.
var (
	Mean = [3]float32{0.485, 0.456, 0.406}
	Std  = [3]float32{0.229, 0.224, 0.225}
)

// Crop fractions: the side of the central square the model sees, relative to the image's short side.
const (
	// InceptionCrop is torchvision's InceptionV3 recipe: resize the short side to 342, center crop 299.
	InceptionCrop = 299.0 / 342.0
	// CentralCrop is TensorFlow's central 87.5% crop, used by the TFLite models.
	CentralCrop = 0.875
)

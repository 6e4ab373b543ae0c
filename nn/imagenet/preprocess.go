package imagenet

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Preprocess is how a model turns an image into its input. Model files carry it (their "input" metadata), so the
// page, the worker and the command line follow it with no code per model.
type Preprocess struct {
	Size int `json:"size"` // the network's input is Size x Size pixels
	// CropFraction is the central part of the image the model sees. With Resize "" (keep the aspect ratio) it is
	// a square of that fraction of the short side; with "stretch" the image is first squashed to a square (Caffe's
	// 256x256 resize), so it is that fraction of each side.
	CropFraction float64 `json:"crop_fraction"`
	Resize       string  `json:"resize,omitempty"` // "" or "stretch"
	// Normalize is "pixels" for raw uint8 RGB (integer graphs) or "float" for x = (p*Range/255 - Mean) / Std.
	Normalize string     `json:"normalize"`
	Channels  string     `json:"channels,omitempty"` // "rgb" (the default) or "bgr": the network's channel order
	Range     float32    `json:"range,omitempty"`    // 1 (pixels to [0,1], torchvision) or 255 (kept, Caffe)
	Mean      [3]float32 `json:"mean,omitempty"`     // per network channel, in Range's units
	Std       [3]float32 `json:"std,omitempty"`
}

// Fields is p as the JSON object encoding/json makes of it, as plain maps and numbers (float32s widened to
// float64, which decode back to the same float32s): what the page's worker hands the browser (js.ValueOf)
// without encoding/json, whose encoder the browser would compile on its first use in every worker
// (TestFieldsMatchJSON keeps the two the same).
func (p Preprocess) Fields() map[string]any {
	f := map[string]any{"size": p.Size, "crop_fraction": p.CropFraction, "normalize": p.Normalize,
		"mean": floats(p.Mean), "std": floats(p.Std)}
	if p.Resize != "" {
		f["resize"] = p.Resize
	}
	if p.Channels != "" {
		f["channels"] = p.Channels
	}
	if p.Range != 0 {
		f["range"] = float64(p.Range)
	}
	return f
}

func floats(v [3]float32) []any { return []any{float64(v[0]), float64(v[1]), float64(v[2])} }

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
	// CaffeCrop is Caffe's test-time recipe: squash to 256x256, central 224x224 crop.
	CaffeCrop = 224.0 / 256.0
)

// Torchvision is the preprocessing of torchvision's ImageNet models.
func Torchvision(size int, crop float64) Preprocess {
	return Preprocess{Size: size, CropFraction: crop, Normalize: "float", Range: 1, Mean: Mean, Std: Std}
}

// Caffe is the preprocessing of BVLC's Caffe models: squash to 256x256, central 224 crop, BGR minus the mean
// pixel (B 104, G 117, R 123), no scaling.
func Caffe() Preprocess {
	return Preprocess{Size: 224, CropFraction: CaffeCrop, Resize: "stretch", Normalize: "float", Channels: "bgr",
		Range: 255, Mean: [3]float32{104, 117, 123}, Std: [3]float32{1, 1, 1}}
}

// Pixels is the raw uint8 RGB input of an integer graph.
func Pixels(size int, crop float64) Preprocess {
	return Preprocess{Size: size, CropFraction: crop, Normalize: "pixels"}
}

// Check reports a description that Crop, CropResize or Normalize could not follow.
func (p Preprocess) Check() error {
	switch {
	case p.Size <= 0 || p.Size > 4096:
		return fmt.Errorf("input size %d", p.Size)
	case !(p.CropFraction > 0 && p.CropFraction <= 1):
		return fmt.Errorf("crop fraction %g", p.CropFraction)
	case p.Resize != "" && p.Resize != "stretch":
		return fmt.Errorf("resize %q (want \"\" or \"stretch\")", p.Resize)
	case p.Channels != "" && p.Channels != "rgb" && p.Channels != "bgr":
		return fmt.Errorf("channels %q (want rgb or bgr)", p.Channels)
	case p.Normalize == "pixels":
		return nil
	case p.Normalize != "float":
		return fmt.Errorf("normalize %q (want pixels or float)", p.Normalize)
	case p.Range != 1 && p.Range != 255:
		return fmt.Errorf("range %g (want 1 or 255)", p.Range)
	}
	for c, s := range p.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) || math.IsNaN(float64(p.Mean[c])) || math.IsInf(float64(p.Mean[c]), 0) {
			return fmt.Errorf("channel %d: mean %g, std %g", c, p.Mean[c], s)
		}
	}
	return nil
}

// Crop is the rectangle of a w x h image that becomes the network's Size x Size input.
func (p Preprocess) Crop(w, h int) (x, y, cw, ch int) {
	if p.Resize == "stretch" {
		cw = max(1, int(math.Round(float64(w)*p.CropFraction)))
		ch = max(1, int(math.Round(float64(h)*p.CropFraction)))
		return (w - cw) / 2, (h - ch) / 2, cw, ch
	}
	x, y, side := CenterCrop(w, h, p.CropFraction)
	return x, y, side, side
}

// CenterCrop is the square, of side frac times the short side, at the centre of a w x h image.
func CenterCrop(w, h int, frac float64) (x, y, side int) {
	side = max(1, int(math.Round(float64(min(w, h))*frac)))
	return (w - side) / 2, (h - side) / 2, side
}

// CropResize cuts p's crop out of img and resizes it to Size x Size RGBA pixels with a triangle filter widened
// when shrinking (antialiased bilinear, as PIL and torchvision resize). Pixels with alpha are composed over
// white, as the page does.
func (p Preprocess) CropResize(img image.Image) []byte {
	b := img.Bounds()
	x0, y0, cw, ch := p.Crop(b.Dx(), b.Dy())
	size := p.Size
	src := image.NewNRGBA(image.Rect(0, 0, cw, ch))
	draw.Draw(src, src.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	draw.Draw(src, src.Bounds(), img, image.Pt(b.Min.X+x0, b.Min.Y+y0), draw.Over)

	// Separable resampling: rows first into tmp (ch x size), then columns.
	wx, wy := filterWeights(cw, size), filterWeights(ch, size)
	tmp := make([]float32, ch*size*3)
	for y := 0; y < ch; y++ {
		row := src.Pix[y*src.Stride:]
		for x, taps := range wx {
			var r, g, bl float32
			for _, t := range taps.w {
				p := row[t.i*4:]
				r += t.v * float32(p[0])
				g += t.v * float32(p[1])
				bl += t.v * float32(p[2])
			}
			o := (y*size + x) * 3
			tmp[o], tmp[o+1], tmp[o+2] = r, g, bl
		}
	}
	out := make([]byte, size*size*4)
	for y, taps := range wy {
		for x := 0; x < size; x++ {
			var r, g, bl float32
			for _, t := range taps.w {
				p := tmp[(t.i*size+x)*3:]
				r += t.v * p[0]
				g += t.v * p[1]
				bl += t.v * p[2]
			}
			o := (y*size + x) * 4
			out[o], out[o+1], out[o+2], out[o+3] = clamp8(r), clamp8(g), clamp8(bl), 255
		}
	}
	return out
}

type tap struct {
	i int
	v float32
}

type taps struct{ w []tap }

// filterWeights gives, for each of n output samples, the source samples and weights of a triangle filter
// whose support grows with the shrink factor.
func filterWeights(in, n int) []taps {
	scale := float64(in) / float64(n)
	support := max(scale, 1)
	out := make([]taps, n)
	for o := range out {
		center := (float64(o) + 0.5) * scale
		lo := max(int(math.Floor(center-support)), 0)
		hi := min(int(math.Ceil(center+support)), in)
		var sum float64
		var ts []tap
		for i := lo; i < hi; i++ {
			d := math.Abs((float64(i) + 0.5 - center) / support)
			if d >= 1 {
				continue
			}
			ts = append(ts, tap{i, float32(1 - d)})
			sum += 1 - d
		}
		if len(ts) == 0 { // an output sample between two inputs that the filter misses: take the nearest
			ts = []tap{{min(int(center), in-1), 1}}
			sum = 1
		}
		for k := range ts {
			ts[k].v /= float32(sum)
		}
		out[o].w = ts
	}
	return out
}

func clamp8(v float32) byte {
	v = float32(math.Round(float64(v)))
	return byte(min(max(v, 0), 255))
}

// FloatInput turns Size x Size RGBA pixels into the network's float NHWC input (Normalize "float").
func (p Preprocess) FloatInput(rgba []byte, dst []float32) {
	src := [3]int{0, 1, 2}
	if p.Channels == "bgr" {
		src = [3]int{2, 1, 0}
	}
	for i := 0; i*4 < len(rgba); i++ {
		for c := 0; c < 3; c++ {
			v := float32(rgba[i*4+src[c]])
			if p.Range != 255 {
				v /= 255 // torchvision's ToTensor divides: the same bits as PyTorch
			}
			dst[i*3+c] = (v - p.Mean[c]) / p.Std[c]
		}
	}
}

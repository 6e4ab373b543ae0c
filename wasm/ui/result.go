//go:build js && wasm

package ui

import (
	"fmt"
	"strconv"
)

// Result is one image's card: its preview, the rectangle the model saw, and the answer or the error.
type Result struct {
	ID          int
	File        string
	State       string // "pending", "done" or "error"
	PreviewURL  string
	Width       int // of the decoded image, orientation applied
	Height      int
	CropX       int // the rectangle the model sees, in image pixels (nn/imagenet.Preprocess.Crop)
	CropY       int
	CropW       int
	CropH       int
	Model       string
	Predictions []Prediction
	Ms          float64
	Workers     int // the workers it ran on: more than one when split
	Err         string
	CAM         *CAM // the top class's activation map, nil when the worker sent none
	ShowCAM     bool // the map is laid over the crop
}

// Prediction is one class of a result.
type Prediction struct {
	Class int    // the ImageNet class, 0..999
	WNID  string // its WordNet ID, e.g. "n02097047"
	Label string
	Prob  float64
}

func (p Prediction) ClassString() string { return strconv.Itoa(p.Class) }

func (p Prediction) ProbString() string { return strconv.FormatFloat(p.Prob, 'f', 6, 64) }
func (p Prediction) Percent() string    { return fmt.Sprintf("%.1f%%", 100*p.Prob) }
func (p Prediction) BarStyle() string   { return fmt.Sprintf("width: %.2f%%", 100*p.Prob) }

// CropStyle places the crop rectangle over the preview, in percent of the image.
func (r *Result) CropStyle() string {
	if r.Width == 0 || r.Height == 0 {
		return "display: none"
	}
	w, h := float64(r.Width), float64(r.Height)
	return fmt.Sprintf("left: %.3f%%; top: %.3f%%; width: %.3f%%; height: %.3f%%",
		100*float64(r.CropX)/w, 100*float64(r.CropY)/h, 100*float64(r.CropW)/w, 100*float64(r.CropH)/h)
}

// AspectStyle gives the preview box the image's proportions before the image has loaded.
func (r *Result) AspectStyle() string {
	if r.Width == 0 || r.Height == 0 {
		return ""
	}
	return fmt.Sprintf("aspect-ratio: %d / %d", r.Width, r.Height)
}

func (r *Result) Meta() string {
	s := fmt.Sprintf("%dx%d · %s · %.1f ms", r.Width, r.Height, r.Model, r.Ms)
	if r.Workers > 1 {
		s += fmt.Sprintf(" · split across %d workers", r.Workers)
	}
	return s
}

func (r *Result) WorkersString() string { return strconv.Itoa(r.Workers) }

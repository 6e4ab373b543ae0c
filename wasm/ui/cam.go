//go:build js && wasm

package ui

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"syscall/js"
)

// CAM is a class activation map of an image's top class, as a worker sent it: H x W values over the crop the
// model saw (model.CAM), and the image the page lays over that crop.
type CAM struct {
	H, W   int
	Values []float32
	Class  int    // the class it explains
	URL    string // the map as a small PNG (data URL), stretched and smoothed by the browser over the crop
	Peak   [2]int // row and column of the largest value
}

// camOf reads the cam of a worker's classify reply, or returns nil when there is none (a model without
// maps, or an image split across workers).
func camOf(v js.Value) *CAM {
	if v.IsUndefined() || v.IsNull() {
		return nil
	}
	c := &CAM{H: v.Get("h").Int(), W: v.Get("w").Int(), Class: v.Get("class").Int()}
	vals := v.Get("values")
	if c.H <= 0 || c.W <= 0 || vals.Length() != c.H*c.W {
		return nil
	}
	c.Values = make([]float32, c.H*c.W)
	for i := range c.Values {
		c.Values[i] = float32(vals.Index(i).Float())
	}
	c.URL, c.Peak = camImage(c.H, c.W, c.Values)
	return c
}

// camImage colours a map from blue (no evidence) through yellow to red (the most), half transparent, and
// finds its peak.
func camImage(h, w int, values []float32) (string, [2]int) {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	peak := 0
	for i, v := range values {
		lo, hi = min(lo, v), max(hi, v)
		if v > values[peak] {
			peak = i
		}
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	stops := [3][3]float64{{40, 70, 200}, {250, 215, 60}, {225, 30, 30}}
	for i, v := range values {
		t := 0.0
		if hi > lo {
			t = float64((v - lo) / (hi - lo))
		}
		a, b, f := stops[0], stops[1], 2*t
		if t > 0.5 {
			a, b, f = stops[1], stops[2], 2*t-1
		}
		img.SetNRGBA(i%w, i/w, color.NRGBA{uint8(a[0] + (b[0]-a[0])*f), uint8(a[1] + (b[1]-a[1])*f),
			uint8(a[2] + (b[2]-a[2])*f), uint8(110 + 90*t)})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), [2]int{peak / w, peak % w}
}

// PeakString is "row,col" of the map's peak, for tests.
func (c *CAM) PeakString() string { return fmt.Sprintf("%d,%d", c.Peak[0], c.Peak[1]) }

// SizeString is "H,W".
func (c *CAM) SizeString() string { return fmt.Sprintf("%d,%d", c.H, c.W) }

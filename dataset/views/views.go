// Package views turns a few photographs into a few dozen different inputs: each photo, its mirror image and corner
// crops. They are the quantization tool's comparisons and the calibration set of the int8-compute models.
package views

import (
	"fmt"
	"image"
	"image/draw"
	"path/filepath"

	"inceptionweb/imagefile"
)

// A Variant is one way of looking at a photo, so a handful of photographs give a few dozen different inputs:
// the quantization tool's comparisons and its calibration set.
type Variant struct {
	Name  string
	Apply func(image.Image) image.Image
}

// Variants are the photo itself, its mirror image and four corner crops.
var Variants = []Variant{
	{"photo", func(m image.Image) image.Image { return m }},
	{"flip", flip},
	{"crop-tl", func(m image.Image) image.Image { return crop(m, 0, 0) }},
	{"crop-br", func(m image.Image) image.Image { return crop(m, 1, 1) }},
	{"crop-tr", func(m image.Image) image.Image { return crop(m, 1, 0) }},
	{"crop-bl", func(m image.Image) image.Image { return crop(m, 0, 1) }},
}

func flip(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(b.Dx()-1-x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

// crop keeps 70% of each side, at a corner.
func crop(m image.Image, cx, cy int) image.Image {
	b := m.Bounds()
	w, h := b.Dx()*7/10, b.Dy()*7/10
	x0, y0 := b.Min.X+cx*(b.Dx()-w), b.Min.Y+cy*(b.Dy()-h)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), m, image.Pt(x0, y0), draw.Src)
	return out
}

// Read reads the photographs (PNG and JPEG) of dir, each with its first n Variants.
func Read(dir string, n int) ([]image.Image, error) {
	photos, err := filepath.Glob(filepath.Join(dir, "*.[pj][np]g"))
	if err != nil || len(photos) == 0 {
		return nil, fmt.Errorf("no photographs in %s", dir)
	}
	var imgs []image.Image
	for _, p := range photos {
		img, err := imagefile.Read(p)
		if err != nil {
			return nil, err
		}
		for _, v := range Variants[:min(max(n, 1), len(Variants))] {
			imgs = append(imgs, v.Apply(img))
		}
	}
	return imgs, nil
}

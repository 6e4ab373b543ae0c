package main

import (
	"fmt"
	"image"
	"image/draw"
	"io"
	"math"
	"path/filepath"

	"inceptionweb/imagefile"
	"inceptionweb/model"
)

// A variant is one way of looking at a photo, so a handful of photographs give a few dozen different inputs.
type variant struct {
	name string
	f    func(image.Image) image.Image
}

var allVariants = []variant{
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

type comparison struct {
	inputs, top1, top5 int
	cosSum, cosMin     float64
	disagreements      []string
}

// compare runs both models on every photo and variant.
func compare(ref, q *model.Model, photos []string, nVariants int) (*comparison, error) {
	r := &comparison{cosMin: 1}
	in := ref.Info().Input
	size := in.Size
	for _, p := range photos {
		img, err := imagefile.Read(p)
		if err != nil {
			return nil, err
		}
		for _, v := range allVariants[:min(nVariants, len(allVariants))] {
			pix := in.CropResize(v.f(img))
			a, err := ref.ClassifyRGBA(pix, size, 5)
			if err != nil {
				return nil, err
			}
			b, err := q.ClassifyRGBA(pix, size, 5)
			if err != nil {
				return nil, err
			}
			la, err := ref.Scores(pix, size)
			if err != nil {
				return nil, err
			}
			la = append([]float32(nil), la...)
			lb, err := q.Scores(pix, size)
			if err != nil {
				return nil, err
			}
			r.inputs++
			if a[0].Index == b[0].Index {
				r.top1++
			} else {
				r.disagreements = append(r.disagreements, fmt.Sprintf("%s/%s: %s vs %s", filepath.Base(p), v.name, a[0].Label, b[0].Label))
			}
			if sameSet(a, b) {
				r.top5++
			}
			c := cosine(la, lb)
			r.cosSum += c
			r.cosMin = min(r.cosMin, c)
		}
	}
	return r, nil
}

func (r *comparison) print(w io.Writer) {
	fmt.Fprintf(w, "photographs: %d inputs (photos and their crops and flips)\n", r.inputs)
	fmt.Fprintf(w, "top-1 agreement: %d/%d = %.1f%%\n", r.top1, r.inputs, 100*float64(r.top1)/float64(r.inputs))
	fmt.Fprintf(w, "top-5 agreement (same five classes): %d/%d = %.1f%%\n", r.top5, r.inputs, 100*float64(r.top5)/float64(r.inputs))
	fmt.Fprintf(w, "logit cosine similarity: mean %.5f, min %.5f\n", r.cosSum/float64(r.inputs), r.cosMin)
	for _, d := range r.disagreements {
		fmt.Fprintf(w, "  top-1 differs: %s\n", d)
	}
}

func sameSet(a, b []model.Prediction) bool {
	seen := map[int]bool{}
	for _, p := range a {
		seen[p.Index] = true
	}
	for _, p := range b {
		if !seen[p.Index] {
			return false
		}
	}
	return len(a) == len(b)
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

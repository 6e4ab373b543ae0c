package main

import (
	"fmt"
	"io"
	"path/filepath"

	"inceptionweb/dataset/views"
	"inceptionweb/imagefile"
	"inceptionweb/model"
	"inceptionweb/nn"
)

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
		for _, v := range views.Variants[:min(nVariants, len(views.Variants))] {
			pix := in.CropResize(v.Apply(img))
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
				r.disagreements = append(r.disagreements, fmt.Sprintf("%s/%s: %s vs %s", filepath.Base(p), v.Name, a[0].Label, b[0].Label))
			}
			if sameSet(a, b) {
				r.top5++
			}
			c := nn.Cosine(la, lb)
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

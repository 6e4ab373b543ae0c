package imagenet

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// CenterCrop is the square, of side frac times the short side, at the centre of a w x h image.
func CenterCrop(w, h int, frac float64) (x, y, side int) {
	side = max(1, int(math.Round(float64(min(w, h))*frac)))
	return (w - side) / 2, (h - side) / 2, side
}

// CropResize cuts the central square of img (frac of its short side) and resizes it to size x size RGBA pixels
// with a triangle filter widened when shrinking (antialiased bilinear, as PIL and torchvision resize). Pixels
// with alpha are composed over white, as the page does.
func CropResize(img image.Image, frac float64, size int) []byte {
	b := img.Bounds()
	x0, y0, side := CenterCrop(b.Dx(), b.Dy(), frac)
	src := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.Draw(src, src.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	draw.Draw(src, src.Bounds(), img, image.Pt(b.Min.X+x0, b.Min.Y+y0), draw.Over)

	// Separable resampling: rows first into tmp (side x size), then columns.
	wx := filterWeights(side, size)
	tmp := make([]float32, side*size*3)
	for y := 0; y < side; y++ {
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
	for y, taps := range wx {
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

// Normalize turns size x size RGBA pixels into torchvision's normalised NHWC float input.
func Normalize(rgba []byte, dst []float32) {
	for i := 0; i*4 < len(rgba); i++ {
		for c := 0; c < 3; c++ {
			dst[i*3+c] = (float32(rgba[i*4+c])/255 - Mean[c]) / Std[c]
		}
	}
}

package browser

import (
	"bufio"
	"fmt"
	"image"
	"image/draw"
	_ "image/png"
	"os"
	"testing"
)

// writeY4M writes a short 640x480 YUV4MPEG2 video (4:2:0) of one image, scaled to cover the frame and
// cropped to its centre: what Chromium's fake camera plays with --use-file-for-fake-video-capture.
func writeY4M(t testing.TB, imagePath, out string, frames int) {
	t.Helper()
	const w, h = 640, 480
	f, err := os.Open(imagePath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", imagePath, err)
	}
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Bounds(), src, src.Bounds().Min, draw.Src)
	frame := cover(rgba, w, h)
	y, u, v := i420(frame)

	file, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(file)
	fmt.Fprintf(bw, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", w, h)
	for range frames {
		bw.WriteString("FRAME\n")
		bw.Write(y)
		bw.Write(u)
		bw.Write(v)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := file.Close(); err != nil {
		t.Fatal(err)
	}
}

// cover scales img bilinearly so that it covers w x h, and crops the centre.
func cover(img *image.RGBA, w, h int) *image.RGBA {
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	scale := max(float64(w)/float64(sw), float64(h)/float64(sh))
	offX := (float64(sw)*scale - float64(w)) / 2
	offY := (float64(sh)*scale - float64(h)) / 2
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		sy := min(max((float64(y)+0.5+offY)/scale-0.5, 0), float64(sh-1))
		y0 := int(sy)
		y1, fy := min(y0+1, sh-1), sy-float64(y0)
		for x := range w {
			sx := min(max((float64(x)+0.5+offX)/scale-0.5, 0), float64(sw-1))
			x0 := int(sx)
			x1, fx := min(x0+1, sw-1), sx-float64(x0)
			for c := range 3 {
				at := func(x, y int) float64 { return float64(img.Pix[y*img.Stride+x*4+c]) }
				top := at(x0, y0)*(1-fx) + at(x1, y0)*fx
				bottom := at(x0, y1)*(1-fx) + at(x1, y1)*fx
				out.Pix[y*out.Stride+x*4+c] = uint8(top*(1-fy) + bottom*fy + 0.5)
			}
			out.Pix[y*out.Stride+x*4+3] = 255
		}
	}
	return out
}

// i420 converts to BT.601 limited-range Y, U and V planes, chroma averaged over 2x2 pixels.
func i420(img *image.RGBA) (y, u, v []byte) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	y = make([]byte, w*h)
	u = make([]byte, w*h/4)
	v = make([]byte, w*h/4)
	rgb := func(x, y int) (float64, float64, float64) {
		p := img.Pix[y*img.Stride+x*4:]
		return float64(p[0]), float64(p[1]), float64(p[2])
	}
	for j := range h {
		for i := range w {
			r, g, b := rgb(i, j)
			y[j*w+i] = clamp(16 + (65.481*r+128.553*g+24.966*b)/255)
		}
	}
	for j := 0; j < h; j += 2 {
		for i := 0; i < w; i += 2 {
			var r, g, b float64
			for _, d := range [][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				pr, pg, pb := rgb(i+d[0], j+d[1])
				r, g, b = r+pr/4, g+pg/4, b+pb/4
			}
			u[j/2*w/2+i/2] = clamp(128 + (-37.797*r-74.203*g+112*b)/255)
			v[j/2*w/2+i/2] = clamp(128 + (112*r-93.786*g-18.214*b)/255)
		}
	}
	return y, u, v
}

func clamp(x float64) byte { return byte(min(max(x+0.5, 0), 255)) }

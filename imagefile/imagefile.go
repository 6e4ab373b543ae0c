// Package imagefile reads image files on the command line as the page reads them: the same checks first
// (wasm/imagecheck: format, truncation, the one limit on the size after decoding), the decoders of the formats the
// page takes (JPEG, PNG, GIF, WebP, BMP), and the EXIF orientation.
package imagefile

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"

	"inceptionweb/internal/limits"
	"inceptionweb/wasm/imagecheck"
)

// ReadFile reads an image file of at most limits.ImageFileBytes.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil {
		return nil, err
	} else if info.IsDir() {
		return nil, errors.New("a directory, not an image file")
	}
	data, err := io.ReadAll(io.LimitReader(f, limits.ImageFileBytes+1))
	if err != nil {
		return nil, err
	}
	if err := limits.Check("the file", int64(len(data)), limits.ImageFileBytes); err != nil {
		return nil, err
	}
	return data, nil
}

// Decode decodes an image file as the page does: the same checks first (imagecheck: format, truncation,
// the size after decoding), then the pixels, turned upright by the file's EXIF orientation.
func Decode(data []byte) (image.Image, error) {
	h, err := imagecheck.Check(data)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", imagecheck.ErrCorrupt, err)
	}
	if b := img.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
		return nil, fmt.Errorf("%w: the header says %dx%d, the image is %dx%d", imagecheck.ErrCorrupt, h.Width, h.Height, b.Dx(), b.Dy())
	}
	return Orient(img, h.Orientation), nil
}

// Orient applies an EXIF orientation (2 to 8; anything else leaves img as it is). Orientation o says how the
// stored pixels must be flipped and turned to show the picture upright.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	src := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 { // 5 to 8 swap width and height
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // turned 180
				dx, dy = w-1-x, h-1-y
			case 4: // mirrored vertically
				dx, dy = x, h-1-y
			case 5: // mirrored along the main diagonal
				dx, dy = y, x
			case 6: // stored turned 90 counterclockwise: turn clockwise
				dx, dy = h-1-y, x
			case 7: // mirrored along the other diagonal
				dx, dy = h-1-y, w-1-x
			case 8: // stored turned 90 clockwise: turn counterclockwise
				dx, dy = y, w-1-x
			}
			copy(dst.Pix[dy*dst.Stride+4*dx:][:4], src.Pix[y*src.Stride+4*x:][:4])
		}
	}
	return dst
}

// Read reads and decodes an image file.
func Read(path string) (image.Image, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(data)
}

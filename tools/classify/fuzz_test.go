package main

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"inceptionweb/imagefile"
	"inceptionweb/internal/testimages"
	"inceptionweb/nn/imagenet"
	"inceptionweb/wasm/imagecheck"
)

// FuzzDecodeImage runs the command line's path from a file's bytes to the network's input pixels: the checks,
// the decoder, the EXIF orientation and the crop and resize. It must never panic, and what it accepts must give
// the input size.
func FuzzDecodeImage(f *testing.F) {
	goImages := filepath.Join(runtime.GOROOT(), "src", "image", "testdata")
	for _, name := range []string{"video-001.jpeg", "video-001.progressive.jpeg", "video-001.cmyk.jpeg", "video-005.gray.png", "video-001.gif", "video-001.interlaced.gif", "video-001.221212.png"} {
		if b, err := os.ReadFile(filepath.Join(goImages, name)); err == nil {
			f.Add(b)
		}
	}
	if b, err := os.ReadFile("testdata/chelsea.webp"); err == nil {
		f.Add(b)
	}
	f.Add(testimages.ZeroPNG(8, 4, 16, 6, nil))
	var small bytes.Buffer
	png.Encode(&small, turnedSquare())
	f.Add(withEXIF(small.Bytes(), 6))
	f.Add(withEXIF(small.Bytes(), 5))
	bmpHeader := make([]byte, 54+4*3*4)
	copy(bmpHeader, "BM")
	binary.LittleEndian.PutUint32(bmpHeader[2:], uint32(len(bmpHeader)))
	binary.LittleEndian.PutUint32(bmpHeader[10:], 54)
	binary.LittleEndian.PutUint32(bmpHeader[14:], 40)
	binary.LittleEndian.PutUint32(bmpHeader[18:], 4)
	binary.LittleEndian.PutUint32(bmpHeader[22:], 4)
	binary.LittleEndian.PutUint16(bmpHeader[26:], 1)
	binary.LittleEndian.PutUint16(bmpHeader[28:], 24)
	f.Add(bmpHeader)
	pre := imagenet.Torchvision(32, imagenet.CentralCrop)
	f.Fuzz(func(t *testing.T, data []byte) {
		// The size limit itself is tested elsewhere; here large images would only make each run slow.
		if h, err := imagecheck.Check(data); err == nil && h.Width*h.Height > 1<<20 {
			return
		}
		img, err := imagefile.Decode(data)
		if err != nil {
			return
		}
		if pix := pre.CropResize(img); len(pix) != 32*32*4 {
			t.Fatalf("%d bytes of pixels", len(pix))
		}
	})
}

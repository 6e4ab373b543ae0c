package imagecheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"inceptionweb/internal/testimages"
)

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "src", "image", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAccepted(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 7, 5), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	withTrailer := append(testdata(t, "video-001.jpeg"), []byte("trailing data of a motion photo \xff\xd8")...)
	for _, c := range []struct {
		name   string
		data   []byte
		format string
		w, h   int
	}{
		{"baseline jpeg", testdata(t, "video-001.jpeg"), "jpeg", 150, 103},
		{"progressive jpeg", testdata(t, "video-001.progressive.jpeg"), "jpeg", 150, 103},
		{"restart markers", testdata(t, "video-001.restart2.jpeg"), "jpeg", 150, 103},
		{"cmyk jpeg", testdata(t, "video-001.cmyk.jpeg"), "jpeg", 150, 103},
		{"gray jpeg", testdata(t, "video-005.gray.jpeg"), "jpeg", 150, 103},
		{"jpeg with trailer", withTrailer, "jpeg", 150, 103},
		{"png", testdata(t, "video-001.png"), "png", 150, 103},
		{"gray png", testdata(t, "video-005.gray.png"), "png", 150, 103},
		{"blank png", testimages.BlankPNG(300, 200), "png", 300, 200},
		{"gif", gifBuf.Bytes(), "gif", 7, 5},
		{"webp lossless", webpVP8L(640, 480), "webp", 640, 480},
		{"bmp", bmp(30, -20), "bmp", 30, 20},
	} {
		h, err := Check(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if h != (Header{c.format, c.w, c.h}) {
			t.Errorf("%s: %+v, want %s %dx%d", c.name, h, c.format, c.w, c.h)
		}
	}
}

func TestRejected(t *testing.T) {
	jpeg := testdata(t, "video-001.jpeg")
	pngData := testdata(t, "video-001.png")
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrEmpty},
		{"text", []byte("this is a text file, not a photo\n"), ErrNotImage},
		{"jpeg cut in the scan", jpeg[:len(jpeg)/2], ErrTruncated},
		{"jpeg cut before the last byte", jpeg[:len(jpeg)-1], ErrTruncated},
		{"jpeg cut in the header", jpeg[:40], ErrTruncated},
		{"png cut", pngData[:len(pngData)-20], ErrTruncated},
		{"png cut in the header", pngData[:20], ErrTruncated},
		{"20000x20000 png", testimages.BlankPNG(20000, 20000), ErrTooLarge},
		{"webp too large", webpVP8L(10000, 10000), ErrTooLarge},
		{"webp cut", webpVP8L(64, 64)[:28], ErrTruncated},
		{"bmp cut", bmp(30, 20)[:100], ErrTruncated},
		{"jpeg without a marker", noMarker(jpeg), ErrCorrupt},
	} {
		_, err := Check(c.data)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

// webpVP8L is the header of a lossless WebP of the given size, with a body of zeros.
func webpVP8L(w, h int) []byte {
	b := make([]byte, 64)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	copy(b[8:], "WEBPVP8L")
	binary.LittleEndian.PutUint32(b[16:], uint32(len(b)-20))
	b[20] = 0x2F
	binary.LittleEndian.PutUint32(b[21:], uint32(w-1)|uint32(h-1)<<14)
	return b
}

// bmp is a 24-bit BMP of the given size (negative height: top-down) with a body of zeros.
func bmp(w, h int) []byte {
	size := 54 + ((w*3+3)&^3)*max(h, -h)
	b := make([]byte, size)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], uint32(size))
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], uint32(int32(w)))
	binary.LittleEndian.PutUint32(b[22:], uint32(int32(h)))
	return b
}

// noMarker breaks the marker after a JPEG's first segment.
func noMarker(jpeg []byte) []byte {
	b := bytes.Clone(jpeg)
	b[4+int(binary.BigEndian.Uint16(b[4:]))] = 0x12
	return b
}

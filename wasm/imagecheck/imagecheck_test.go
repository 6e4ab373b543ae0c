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
	"slices"
	"testing"

	"inceptionweb/internal/limits"
	"inceptionweb/internal/testimages"
)

func testdata(t testing.TB, name string) []byte {
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
		{"7000x7000 8-bit png", testimages.HeaderPNG(7000, 7000, 8, 6, nil), "png", 7000, 7000},
		{"4000x4000 16-bit RGBA png", testimages.HeaderPNG(4000, 4000, 16, 6, nil), "png", 4000, 4000},
	} {
		h, err := Check(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if h != (Header{Format: c.format, Width: c.w, Height: c.h}) {
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
		// Bytes after decoding count, not pixels: 16-bit RGBA takes 8 bytes a pixel.
		{"104857600x1 16-bit RGBA png", testimages.HeaderPNG(104857600, 1, 16, 6, nil), ErrTooLarge},
		{"10240x10240 16-bit gray png", testimages.HeaderPNG(10240, 10240, 16, 0, nil), ErrTooLarge},
		{"6000x6000 16-bit RGBA png", testimages.HeaderPNG(6000, 6000, 16, 6, nil), ErrTooLarge},
		{"jpeg segment length 0", zeroLength(jpeg), ErrCorrupt},
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

// tiffOrientation is an EXIF TIFF structure holding only an Orientation tag.
func tiffOrientation(bo binary.ByteOrder, v uint16) []byte {
	b := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(b, "II*\x00")
	} else {
		copy(b, "MM\x00*")
	}
	bo.PutUint32(b[4:], 8)
	bo.PutUint16(b[8:], 1)
	bo.PutUint16(b[10:], 0x0112)
	bo.PutUint16(b[12:], 3)
	bo.PutUint32(b[14:], 1)
	bo.PutUint16(b[18:], v)
	return b
}

// withExif inserts an APP1 EXIF segment after a JPEG's start of image.
func withExif(jpeg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	return slices.Concat(jpeg[:2], app1, seg, jpeg[2:])
}

// webpVP8X is an extended WebP header with an EXIF chunk.
func webpVP8X(w, h int, tiff []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF\x00\x00\x00\x00WEBPVP8X")
	binary.Write(&b, binary.LittleEndian, uint32(10))
	b.Write([]byte{0x08, 0, 0, 0}) // flags: EXIF
	b.Write([]byte{byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)})
	b.WriteString("EXIF")
	binary.Write(&b, binary.LittleEndian, uint32(len(tiff)))
	b.Write(tiff)
	if len(tiff)%2 == 1 {
		b.WriteByte(0)
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

func TestOrientation(t *testing.T) {
	jpeg := testdata(t, "video-001.jpeg")
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{
		{"jpeg without exif", jpeg, 0},
		{"jpeg, little-endian exif", withExif(jpeg, tiffOrientation(binary.LittleEndian, 6)), 6},
		{"jpeg, big-endian exif", withExif(jpeg, tiffOrientation(binary.BigEndian, 8)), 8},
		{"jpeg, orientation out of range", withExif(jpeg, tiffOrientation(binary.BigEndian, 9)), 0},
		{"jpeg, exif cut short", withExif(jpeg, tiffOrientation(binary.BigEndian, 3)[:16]), 0},
		{"png eXIf", testimages.HeaderPNG(10, 20, 8, 2, tiffOrientation(binary.BigEndian, 3)), 3},
		{"webp EXIF", webpVP8X(10, 20, tiffOrientation(binary.LittleEndian, 5)), 5},
	} {
		h, err := Check(c.data)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if h.Orientation != c.want {
			t.Errorf("%s: orientation %d, want %d", c.name, h.Orientation, c.want)
		}
	}
}

func TestProgressiveJPEGCounts(t *testing.T) {
	// A progressive JPEG keeps an int32 coefficient per component and pixel on top of the image.
	if err := limits.CheckImage("jpeg", 5000, 5000, 3, 12); !errors.Is(err, ErrTooLarge) {
		t.Errorf("5000x5000 progressive: %v", err)
	}
	if err := limits.CheckImage("jpeg", 5000, 5000, 3, 0); err != nil {
		t.Errorf("5000x5000 baseline: %v", err)
	}
	h, err := Check(testdata(t, "video-001.progressive.jpeg"))
	if err != nil || h.Width != 150 {
		t.Fatalf("%+v, %v", h, err)
	}
}

// zeroLength sets the length of a JPEG's first segment to 0.
func zeroLength(jpeg []byte) []byte {
	b := bytes.Clone(jpeg)
	b[4], b[5] = 0, 0
	return b
}

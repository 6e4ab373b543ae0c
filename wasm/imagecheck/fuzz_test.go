package imagecheck

import (
	"encoding/binary"
	"inceptionweb/internal/testimages"
	"testing"
)

// FuzzCheck checks that Check never panics on any bytes, and that what it accepts has a sane size.
func FuzzCheck(f *testing.F) {
	jpeg := testdata(f, "video-001.jpeg")
	for _, name := range []string{"video-001.jpeg", "video-001.progressive.jpeg", "video-001.png", "video-005.gray.png", "video-001.gif"} {
		f.Add(testdata(f, name))
	}
	f.Add(withExif(jpeg, tiffOrientation(binary.LittleEndian, 6)))
	f.Add(testimages.HeaderPNG(10, 20, 16, 6, tiffOrientation(binary.BigEndian, 3)))
	f.Add(webpVP8X(10, 20, tiffOrientation(binary.LittleEndian, 5)))
	f.Add(webpVP8L(64, 48))
	f.Add(bmp(30, -20))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Check(data)
		if err != nil {
			return
		}
		if h.Width <= 0 || h.Height <= 0 || int64(h.Width)*int64(h.Height)*4 > 200_000_000 {
			t.Fatalf("accepted %+v", h)
		}
		if h.Orientation < 0 || h.Orientation > 8 {
			t.Fatalf("orientation %d", h.Orientation)
		}
	})
}

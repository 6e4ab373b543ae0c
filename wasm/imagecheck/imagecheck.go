// Package imagecheck looks at an image file's bytes before the browser decodes it: it names the format, reads
// the dimensions from the header, and rejects what should not reach a decoder: empty files, files that are not
// images, files cut short, and images too large to decode safely.
//
// It reads headers and walks the container structure (JPEG segments, PNG chunks); it never decodes pixels,
// so it costs about a millisecond per megabyte even in WebAssembly.
package imagecheck

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"io"
)

// MaxPixels is the largest image accepted: decoding one takes 4 bytes per pixel, 200 MB at this size.
const MaxPixels = 50_000_000

// Header is what the file says about itself.
type Header struct {
	Format        string // "png", "jpeg", "gif", "webp" or "bmp"
	Width, Height int
}

var (
	ErrEmpty     = errors.New("the file is empty")
	ErrNotImage  = errors.New("not an image (PNG, JPEG, GIF, WebP and BMP files are accepted)")
	ErrTruncated = errors.New("the image is truncated: the file ends before the image does")
	ErrCorrupt   = errors.New("the image is corrupt")
	ErrTooLarge  = errors.New("the image is too large to decode safely")
)

// Check reads the header of an image file and checks that the file is whole.
func Check(data []byte) (Header, error) {
	if len(data) == 0 {
		return Header{}, ErrEmpty
	}
	var h Header
	var err error
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		h, err = checkStd(data, "png", walkPNG)
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		h, err = checkStd(data, "jpeg", walkJPEG)
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		h, err = checkStd(data, "gif", func([]byte) error { return nil })
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		h, err = checkWebP(data)
	case bytes.HasPrefix(data, []byte("BM")):
		h, err = checkBMP(data)
	default:
		return Header{}, ErrNotImage
	}
	if err != nil {
		return h, err
	}
	if h.Width <= 0 || h.Height <= 0 {
		return h, fmt.Errorf("%w: %s header says %dx%d", ErrCorrupt, h.Format, h.Width, h.Height)
	}
	if int64(h.Width)*int64(h.Height) > MaxPixels {
		return h, fmt.Errorf("%w: %dx%d is %.0f megapixels, the limit is %d", ErrTooLarge,
			h.Width, h.Height, float64(h.Width)*float64(h.Height)/1e6, MaxPixels/1_000_000)
	}
	return h, nil
}

// checkStd reads the header with the standard library's decoders, then walks the file's structure.
func checkStd(data []byte, format string, walk func([]byte) error) (Header, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return Header{Format: format}, ErrTruncated
		}
		return Header{Format: format}, fmt.Errorf("%w: %s header: %v", ErrCorrupt, format, err)
	}
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height}
	return h, walk(data)
}

// walkPNG follows the chunks up to IEND.
func walkPNG(data []byte) error {
	p := 8
	for {
		if p+8 > len(data) {
			return ErrTruncated
		}
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data) {
			return ErrTruncated
		}
		p += 12 + n // length, type, data, CRC
		if p > len(data) {
			return ErrTruncated
		}
		if typ == "IEND" {
			return nil
		}
	}
}

// walkJPEG follows the segments, and the entropy-coded data after each start of scan, up to the end of image
// marker. Data after EOI (camera trailers, motion photos) is allowed.
func walkJPEG(data []byte) error {
	p := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		for p < len(data) && data[p] == 0xFF && p+1 < len(data) && data[p+1] == 0xFF {
			p++
		}
		if p+2 > len(data) {
			return ErrTruncated
		}
		if data[p] != 0xFF {
			return fmt.Errorf("%w: jpeg: no marker at byte %d", ErrCorrupt, p)
		}
		m := data[p+1]
		p += 2
		switch {
		case m == 0xD9: // EOI
			return nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no length
			continue
		}
		if p+2 > len(data) {
			return ErrTruncated
		}
		p += int(binary.BigEndian.Uint16(data[p:]))
		if p > len(data) {
			return ErrTruncated
		}
		if m != 0xDA { // not a start of scan
			continue
		}
		// Entropy-coded data: skip to the next marker that is neither a stuffed 0xFF00 nor a restart.
		for {
			i := bytes.IndexByte(data[p:], 0xFF)
			if i < 0 || p+i+1 >= len(data) {
				return ErrTruncated
			}
			p += i
			if next := data[p+1]; next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF {
				p++
				continue
			}
			break
		}
	}
}

// checkWebP reads the canvas size of the three WebP kinds (lossy VP8, lossless VP8L, extended VP8X).
func checkWebP(data []byte) (Header, error) {
	h := Header{Format: "webp"}
	if riff := int(binary.LittleEndian.Uint32(data[4:])); riff+8 > len(data) {
		return h, ErrTruncated
	}
	if len(data) < 30 {
		return h, ErrTruncated
	}
	switch string(data[12:16]) {
	case "VP8 ":
		if data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A {
			return h, fmt.Errorf("%w: webp: bad VP8 start code", ErrCorrupt)
		}
		h.Width = int(binary.LittleEndian.Uint16(data[26:]) & 0x3FFF)
		h.Height = int(binary.LittleEndian.Uint16(data[28:]) & 0x3FFF)
	case "VP8L":
		if data[20] != 0x2F {
			return h, fmt.Errorf("%w: webp: bad VP8L signature", ErrCorrupt)
		}
		b := binary.LittleEndian.Uint32(data[21:])
		h.Width = int(b&0x3FFF) + 1
		h.Height = int(b>>14&0x3FFF) + 1
	case "VP8X":
		h.Width = int(uint32(data[24])|uint32(data[25])<<8|uint32(data[26])<<16) + 1
		h.Height = int(uint32(data[27])|uint32(data[28])<<8|uint32(data[29])<<16) + 1
	default:
		return h, fmt.Errorf("%w: webp: unknown chunk %q", ErrCorrupt, data[12:16])
	}
	return h, nil
}

// checkBMP reads a BMP's size from its info header (height is negative for top-down images).
func checkBMP(data []byte) (Header, error) {
	h := Header{Format: "bmp"}
	if len(data) < 26 {
		return h, ErrTruncated
	}
	if size := int(binary.LittleEndian.Uint32(data[2:])); size > len(data) {
		return h, ErrTruncated
	}
	h.Width = int(int32(binary.LittleEndian.Uint32(data[18:])))
	height := int(int32(binary.LittleEndian.Uint32(data[22:])))
	h.Height = max(height, -height)
	return h, nil
}

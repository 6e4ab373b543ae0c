// Package imagecheck looks at an image file's bytes before a decoder does (the browser's on the page, Go's in the
// command line): it names the format, reads the dimensions and the EXIF orientation from the header, and rejects
// what should not reach a decoder: empty files, files that are not images, files cut short, and images whose
// decoding would allocate more than limits.ImageBytes.
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

	"inceptionweb/internal/limits"
)

// Header is what the file says about itself.
type Header struct {
	Format        string // "png", "jpeg", "gif", "webp" or "bmp"
	Width, Height int    // as stored, before Orientation is applied
	// Orientation is the EXIF orientation (1 to 8; 1 is upright, 6 is a phone photo held upright), or 0 when
	// the file has none.
	Orientation int
}

var (
	ErrEmpty     = errors.New("the file is empty")
	ErrNotImage  = errors.New("not an image (PNG, JPEG, GIF, WebP and BMP files are accepted)")
	ErrTruncated = errors.New("the image is truncated: the file ends before the image does")
	ErrCorrupt   = errors.New("the image is corrupt")
	// ErrTooLarge is limits.ErrTooLarge: the same error for every input refused for its size.
	ErrTooLarge = limits.ErrTooLarge
)

// Check reads the header of an image file and checks that the file is whole.
func Check(data []byte) (Header, error) {
	if len(data) == 0 {
		return Header{}, ErrEmpty
	}
	var h Header
	var err error
	pixelBytes, extra := 4, 0 // what the decoder allocates per pixel
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		h, pixelBytes, err = checkStd(data, "png")
		if err == nil {
			h.Orientation, err = walkPNG(data)
		}
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		h, pixelBytes, err = checkStd(data, "jpeg")
		if err == nil {
			h.Orientation, extra, err = walkJPEG(data)
		}
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		h, pixelBytes, err = checkStd(data, "gif")
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
	if err := limits.CheckImage(h.Format, h.Width, h.Height, pixelBytes, extra); err != nil {
		return h, err
	}
	return h, nil
}

// checkStd reads the header with the standard library's decoders: the size and how many bytes a decoded pixel
// takes.
func checkStd(data []byte, format string) (Header, int, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return Header{Format: format}, 0, ErrTruncated
		}
		return Header{Format: format}, 0, fmt.Errorf("%w: %s header: %v", ErrCorrupt, format, err)
	}
	return Header{Format: format, Width: cfg.Width, Height: cfg.Height}, limits.PixelBytes(cfg.ColorModel), nil
}

// walkPNG follows the chunks up to IEND and returns the orientation of an eXIf chunk.
func walkPNG(data []byte) (orientation int, err error) {
	p := 8
	for {
		if p+8 > len(data) {
			return 0, ErrTruncated
		}
		n := int(binary.BigEndian.Uint32(data[p:]))
		typ := string(data[p+4 : p+8])
		if n < 0 || n > len(data) {
			return 0, ErrTruncated
		}
		if p+12+n > len(data) { // length, type, data, CRC
			return 0, ErrTruncated
		}
		if typ == "eXIf" {
			orientation = exifOrientation(data[p+8 : p+8+n])
		}
		p += 12 + n
		if typ == "IEND" {
			return orientation, nil
		}
	}
}

// walkJPEG follows the segments, and the entropy-coded data after each start of scan, up to the end of image
// marker. Data after EOI (camera trailers, motion photos) is allowed. It returns the EXIF orientation and, for a
// progressive JPEG, the bytes per pixel the decoder keeps for coefficients (an int32 per component).
func walkJPEG(data []byte) (orientation, extra int, err error) {
	p := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		for p < len(data) && data[p] == 0xFF && p+1 < len(data) && data[p+1] == 0xFF {
			p++
		}
		if p+2 > len(data) {
			return 0, 0, ErrTruncated
		}
		if data[p] != 0xFF {
			return 0, 0, fmt.Errorf("%w: jpeg: no marker at byte %d", ErrCorrupt, p)
		}
		m := data[p+1]
		p += 2
		switch {
		case m == 0xD9: // EOI
			return orientation, extra, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no length
			continue
		}
		if p+2 > len(data) {
			return 0, 0, ErrTruncated
		}
		seg := p + 2
		n := int(binary.BigEndian.Uint16(data[p:]))
		if n < 2 { // the length counts its own two bytes
			return 0, 0, fmt.Errorf("%w: jpeg: segment length %d at byte %d", ErrCorrupt, n, p)
		}
		p += n
		if p > len(data) {
			return 0, 0, ErrTruncated
		}
		switch {
		case m == 0xE1 && orientation == 0 && bytes.HasPrefix(data[seg:p], []byte("Exif\x00\x00")):
			orientation = exifOrientation(data[seg+6 : p])
		case m == 0xC2 && p-seg >= 6: // progressive start of frame: components at byte 5
			extra = 4 * int(data[seg+5])
		}
		if m != 0xDA { // not a start of scan
			continue
		}
		// Entropy-coded data: skip to the next marker that is neither a stuffed 0xFF00 nor a restart.
		for {
			i := bytes.IndexByte(data[p:], 0xFF)
			if i < 0 || p+i+1 >= len(data) {
				return 0, 0, ErrTruncated
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
		h.Orientation = webpOrientation(data)
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

// webpOrientation finds the EXIF chunk of an extended WebP file.
func webpOrientation(data []byte) int {
	for p := 12; p+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[p+4:]))
		if n < 0 || n > len(data)-p-8 {
			return 0
		}
		if string(data[p:p+4]) == "EXIF" {
			return exifOrientation(bytes.TrimPrefix(data[p+8:p+8+n], []byte("Exif\x00\x00")))
		}
		p += 8 + n + n&1 // chunks are padded to an even size
	}
	return 0
}

// exifOrientation reads the Orientation tag (0x0112) of a TIFF structure's first directory; 0 if there is none
// or it is out of range.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(bo.Uint32(tiff[4:]))
	if ifd+2 > int64(len(tiff)) {
		return 0
	}
	n := int64(bo.Uint16(tiff[ifd:]))
	for i := range n {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 { // Orientation, a SHORT
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 0
		}
	}
	return 0
}

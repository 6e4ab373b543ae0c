// Package testimages makes image files for tests.
package testimages

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// BlankPNG is a valid w x h 8-bit gray PNG of zeros, written row by row so that a huge image costs little
// memory (a 20000x20000 one is a file of about 400 KB).
func BlankPNG(w, h int) []byte { return ZeroPNG(w, h, 8, 0, nil) }

// ZeroPNG is a valid PNG of zeros of any size, bit depth and colour type (0 gray, 2 RGB, 4 gray+alpha, 6 RGBA),
// written row by row so that a huge image costs little memory to make. exif, when given, goes into an eXIf chunk.
func ZeroPNG(w, h int, depth, colorType byte, exif []byte) []byte {
	channels := map[byte]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+w*channels*int(depth)/8) // filter type 0, then the samples
	for range h {
		z.Write(row) // writes to a bytes.Buffer cannot fail
	}
	z.Close()
	return PNG(w, h, depth, colorType, exif, idat.Bytes())
}

// HeaderPNG is a PNG of the given size, bit depth and colour type whose image data is a few zero bytes: enough
// for checks that never decode pixels, at any claimed size.
func HeaderPNG(w, h int, depth, colorType byte, exif []byte) []byte {
	return PNG(w, h, depth, colorType, exif, []byte{0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff})
}

// PNG writes the chunks of a PNG file: IHDR (deflate, adaptive filtering, no interlace), eXIf when exif is not
// nil, one IDAT with idat, IEND.
func PNG(w, h int, depth, colorType byte, exif, idat []byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk("IHDR", ihdr)
	if exif != nil {
		chunk("eXIf", exif)
	}
	chunk("IDAT", idat)
	chunk("IEND", nil)
	return out.Bytes()
}

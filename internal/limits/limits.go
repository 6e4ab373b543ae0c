// Package limits holds the sizes beyond which the page, the worker and the command line refuse an input, so
// that a small file cannot make them allocate without bound. Every reader of outside bytes checks these before
// it allocates, and says so with an error that wraps ErrTooLarge.
package limits

import (
	"errors"
	"fmt"
	"image/color"
)

// ErrTooLarge is wrapped by every error that refuses an input for its size.
var ErrTooLarge = errors.New("too large to decode safely")

// Images.
const (
	// ImageFileBytes is the largest image file read at all.
	ImageFileBytes = 100 << 20
	// ImageBytes bounds what decoding an image allocates: width x height x bytes per pixel (see ImagePixelBytes).
	// 200 MB is a 50 megapixel photo in RGBA 8-bit.
	ImageBytes = 200_000_000
)

// Model files, safetensors and PyTorch files.
const (
	// ModelFileBytes is the largest model file (InceptionV3 in float32 is 95 MB).
	ModelFileBytes = 512 << 20
	// HeaderBytes bounds a safetensors JSON header (metadata included; a graph's description is about 100 KB).
	HeaderBytes = 16 << 20
	// Tensors bounds the number of tensors in a file (InceptionV3 has about 500).
	Tensors = 100_000
	// TensorRank bounds a tensor's number of dimensions.
	TensorRank = 8
	// TensorBytes bounds one tensor's data, and TotalTensorBytes all of a file's tensors once decoded (a
	// PyTorch view that must be copied counts again).
	TensorBytes      = ModelFileBytes
	TotalTensorBytes = 2 * ModelFileBytes
	// PickleBytes bounds a PyTorch pickle (a state_dict's is tens of KB; the tensors are stored beside it).
	PickleBytes = 64 << 20
	// ZipRatio bounds how much a compressed zip entry may inflate: deflate gives up to 1032:1 on zeros,
	// weights compress about 1.1:1. Entries under ZipSmallBytes are exempt.
	ZipRatio      = 100
	ZipSmallBytes = 1 << 20
)

// Check returns an error wrapping ErrTooLarge when size exceeds limit; what names the thing measured.
func Check(what string, size, limit int64) error {
	if size > limit || size < 0 {
		return fmt.Errorf("%w: %s is %s, the limit is %s", ErrTooLarge, what, Bytes(size), Bytes(limit))
	}
	return nil
}

// CheckCount is Check for a count of things (tensors, dimensions, entries).
func CheckCount(what string, n, limit int64) error {
	if n > limit || n < 0 {
		return fmt.Errorf("%w: %s is %d, the limit is %d", ErrTooLarge, what, n, limit)
	}
	return nil
}

// Bytes formats a size for an error message.
func Bytes(n int64) string {
	switch {
	case n >= 10<<20 || n <= -10<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// PixelBytes is what one pixel of a decoded image of colour model m takes in Go's decoders (8 for 16-bit RGBA,
// 1 for 8-bit gray or a palette); a model it does not know counts as the widest.
func PixelBytes(m color.Model) int {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel, color.NYCbCrAModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// CheckImage refuses a width x height image whose decoding allocates more than ImageBytes. Each pixel counts
// at least 4 bytes, whatever the file's own depth: the browser's bitmap and the crop are RGBA 8-bit. extra is
// what the decoder holds per pixel beyond the image (a progressive JPEG's coefficients).
func CheckImage(format string, width, height, pixelBytes, extra int) error {
	n := int64(width) * int64(height) * int64(max(pixelBytes, 4)+extra)
	if n > ImageBytes {
		return fmt.Errorf("%w: a %dx%d %s decodes to %s, the limit is %s", ErrTooLarge, width, height, format, mb(n), mb(ImageBytes))
	}
	return nil
}

func mb(n int64) string { return fmt.Sprintf("%d MB", (n+500_000)/1_000_000) }

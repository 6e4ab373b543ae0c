package main

// testImage returns size x size opaque RGBA pixels: smooth colour gradients with some fine texture, the same
// on every run, so every engine and PyTorch classify the same input.
func testImage(size int) []byte {
	pix := make([]byte, size*size*4)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			i := (y*size + x) * 4
			h := hash32(uint32(y*size + x))
			pix[i] = byte(x * 255 / (size - 1))
			pix[i+1] = byte(y * 255 / (size - 1))
			pix[i+2] = byte((x+y)*127/(size-1)) + byte(h&63)
			pix[i+3] = 255
		}
	}
	return pix
}

// hash32 is MurmurHash3's finaliser.
func hash32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x85EBCA6B
	x ^= x >> 13
	x *= 0xC2B2AE35
	x ^= x >> 16
	return x
}

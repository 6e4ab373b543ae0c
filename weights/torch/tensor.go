package torch

import (
	"fmt"
	"math"

	"inceptionweb/internal/limits"
	"inceptionweb/weights/safetensors"
)

// materialise turns a strided view of a storage into a contiguous,
// little-endian tensor. root holds the whole root storage; t.storage.offset
// locates the (legacy) view within it. A contiguous little-endian tensor
// aliases root; anything else is copied, if it takes at most budget bytes,
// and copied says how many.
func materialise(name string, t *tensorRef, root []byte, bigEndian bool, budget int64) (out safetensors.Tensor, copied int64, err error) {
	s := t.storage
	es := int64(s.elemSize)
	shape := make([]int, len(t.size))
	n := int64(1)
	for i, d := range t.size {
		shape[i] = int(d)
		if d != 0 && n > math.MaxInt64/es/d {
			return safetensors.Tensor{}, 0, fmt.Errorf("tensor %q: size %v is too large", name, t.size)
		}
		n *= d
	}
	out = safetensors.Tensor{Name: name, DType: s.dtype, Shape: shape}
	if n == 0 {
		out.Data = []byte{}
		return out, 0, nil
	}

	// The last element the view touches must lie inside the storage.
	last := t.offset
	for i, d := range t.size {
		if t.stride[i] != 0 && d-1 > (s.numel-last)/t.stride[i] {
			return out, 0, fmt.Errorf("tensor %q: size %v, stride %v and offset %d reach past its storage %q of %d elements", name, t.size, t.stride, t.offset, s.key, s.numel)
		}
		last += (d - 1) * t.stride[i]
	}
	if last >= s.numel {
		return out, 0, fmt.Errorf("tensor %q: size %v, stride %v and offset %d reach past its storage %q of %d elements", name, t.size, t.stride, t.offset, s.key, s.numel)
	}
	if n > s.numel {
		// Only a view whose elements overlap (a zero stride, as expand
		// makes) can hold more elements than its storage.
		return out, 0, fmt.Errorf("tensor %q: %d elements overlap in storage %q of %d elements, which is not supported", name, n, s.key, s.numel)
	}

	start := (s.offset + t.offset) * es
	if contiguous(t.size, t.stride) && (!bigEndian || es == 1) {
		end := start + n*es
		out.Data = root[start:end:end]
		return out, 0, nil
	}

	if n*es > budget {
		return out, 0, fmt.Errorf("%w: tensor %q is a view that must be copied, and the tensors copied so far reach %s", limits.ErrTooLarge, name, limits.Bytes(limits.TotalTensorBytes))
	}
	data := make([]byte, n*es)
	dims := len(t.size)
	run := es // bytes copied at a time: the innermost dimension when it is dense
	if dims > 0 && t.stride[dims-1] == 1 {
		run = t.size[dims-1] * es
		dims--
	}
	idx := make([]int64, dims)
	src := start
	for dst := int64(0); dst < int64(len(data)); dst += run {
		copy(data[dst:dst+run], root[src:src+run])
		// Advance the odometer over the outer dimensions.
		for d := dims - 1; d >= 0; d-- {
			idx[d]++
			src += t.stride[d] * es
			if idx[d] < t.size[d] {
				break
			}
			src -= t.size[d] * t.stride[d] * es
			idx[d] = 0
		}
	}
	if bigEndian {
		swapBytes(data, int(es))
	}
	out.Data = data
	return out, n * es, nil
}

// contiguous reports whether stride is the row-major stride of size,
// ignoring dimensions of size 1, whose stride never matters.
func contiguous(size, stride []int64) bool {
	want := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != want {
			return false
		}
		want *= size[i]
	}
	return true
}

// swapBytes reverses the byte order of each es-byte element of b.
func swapBytes(b []byte, es int) {
	for i := 0; i+es <= len(b); i += es {
		for j, k := i, i+es-1; j < k; j, k = j+1, k-1 {
			b[j], b[k] = b[k], b[j]
		}
	}
}

// Package nn is the float32 network engine: tensors, layers and their pure-Go kernels.
//
// Tensors are NHWC with batch 1 (a batch is run one image at a time through the same buffers). Convolution
// weights are HWIO, so a 1x1 convolution is a plain matrix product with no im2col. Every buffer a model needs is
// allocated when the model is built; a forward pass allocates nothing.
package nn

import "fmt"

// Tensor is an H x W x C activation, channels fastest.
type Tensor struct {
	H, W, C int
	Data    []float32
}

// NewTensor allocates a zeroed tensor.
func NewTensor(h, w, c int) *Tensor {
	return &Tensor{H: h, W: w, C: c, Data: make([]float32, h*w*c)}
}

// View returns a tensor of the given shape over the start of t's storage, so one buffer can hold activations of
// different shapes at different times.
func (t *Tensor) View(h, w, c int) *Tensor {
	if h*w*c > len(t.Data) {
		panic(fmt.Sprintf("nn: view %dx%dx%d does not fit a buffer of %d", h, w, c, len(t.Data)))
	}
	return &Tensor{H: h, W: w, C: c, Data: t.Data[:h*w*c]}
}

// Shape reports the tensor's shape as H x W x C.
func (t *Tensor) Shape() string { return fmt.Sprintf("%dx%dx%d", t.H, t.W, t.C) }

// FromNCHW copies one image of an NCHW batch into t (which must already have the image's shape).
func (t *Tensor) FromNCHW(src []float32) {
	plane := t.H * t.W
	for c := 0; c < t.C; c++ {
		p := src[c*plane : (c+1)*plane]
		for i, v := range p {
			t.Data[i*t.C+c] = v
		}
	}
}

// ToNCHW writes t into dst in NCHW order (PyTorch's layout), for comparisons with other frameworks.
func (t *Tensor) ToNCHW(dst []float32) {
	plane := t.H * t.W
	for i := 0; i < plane; i++ {
		for c := 0; c < t.C; c++ {
			dst[c*plane+i] = t.Data[i*t.C+c]
		}
	}
}

package nn

import (
	"fmt"
	"math"
)

// Conv is a 2-D convolution with batch norm folded into Weight and Bias, and an optional fused ReLU.
type Conv struct {
	InC, OutC        int
	KH, KW           int
	StrideH, StrideW int
	PadH, PadW       int // zero padding on each side
	// ExtraPadH and ExtraPadW add one more row/column of zeros at the bottom/right: TensorFlow's SAME padding
	// is asymmetric when the total is odd. Kernels read the output size from the output tensor and bound every
	// tap, so only OutSize needs to know.
	ExtraPadH, ExtraPadW int
	// Clip, when above zero, caps the output as well (ReLU6 is ReLU with Clip 6).
	Clip   float32
	ReLU   bool
	Weight []float32 // HWIO: [KH][KW][InC][OutC]
	Bias   []float32 // [OutC]
	Packed any       // the weights in the layout of the kernel set that prepared them (see Prepare)

	kernels *KernelSet // the set Prepare was given (nil: pure Go)
}

// Prepare makes k the convolution's kernel set, once its weights are final: k may pack them into its own
// layout and drop Weight, so from then on the convolution runs only with k. Without Prepare it runs the pure-Go
// kernel.
func (c *Conv) Prepare(k *KernelSet) {
	c.kernels = k
	if k != nil && k.Prepare != nil {
		k.Prepare(c)
	}
}

// OutSize is the spatial size of the output for an h x w input.
func (c *Conv) OutSize(h, w int) (int, int) {
	return (h+2*c.PadH+c.ExtraPadH-c.KH)/c.StrideH + 1, (w+2*c.PadW+c.ExtraPadW-c.KW)/c.StrideW + 1
}

// FLOPs counts multiplies and adds for an h x w input.
func (c *Conv) FLOPs(h, w int) int64 {
	oh, ow := c.OutSize(h, w)
	return 2 * int64(oh*ow) * int64(c.KH*c.KW*c.InC) * int64(c.OutC)
}

// Forward writes the convolution of in into channels [off, off+OutC) of out, whose spatial size must match.
func (c *Conv) Forward(in, out *Tensor, off int) {
	oh, ow := c.OutSize(in.H, in.W)
	if in.C != c.InC || out.H != oh || out.W != ow || off+c.OutC > out.C {
		panic(fmt.Sprintf("nn: conv %dx%d %d->%d: input %s, output %s at channel %d",
			c.KH, c.KW, c.InC, c.OutC, in.Shape(), out.Shape(), off))
	}
	if c.kernels != nil && c.kernels.Conv != nil {
		c.kernels.Conv(c, in, out, off)
	} else {
		convGo(c, in, out, off)
	}
}

// FoldBatchNorm folds the batch norm that follows a bias-free convolution into its weights and a bias:
// w' = w*g/sqrt(v+eps), b' = beta - mean*g/sqrt(v+eps), in float64, rounded once. The weights keep their layout,
// as long as the output channel is the first dimension (PyTorch's OIHW).
func FoldBatchNorm(w []float32, outC int, gamma, beta, mean, variance []float32, eps float64) (folded, bias []float32) {
	folded = make([]float32, len(w))
	bias = make([]float32, outC)
	per := len(w) / outC
	for o := 0; o < outC; o++ {
		s := float64(gamma[o]) / math.Sqrt(float64(variance[o])+eps)
		bias[o] = float32(float64(beta[o]) - float64(mean[o])*s)
		for i, v := range w[o*per : (o+1)*per] {
			folded[o*per+i] = float32(float64(v) * s)
		}
	}
	return folded, bias
}

// OIHWToHWIO reorders PyTorch convolution weights into the engine's layout.
func OIHWToHWIO(oihw []float32, outC, inC, kh, kw int) []float32 {
	hwio := make([]float32, len(oihw))
	for o := 0; o < outC; o++ {
		for i := 0; i < inC; i++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					hwio[((y*kw+x)*inC+i)*outC+o] = oihw[((o*inC+i)*kh+y)*kw+x]
				}
			}
		}
	}
	return hwio
}

package nn

import (
	"fmt"
	"math"
)

// LRN is local response normalisation across channels, as Caffe (and torch.nn.LocalResponseNorm) define it:
// y = x / (K + Alpha/Size * sum of x^2 over the Size channels centred on x's, clipped at the edges)^Beta.
type LRN struct {
	Size        int
	Alpha, Beta float32
	K           float32
	Kernels     *KernelSet // nil: pure Go
}

// Forward normalises in into channels [off, off+in.C) of out, whose spatial size must match.
func (l *LRN) Forward(in, out *Tensor, off int) {
	if out.H != in.H || out.W != in.W || off+in.C > out.C {
		panic(fmt.Sprintf("nn: lrn: input %s, output %s at channel %d", in.Shape(), out.Shape(), off))
	}
	if l.Kernels != nil && l.Kernels.LRN != nil {
		l.Kernels.LRN(l, in, out, off)
	} else {
		lrnGo(l, in, out, off)
	}
}

// lrnGo sums each window of squares in channel order, left to right (a SIMD kernel adds the same terms in the
// same order, so both give the same bits), then scales.
func lrnGo(l *LRN, in, out *Tensor, off int) {
	C := in.C
	lo := (l.Size - 1) / 2 // channels before the centre; Size-1-lo after it
	scale := l.Alpha / float32(l.Size)
	var buf [1024]float32 // no allocation per forward pass for the usual widths
	sq := buf[:0]
	if C > len(buf) {
		sq = make([]float32, C)
	}
	sq = sq[:C]
	for p := 0; p < in.H*in.W; p++ {
		x := in.Data[p*C : (p+1)*C]
		y := out.Data[p*out.C+off:][:C]
		for c, v := range x {
			sq[c] = v * v
		}
		for c := range x {
			var sum float32
			for k := max(c-lo, 0); k <= min(c+l.Size-1-lo, C-1); k++ {
				sum += sq[k]
			}
			t := l.K + float32(scale*sum)
			if l.Beta == 0.75 {
				// t^-0.75 = t^-0.5 * t^-0.25: two square roots (single wasm instructions), not a call to Pow.
				r := 1 / float32(math.Sqrt(float64(t)))
				y[c] = x[c] * (r * float32(math.Sqrt(float64(r))))
			} else {
				y[c] = x[c] * float32(math.Pow(float64(t), -float64(l.Beta)))
			}
		}
	}
}

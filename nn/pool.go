package nn

import (
	"fmt"
	"math"
)

// Pool is a max or average pooling window. Average pooling divides by the whole window when CountPad is set
// (PyTorch's count_include_pad=True) and by the taps inside the input otherwise (TensorFlow's SAME pooling).
type Pool struct {
	Max              bool
	KH, KW           int
	StrideH, StrideW int
	PadH, PadW       int
	// ExtraPadH and ExtraPadW let the last window hang that far past the bottom/right padding: Caffe rounds a
	// pooling's output size up. Kernels clamp every window to the input, so only OutSize needs to know.
	ExtraPadH, ExtraPadW int
	CountPad             bool
	Kernels              *KernelSet // nil: pure Go
}

// OutSize is the spatial size of the output for an h x w input.
func (p *Pool) OutSize(h, w int) (int, int) {
	return (h+2*p.PadH+p.ExtraPadH-p.KH)/p.StrideH + 1, (w+2*p.PadW+p.ExtraPadW-p.KW)/p.StrideW + 1
}

// Forward pools in into channels [off, off+in.C) of out.
func (p *Pool) Forward(in, out *Tensor, off int) {
	oh, ow := p.OutSize(in.H, in.W)
	if out.H != oh || out.W != ow || off+in.C > out.C {
		panic(fmt.Sprintf("nn: pool %dx%d: input %s, output %s at channel %d", p.KH, p.KW, in.Shape(), out.Shape(), off))
	}
	if p.Kernels != nil && p.Kernels.Pool != nil {
		p.Kernels.Pool(p, in, out, off)
	} else {
		poolGo(p, in, out, off)
	}
}

func poolGo(p *Pool, in, out *Tensor, off int) {
	oh, ow := out.H, out.W
	C := in.C
	for oy := 0; oy < oh; oy++ {
		y0 := oy*p.StrideH - p.PadH
		for ox := 0; ox < ow; ox++ {
			x0 := ox*p.StrideW - p.PadW
			dst := out.Data[(oy*ow+ox)*out.C+off:][:C]
			init := float32(0)
			if p.Max {
				init = float32(math.Inf(-1))
			}
			for c := range dst {
				dst[c] = init
			}
			taps := 0
			for y := max(y0, 0); y < min(y0+p.KH, in.H); y++ {
				for x := max(x0, 0); x < min(x0+p.KW, in.W); x++ {
					src := in.Data[(y*in.W+x)*C:][:C]
					taps++
					if p.Max {
						for c, v := range src {
							dst[c] = max(dst[c], v)
						}
					} else {
						for c, v := range src {
							dst[c] += v
						}
					}
				}
			}
			if !p.Max {
				n := taps
				if p.CountPad {
					n = p.KH * p.KW
				}
				inv := 1 / float32(n)
				for c := range dst {
					dst[c] *= inv
				}
			}
		}
	}
}

// GlobalAvgPool averages every channel over the image into dst (length in.C).
func GlobalAvgPool(in *Tensor, dst []float32) {
	clear(dst[:in.C])
	for p := 0; p < in.H*in.W; p++ {
		for c, v := range in.Data[p*in.C : (p+1)*in.C] {
			dst[c] += v
		}
	}
	inv := 1 / float32(in.H*in.W)
	for c := range dst[:in.C] {
		dst[c] *= inv
	}
}

package nn

import "fmt"

// Depthwise is a depthwise 2-D convolution (one filter per channel, multiplier 1), as MobileNetV2 uses it.
type Depthwise struct {
	C                    int
	KH, KW               int
	StrideH, StrideW     int
	PadH, PadW           int
	ExtraPadH, ExtraPadW int
	ReLU                 bool
	Clip                 float32   // cap when above zero (ReLU6)
	Weight               []float32 // [KH][KW][C]
	Bias                 []float32 // [C]
}

// OutSize is the spatial size of the output for an h x w input.
func (d *Depthwise) OutSize(h, w int) (int, int) {
	return (h+2*d.PadH+d.ExtraPadH-d.KH)/d.StrideH + 1, (w+2*d.PadW+d.ExtraPadW-d.KW)/d.StrideW + 1
}

// Forward writes the depthwise convolution of in into out.
func (d *Depthwise) Forward(in, out *Tensor) {
	oh, ow := d.OutSize(in.H, in.W)
	if in.C != d.C || out.C != d.C || out.H != oh || out.W != ow {
		panic(fmt.Sprintf("nn: depthwise %dx%d on %d channels: input %s, output %s", d.KH, d.KW, d.C, in.Shape(), out.Shape()))
	}
	C := d.C
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			acc := out.Data[(oy*ow+ox)*C:][:C]
			copy(acc, d.Bias)
			for ky := 0; ky < d.KH; ky++ {
				iy := oy*d.StrideH - d.PadH + ky
				if iy < 0 || iy >= in.H {
					continue
				}
				for kx := 0; kx < d.KW; kx++ {
					ix := ox*d.StrideW - d.PadW + kx
					if ix < 0 || ix >= in.W {
						continue
					}
					x := in.Data[(iy*in.W+ix)*C:][:C]
					w := d.Weight[(ky*d.KW+kx)*C:][:C]
					for c := range acc {
						acc[c] += x[c] * w[c]
					}
				}
			}
			if d.ReLU {
				Activate(acc, d.Clip)
			}
		}
	}
}

// Add writes a+b into out element by element (residual connections), with an optional ReLU.
func Add(a, b, out *Tensor, relu bool, clip float32) {
	if len(a.Data) != len(b.Data) || len(a.Data) != len(out.Data) {
		panic(fmt.Sprintf("nn: add %s + %s -> %s", a.Shape(), b.Shape(), out.Shape()))
	}
	for i := range out.Data {
		out.Data[i] = a.Data[i] + b.Data[i]
	}
	if relu {
		Activate(out.Data, clip)
	}
}

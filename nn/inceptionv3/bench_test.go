package inceptionv3

import (
	"fmt"
	"testing"

	"inceptionweb/nn"
)

// BenchmarkForward runs the whole network with the kernels in use; it reports ms per image and GFLOP/s.
func BenchmarkForward(b *testing.B) {
	net, err := New(SyntheticParams{}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	copy(net.Input().Data, SyntheticInput())
	net.Forward(nil)
	b.ResetTimer()
	for range b.N {
		net.Forward(nil)
	}
	reportRate(b, FLOPs())
}

// BenchmarkConv times representative convolutions of each stage.
func BenchmarkConv(b *testing.B) {
	for _, tc := range []struct {
		h, inC, outC, kh, kw, stride, ph, pw int
	}{
		{147, 32, 64, 3, 3, 1, 1, 1},  // Conv2d_2b_3x3
		{35, 192, 64, 1, 1, 1, 0, 0},  // Mixed_5b 1x1
		{35, 48, 64, 5, 5, 1, 2, 2},   // Mixed_5b 5x5
		{17, 160, 160, 1, 7, 1, 0, 3}, // Mixed_6c 1x7
		{17, 160, 192, 7, 1, 1, 3, 0}, // Mixed_6c 7x1
		{8, 448, 384, 3, 3, 1, 1, 1},  // Mixed_7b 3x3
		{8, 2048, 320, 1, 1, 1, 0, 0}, // Mixed_7c 1x1
	} {
		c := &nn.Conv{InC: tc.inC, OutC: tc.outC, KH: tc.kh, KW: tc.kw, StrideH: tc.stride, StrideW: tc.stride,
			PadH: tc.ph, PadW: tc.pw, ReLU: true}
		c.Weight = SyntheticParam("bench.conv.weight", []int{tc.outC, tc.inC, tc.kh, tc.kw})
		c.Bias = make([]float32, tc.outC)
		in := nn.NewTensor(tc.h, tc.h, tc.inC)
		copy(in.Data, SyntheticParam("bench.bn.bias", []int{len(in.Data)}))
		oh, ow := c.OutSize(tc.h, tc.h)
		out := nn.NewTensor(oh, ow, tc.outC)
		name := fmt.Sprintf("%dx%dx%d_%dx%d_to%d", tc.h, tc.h, tc.inC, tc.kh, tc.kw, tc.outC)
		b.Run(name, func(b *testing.B) {
			for range b.N {
				c.Forward(in, out, 0)
			}
			reportRate(b, c.FLOPs(tc.h, tc.h))
		})
	}
}

func reportRate(b *testing.B, flops int64) {
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec*1e3, "ms/op")
	b.ReportMetric(float64(flops)/sec/1e9, "GFLOP/s")
}

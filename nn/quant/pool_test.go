package quant

import (
	"math/rand/v2"
	"slices"
	"testing"

	"inceptionweb/nn/graph"
)

// TestPoolKernels runs MAX_POOL_2D and AVERAGE_POOL_2D (Caffe's ceil-mode
// padding, counted or not) through KernelSet.MaxPool and KernelSet.AvgPool: the
// kernels get the window, the zero point and the storage offset, and give
// the pure-Go outputs; a naive max pool agrees.
func TestPoolKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for trial := range 40 {
		h, w, c := 1+r.IntN(12), 1+r.IntN(12), 1+r.IntN(40)
		k, stride := 1+r.IntN(4), 1+r.IntN(3)
		pads := []int{r.IntN(k), r.IntN(k), r.IntN(k), r.IntN(k)}
		pr := Params{Padding: "EXPLICIT", Pads: pads, StrideH: stride, StrideW: stride, FilterH: k, FilterW: k,
			CountPadding: trial%2 == 0}
		oh, pt, err1 := pr.Window(0, h, k, stride, 1)
		ow, pl, err2 := pr.Window(1, w, k, stride, 1)
		if err1 != nil || err2 != nil || oh <= 0 || ow <= 0 {
			continue
		}
		typ := randomType(r)
		inT := randomQuant(r, "x", typ, []int{1, h, w, c})
		outT := inT
		outT.Name, outT.Shape = "y", []int{1, oh, ow, c}
		g := &Graph{Tensors: []Tensor{inT, outT}}
		x := randomValues(r, typ, h*w*c)
		for _, kind := range []graph.Kind{graph.MaxPool2D, graph.AveragePool2D} {
			op := Op{Op: kind, Inputs: []int{0}, Outputs: []int{1}, Params: pr}
			want := runKernel(t, KernelSet{}, g, op, nil, map[int][]int32{0: x})
			var calls []PoolArgs
			record := func(run func(*PoolArgs)) func(*PoolArgs) {
				return func(a *PoolArgs) { calls = append(calls, *a); run(a) }
			}
			ks := KernelSet{MaxPool: record(MaxPool),
				AvgPool: record(func(a *PoolArgs) { AvgPoolDivRound(a, make([]int32, a.C)) })}
			got := runKernel(t, ks, g, op, nil, map[int][]int32{0: x})
			if !slices.Equal(got, want) {
				t.Fatalf("trial %d %s: outputs through the kernel set differ", trial, kind)
			}
			if len(calls) != 1 {
				t.Fatalf("trial %d %s: %d kernel calls", trial, kind, len(calls))
			}
			a := calls[0]
			wantZero, wantOff := inT.ZeroPoint[0], int32(0)
			if typ == Int8 {
				wantZero, wantOff = wantZero+128, 128
			}
			if a.H != h || a.W != w || a.C != c || a.OH != oh || a.OW != ow || a.KH != k || a.SW != stride ||
				a.PadT != pt || a.PadL != pl || a.Zero != wantZero || a.Offset != wantOff ||
				a.CountPad != pr.CountPadding || a.Lo != 0 || a.Hi != 255 {
				t.Fatalf("trial %d %s: kernel args %+v", trial, kind, a)
			}
			if kind != "MAX_POOL_2D" {
				continue
			}
			for i := range want {
				px, ch := i/c, i%c
				oy, ox := px/ow, px%ow
				m := int32(-1 << 30)
				for iy := oy*stride - pt; iy < oy*stride-pt+k; iy++ {
					for ix := ox*stride - pl; ix < ox*stride-pl+k; ix++ {
						if iy >= 0 && iy < h && ix >= 0 && ix < w {
							m = max(m, x[(iy*w+ix)*c+ch])
						}
					}
				}
				if want[i] != m {
					t.Fatalf("trial %d: max pool output %d = %d, naive %d", trial, i, want[i], m)
				}
			}
		}
	}
}

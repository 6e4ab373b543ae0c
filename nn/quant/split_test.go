package quant

import (
	"slices"
	"testing"

	"inceptionweb/nn/graph"
)

// TestSegments cuts a stem and an inception block the way CompilePart does: at the tensors that carry
// everything later ops read, and the block's ops into branches (InceptionV3's InceptionE has two leaves on
// one stem).
func TestSegments(t *testing.T) {
	g := &Graph{Inputs: []int{0}, Outputs: []int{11}}
	for range 12 {
		g.Tensors = append(g.Tensors, Tensor{Type: Uint8, Shape: []int{1, 1, 1, 1}})
	}
	op := func(name graph.Kind, out int, in ...int) {
		g.Ops = append(g.Ops, Op{Op: name, Inputs: in, Outputs: []int{out}})
	}
	op("QUANTIZE", 1, 0)
	op("CONV_2D", 2, 1)
	op("CONV_2D", 3, 2)     // branch 0
	op("CONV_2D", 4, 2)     // branch 1: a stem
	op("CONV_2D", 5, 4)     //   and its two leaves
	op("CONV_2D", 6, 4)     //
	op("MAX_POOL_2D", 7, 2) // branch 2
	op("CONV_2D", 8, 7)     //
	op("CONCATENATION", 9, 3, 5, 6, 8)
	op("MEAN", 10, 9)
	op("FULLY_CONNECTED", 11, 10)
	want := [][2]int{{0, 1}, {1, 2}, {2, 9}, {9, 10}, {10, 11}}
	if got := segments(g); !slices.Equal(got, want) {
		t.Errorf("segments %v, want %v", got, want)
	}
	if got, want := branches(g.Ops[2:8]), []int{0, 1, 1, 1, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("branches %v, want %v", got, want)
	}
	if _, err := CompilePart(g, nil, 2, 2, Options{}); err == nil {
		t.Error("part 2 of 2 accepted")
	}
}

package graph

import "testing"

func TestPadSame(t *testing.T) {
	for _, tc := range []struct{ n, k, s, out, before, after int }{
		{224, 3, 2, 112, 0, 1}, {112, 3, 1, 112, 1, 1}, {7, 1, 1, 7, 0, 0}, {299, 3, 2, 150, 1, 1},
	} {
		out, before, after, err := Params{Padding: Same}.Pad(0, tc.n, tc.k, tc.s, 1)
		if err != nil || out != tc.out || before != tc.before || after != tc.after {
			t.Errorf("SAME %d/%d over %d = %d, %d, %d (%v), want %d, %d, %d", tc.k, tc.s, tc.n, out, before, after, err,
				tc.out, tc.before, tc.after)
		}
	}
}

func TestPadExplicit(t *testing.T) {
	// Caffe's 3x3/2 max pool over 112 rounds up to 56 windows: the last hangs one past the padding.
	out, before, after, err := Params{Padding: Explicit, Pads: []int{0, 0, 1, 1}}.Pad(0, 112, 3, 2, 1)
	if err != nil || out != 56 || before != 0 || after != 1 {
		t.Errorf("explicit = %d, %d, %d (%v), want 56, 0, 1", out, before, after, err)
	}
	if _, _, _, err := (Params{Padding: Explicit, Pads: []int{3, 0, 0, 0}}).Pad(0, 10, 3, 1, 1); err == nil {
		t.Error("padding as wide as the window was accepted")
	}
}

// TestPlan: tensors whose lives do not overlap share bytes, a kept tensor keeps its own, and reading a tensor
// before it is written fails.
func TestPlan(t *testing.T) {
	f := func(name string) Tensor { return Tensor{Name: name, Type: Float32, Shape: []int{1, 8}} }
	g := &Graph{Tensors: []Tensor{f("x"), f("a"), f("b"), f("c")}, Inputs: []int{0}, Outputs: []int{3},
		Ops: []Op{{Op: Softmax, Inputs: []int{0}, Outputs: []int{1}}, {Op: Softmax, Inputs: []int{1}, Outputs: []int{2}},
			{Op: Softmax, Inputs: []int{2}, Outputs: []int{3}}}}
	if err := Check(g); err != nil {
		t.Fatal(err)
	}
	size := func(int) int { return 32 }
	offs, total, err := Plan(g, size, nil)
	if err != nil || total != 64 || offs[0] != offs[2] || offs[1] != offs[3] || offs[0] == offs[1] {
		t.Errorf("offsets %v, total %d (%v): want two slots of 32 bytes, used alternately", offs, total, err)
	}
	if offs, total, err = Plan(g, size, []int{1}); err != nil || total != 96 || offs[1] == offs[3] {
		t.Errorf("keeping a: offsets %v, total %d (%v)", offs, total, err)
	}
	g.Ops[0].Inputs[0] = 2
	if _, _, err := Plan(g, size, nil); err == nil {
		t.Error("a tensor read before it is written was accepted")
	}
}

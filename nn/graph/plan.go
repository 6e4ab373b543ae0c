package graph

// Align is the alignment of every offset Plan gives, in bytes: a SIMD vector's.
const Align = 16

// Plan gives every activation tensor of a checked graph a byte offset in one arena, the same way for every
// executor: a tensor lives from the operator that writes it (the input from the start) to the last that reads
// it, and tensors whose lives do not overlap may share bytes; placement is first fit. size is a tensor's bytes
// in the executor's storage. The tensors in keep (and the output) live to the end: they stay readable after a
// run. Tensors that nothing writes get offset -1.
func Plan(g *Graph, size func(t int) int, keep []int) (offsets []int, total int, err error) {
	n := len(g.Tensors)
	first := make([]int, n)
	last := make([]int, n)
	for i := range first {
		first[i], last[i] = -2, -2
	}
	in, out := g.Inputs[0], g.Outputs[0]
	first[in], last[in] = -1, -1
	for i, op := range g.Ops {
		for _, x := range op.Outputs {
			if first[x] != -2 {
				return nil, 0, errorf("tensor %d %q is written twice", x, g.Tensors[x].Name)
			}
			first[x], last[x] = i, i
		}
		for _, x := range op.Inputs {
			if x < 0 || g.Tensors[x].Const {
				continue
			}
			if first[x] == -2 || first[x] >= i {
				return nil, 0, errorf("op %d %s reads tensor %d %q before it is written", i, op.Op, x, g.Tensors[x].Name)
			}
			last[x] = i
		}
	}
	if first[out] == -2 {
		return nil, 0, errorf("graph output %d is never written", out)
	}
	last[out] = len(g.Ops)
	for _, x := range keep {
		if x < 0 || x >= n || first[x] == -2 {
			return nil, 0, errorf("tensor %d to keep is not an activation that is written", x)
		}
		last[x] = len(g.Ops)
	}

	offsets = make([]int, n)
	for i := range offsets {
		offsets[i] = -1
	}
	type block struct{ off, end, last int }
	var live []block // sorted by offset
	place := func(x int) {
		sz := size(x)
		off := 0
		pos := 0
		for pos < len(live) && live[pos].off-off < sz {
			off = (live[pos].end + Align - 1) / Align * Align
			pos++
		}
		live = append(live, block{})
		copy(live[pos+1:], live[pos:])
		live[pos] = block{off, off + sz, last[x]}
		total = max(total, off+sz)
		offsets[x] = off
	}
	free := func(step int) {
		kept := live[:0]
		for _, b := range live {
			if b.last > step {
				kept = append(kept, b)
			}
		}
		live = kept
	}
	place(in)
	for i, op := range g.Ops {
		for _, x := range op.Outputs {
			place(x)
		}
		free(i)
	}
	return offsets, total, nil
}

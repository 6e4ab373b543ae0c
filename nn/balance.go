package nn

// Balance divides work items among parts: the most expensive first, each to the part with the least work so
// far. An item that costs nothing gets -1: every part does it itself rather than wait for it.
func Balance(costs []int64, parts int) []int {
	owner := make([]int, len(costs))
	load := make([]int64, parts)
	done := make([]bool, len(costs))
	for range costs {
		best := -1
		for i, c := range costs {
			if !done[i] && (best < 0 || c > costs[best]) {
				best = i
			}
		}
		done[best] = true
		if costs[best] == 0 {
			owner[best] = -1
			continue
		}
		p := 0
		for i := range load {
			if load[i] < load[p] {
				p = i
			}
		}
		owner[best] = p
		load[p] += costs[best]
	}
	return owner
}

package inception

// Uniform returns n deterministic values uniform in [-1, 1): element i is derived from the FNV-1a hash of name
// and i (ARCHITECTURE.md, "Deterministic weights"). The parity tests' weights and inputs come from it, and
// tools/torchref computes the same bits with NumPy.
func Uniform(name string, n int) []float32 {
	h := fnv1a32(name)
	u := make([]float32, n)
	for i := range u {
		x := h ^ (uint32(i) * 0x9E3779B1)
		x ^= x >> 16
		x *= 0x85EBCA6B
		x ^= x >> 13
		x *= 0xC2B2AE35
		x ^= x >> 16
		// x/2^31 is exact in float64, so only the final conversion rounds.
		u[i] = float32(float64(float64(x)/(1<<31)) - 1)
	}
	return u
}

// fnv1a32 is the 32-bit FNV-1a hash of s's bytes.
func fnv1a32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

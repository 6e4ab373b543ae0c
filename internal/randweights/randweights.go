// Package randweights gives networks of inception blocks random parameters of the right scale, for tests of
// kernels and executors that need a whole network but not its real weights.
package randweights

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
)

// Params is an inception.Params of random values, seeded by each tensor's name: He-uniform weights, batch norm
// near the identity.
type Params struct{}

func (Params) Has(string) bool { return true }

func (Params) Float32(name string, shape []int) ([]float32, error) {
	h := fnv.New64a()
	h.Write([]byte(name))
	r := rand.New(rand.NewPCG(h.Sum64(), 7))
	n, fanIn := 1, 1
	for i, d := range shape {
		n *= d
		if i > 0 {
			fanIn *= d
		}
	}
	s := make([]float32, n)
	for i := range s {
		u := 2*r.Float32() - 1
		switch {
		case strings.HasSuffix(name, ".weight") && len(shape) > 1:
			s[i] = u * float32(math.Sqrt(6/float64(fanIn)))
		case strings.HasSuffix(name, "bn.weight"):
			s[i] = 1 + 0.1*u
		case strings.HasSuffix(name, "running_var"):
			s[i] = 1 + 0.5*(u+1)
		default:
			s[i] = 0.1 * u
		}
	}
	return s, nil
}

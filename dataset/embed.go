package dataset

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// PCA projects the rows of x (n rows of d features) onto their k principal components.
func PCA(x [][]float32, k int) [][]float64 {
	n := len(x)
	if n == 0 {
		return nil
	}
	d := len(x[0])
	m := mat.NewDense(n, d, nil)
	for i, row := range x {
		for j, v := range row {
			m.Set(i, j, float64(v))
		}
	}
	k = min(k, d, n)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, k)
	}
	if n < 2 {
		return out
	}
	var pc stat.PC
	if !pc.PrincipalComponents(m, nil) {
		return out
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	// Centre the data, then project it.
	means := make([]float64, d)
	for j := range means {
		means[j] = stat.Mean(mat.Col(nil, j, m), nil)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			m.Set(i, j, m.At(i, j)-means[j])
		}
	}
	var proj mat.Dense
	proj.Mul(m, vecs.Slice(0, d, 0, k))
	for i := range out {
		for j := range out[i] {
			out[i][j] = proj.At(i, j)
		}
	}
	// The sign of a component is arbitrary: fix it so that the largest coordinate is positive, for stable maps.
	for j := 0; j < k; j++ {
		big := 0.0
		for i := range out {
			if math.Abs(out[i][j]) > math.Abs(big) {
				big = out[i][j]
			}
		}
		if big < 0 {
			for i := range out {
				out[i][j] = -out[i][j]
			}
		}
	}
	return out
}

// TSNE embeds the rows of x in two dimensions with exact t-SNE (van der Maaten and Hinton 2008): Gaussian
// affinities of the given perplexity on the rows' first 50 principal components, a Student-t kernel in the map,
// early exaggeration, gradient descent with momentum. It is deterministic for a seed. Its cost grows with the
// square of the rows: it suits up to a few thousand.
func TSNE(x [][]float32, perplexity float64, iterations int, seed uint64) [][2]float64 {
	n := len(x)
	out := make([][2]float64, n)
	if n < 3 {
		return out
	}
	y0 := PCA(x, 50)
	p := affinities(y0, min(perplexity, float64(n-1)/3))
	rng := rand.New(rand.NewPCG(seed, 0x5EED))
	y := make([][2]float64, n)
	for i := range y {
		y[i] = [2]float64{1e-4 * rng.NormFloat64(), 1e-4 * rng.NormFloat64()}
	}
	gains := make([][2]float64, n)
	update := make([][2]float64, n)
	for i := range gains {
		gains[i] = [2]float64{1, 1}
	}
	q := make([]float64, n*n)
	grad := make([][2]float64, n)
	for it := 0; it < iterations; it++ {
		exaggeration, momentum := 1.0, 0.8
		if it < 100 {
			exaggeration, momentum = 12, 0.5
		}
		var sum float64
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				dx, dy := y[i][0]-y[j][0], y[i][1]-y[j][1]
				v := 1 / (1 + dx*dx + dy*dy)
				q[i*n+j], q[j*n+i] = v, v
				sum += 2 * v
			}
		}
		for i := 0; i < n; i++ {
			var gx, gy float64
			for j := 0; j < n; j++ {
				if i == j {
					continue
				}
				w := q[i*n+j]
				f := (exaggeration*p[i*n+j] - w/sum) * w
				gx += f * (y[i][0] - y[j][0])
				gy += f * (y[i][1] - y[j][1])
			}
			grad[i] = [2]float64{4 * gx, 4 * gy}
		}
		const eta = 200
		for i := range y {
			for d := 0; d < 2; d++ {
				if (grad[i][d] > 0) != (update[i][d] > 0) {
					gains[i][d] += 0.2
				} else {
					gains[i][d] = max(gains[i][d]*0.8, 0.01)
				}
				update[i][d] = momentum*update[i][d] - eta*gains[i][d]*grad[i][d]
				y[i][d] += update[i][d]
			}
		}
	}
	copy(out, y)
	return out
}

// affinities are t-SNE's symmetric joint probabilities p_ij: for each row a Gaussian whose width is found by
// bisection so that its perplexity is the one asked for.
func affinities(x [][]float64, perplexity float64) []float64 {
	n := len(x)
	d2 := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var s float64
			for k := range x[i] {
				t := x[i][k] - x[j][k]
				s += t * t
			}
			d2[i*n+j], d2[j*n+i] = s, s
		}
	}
	p := make([]float64, n*n)
	target := math.Log(perplexity)
	row := make([]float64, n)
	for i := 0; i < n; i++ {
		lo, hi, beta := 0.0, math.Inf(1), 1.0
		// Scale by the mean distance so that the search starts near the answer.
		var mean float64
		for j := 0; j < n; j++ {
			mean += d2[i*n+j]
		}
		mean /= float64(n - 1)
		if mean > 0 {
			beta = 1 / mean
		}
		for range 64 {
			var sum, hsum float64
			for j := 0; j < n; j++ {
				row[j] = 0
				if j != i {
					row[j] = math.Exp(-beta * d2[i*n+j])
				}
				sum += row[j]
			}
			if sum == 0 {
				sum = 1e-300
			}
			for j := 0; j < n; j++ {
				hsum += beta * d2[i*n+j] * row[j]
			}
			h := math.Log(sum) + hsum/sum // the entropy of row i's distribution
			if math.Abs(h-target) < 1e-5 {
				break
			}
			if h > target {
				lo = beta
				if math.IsInf(hi, 1) {
					beta *= 2
				} else {
					beta = (beta + hi) / 2
				}
			} else {
				hi = beta
				beta = (beta + lo) / 2
			}
		}
		var sum float64
		for j := 0; j < n; j++ {
			sum += row[j]
		}
		for j := 0; j < n; j++ {
			p[i*n+j] = row[j] / max(sum, 1e-300)
		}
	}
	// Symmetrise and normalise over all pairs.
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := max((p[i*n+j]+p[j*n+i])/(2*float64(n)), 1e-12)
			p[i*n+j], p[j*n+i] = v, v
		}
	}
	return p
}

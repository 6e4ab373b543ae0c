package dataset

import (
	"math"
	"math/rand/v2"
)

// PCA projects the rows of x (n rows of d features) onto their k principal components: the eigenvectors of the
// centred rows' scatter matrix with the largest eigenvalues. They come from the smaller of the d x d scatter matrix
// (projections: the rows times its eigenvectors) and the n x n Gram matrix, which has the same eigenvalues
// (projections: its unit eigenvectors times the square root of their eigenvalue).
func PCA(x [][]float32, k int) [][]float64 {
	n := len(x)
	if n == 0 {
		return nil
	}
	d := len(x[0])
	k = min(k, d, n)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, k)
	}
	if n < 2 {
		return out
	}
	a := centred(x)
	if d <= n {
		cols := make([][]float64, d)
		for j := range cols {
			cols[j] = make([]float64, n)
			for i, row := range a {
				cols[j][i] = row[j]
			}
		}
		_, vecs := symEigen(gram(cols))
		for c := 0; c < k; c++ {
			v := vecs[d-1-c]
			for i, row := range a {
				out[i][c] = dot(row, v)
			}
		}
	} else {
		vals, vecs := symEigen(gram(a))
		for c := 0; c < k; c++ {
			u, s := vecs[n-1-c], math.Sqrt(max(vals[n-1-c], 0))
			for i := range out {
				out[i][c] = u[i] * s
			}
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
	return TSNEProgress(x, perplexity, iterations, seed, nil)
}

// TSNEProgress is TSNE calling progress (when not nil) after every iteration with the iterations done and
// their number: the page uses it to show its progress and let the browser draw.
func TSNEProgress(x [][]float32, perplexity float64, iterations int, seed uint64, progress func(done, total int)) [][2]float64 {
	n := len(x)
	out := make([][2]float64, n)
	if n < 3 {
		return out
	}
	y0 := leadingComponents(x, 50, seed)
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
	xs, ys := make([]float64, n), make([]float64, n)
	for it := 0; it < iterations; it++ {
		exaggeration, momentum := 1.0, 0.8
		if it < 100 {
			exaggeration, momentum = 12, 0.5
		}
		// The same arithmetic in the same order as the textbook loops, over flat rows (several times faster
		// in WebAssembly, where the page runs it).
		for i, v := range y {
			xs[i], ys[i] = v[0], v[1]
		}
		var sum float64
		for i := 0; i < n; i++ {
			xi, yi, qi := xs[i], ys[i], q[i*n:(i+1)*n]
			for j := i + 1; j < n; j++ {
				dx, dy := xi-xs[j], yi-ys[j]
				v := 1 / (1 + dx*dx + dy*dy)
				qi[j], q[j*n+i] = v, v
				sum += 2 * v
			}
		}
		for i := 0; i < n; i++ {
			var gx, gy float64
			xi, yi, qi, pi := xs[i], ys[i], q[i*n:(i+1)*n], p[i*n:(i+1)*n]
			qi, pi = qi[:n], pi[:n]
			for j := 0; j < n; j++ {
				if i == j {
					continue
				}
				w := qi[j]
				f := (exaggeration*pi[j] - w/sum) * w
				gx += f * (xi - xs[j])
				gy += f * (yi - ys[j])
			}
			grad[i] = [2]float64{4 * gx, 4 * gy}
		}
		if progress != nil {
			progress(it, iterations)
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

// leadingComponents projects the centred rows of x onto their k leading principal components (up to sign, which
// no distance sees), found by a randomized range finder with power iterations (Halko, Martinsson and Tropp
// 2011): a few products with the data instead of its full SVD, which costs seconds in the browser. With k or
// fewer features or rows, the rows are only centred (the same distances as a full rotation).
func leadingComponents(x [][]float32, k int, seed uint64) [][]float64 {
	n, d := len(x), len(x[0])
	a := centred(x)
	if d <= k || n <= k {
		return a
	}
	l := min(k+10, n, d) // oversampled
	rng := rand.New(rand.NewPCG(seed, 0x9CA))
	omega := make([][]float64, d) // d x l
	for j := range omega {
		omega[j] = make([]float64, l)
		for c := range omega[j] {
			omega[j][c] = rng.NormFloat64()
		}
	}
	q := orthonormal(mulRows(a, omega, l)) // n x l: the range of a
	for range 4 {
		z := orthonormal(mulTransposed(a, q, l)) // d x l
		q = orthonormal(mulRows(a, z, l))
	}
	// b = qᵀ a (l x d); the eigenvectors u of b bᵀ with eigenvalues s² give the projections q u s.
	b := mulTransposed(q, a, d)  // as l rows of d: qᵀa
	vals, u := symEigen(gram(b)) // ascending; u[c] is the c-th eigenvector
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, k)
		for c := 0; c < k; c++ {
			col, s := l-1-c, math.Sqrt(max(vals[l-1-c], 0))
			var v float64
			for r := 0; r < l; r++ {
				v += q[i][r] * u[col][r]
			}
			out[i][c] = v * s
		}
	}
	return out
}

// centred returns the rows of x less their mean.
func centred(x [][]float32) [][]float64 {
	n, d := len(x), len(x[0])
	a := make([][]float64, n)
	mean := make([]float64, d)
	for _, row := range x {
		for j, v := range row {
			mean[j] += float64(v) / float64(n)
		}
	}
	for i, row := range x {
		a[i] = make([]float64, d)
		for j, v := range row {
			a[i][j] = float64(v) - mean[j]
		}
	}
	return a
}

// gram returns the matrix of the rows' dot products (symmetric, len(rows) square).
func gram(rows [][]float64) [][]float64 {
	g := make([][]float64, len(rows))
	for r := range g {
		g[r] = make([]float64, len(rows))
	}
	for r, a := range rows {
		for c := r; c < len(rows); c++ {
			s := dot(a, rows[c])
			g[r][c], g[c][r] = s, s
		}
	}
	return g
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// mulRows returns a (rows of len(m)) times m (len(m) rows of cols).
func mulRows(a, m [][]float64, cols int) [][]float64 {
	out := make([][]float64, len(a))
	for i, row := range a {
		o := make([]float64, cols)
		for j, v := range row {
			if v == 0 {
				continue
			}
			for c, w := range m[j][:cols] {
				o[c] += v * w
			}
		}
		out[i] = o
	}
	return out
}

// mulTransposed returns aᵀ m, a and m having the same number of rows: one row per column of a, each of cols
// values (m's columns).
func mulTransposed(a, m [][]float64, cols int) [][]float64 {
	out := make([][]float64, len(a[0]))
	for j := range out {
		out[j] = make([]float64, cols)
	}
	for i, row := range a {
		mi := m[i][:cols]
		for j, v := range row {
			if v == 0 {
				continue
			}
			o := out[j]
			for c, w := range mi {
				o[c] += v * w
			}
		}
	}
	return out
}

// orthonormal makes the columns of y (rows of equal length) orthonormal in place, by modified Gram-Schmidt
// twice (for accuracy), and returns it.
func orthonormal(y [][]float64) [][]float64 {
	cols := len(y[0])
	for range 2 {
		for c := 0; c < cols; c++ {
			for p := 0; p < c; p++ {
				var dot float64
				for _, row := range y {
					dot += row[c] * row[p]
				}
				for _, row := range y {
					row[c] -= dot * row[p]
				}
			}
			var norm float64
			for _, row := range y {
				norm += row[c] * row[c]
			}
			norm = math.Sqrt(norm)
			if norm < 1e-300 {
				continue
			}
			for _, row := range y {
				row[c] /= norm
			}
		}
	}
	return y
}

package dataset

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestEmbed puts two well-separated clusters through PCA and t-SNE: each map keeps them apart, and t-SNE is the
// same for the same seed.
func TestEmbed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [][]float32
	for i := 0; i < 60; i++ {
		row := make([]float32, 20)
		for j := range row {
			row[j] = float32(rng.NormFloat64())
			if i >= 30 {
				row[j] += 8
			}
		}
		x = append(x, row)
	}
	separated := func(name string, at func(i int) float64) {
		// Along the map's axis the two clusters do not interleave.
		maxA, minB := at(0), at(30)
		for i := 0; i < 30; i++ {
			maxA = max(maxA, at(i))
			minB = min(minB, at(30+i))
		}
		minA, maxB := at(0), at(30)
		for i := 0; i < 30; i++ {
			minA = min(minA, at(i))
			maxB = max(maxB, at(30+i))
		}
		if !(maxA < minB || maxB < minA) {
			t.Errorf("%s: the clusters overlap: [%g, %g] and [%g, %g]", name, minA, maxA, minB, maxB)
		}
	}
	pca := PCA(x, 2)
	separated("PCA", func(i int) float64 { return pca[i][0] })
	a, b := TSNE(x, 10, 300, 7), TSNE(x, 10, 300, 7)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("t-SNE differs between two runs with the same seed")
		}
	}
	// t-SNE's axes are arbitrary: check the separation along the line between the cluster means.
	var ca, cb [2]float64
	for i := 0; i < 30; i++ {
		ca[0] += a[i][0] / 30
		ca[1] += a[i][1] / 30
		cb[0] += a[30+i][0] / 30
		cb[1] += a[30+i][1] / 30
	}
	dir := [2]float64{cb[0] - ca[0], cb[1] - ca[1]}
	separated("t-SNE", func(i int) float64 { return a[i][0]*dir[0] + a[i][1]*dir[1] })
}

// TestLeadingComponents checks t-SNE's fast projection against the exact PCA: the same pairwise distances, on
// data whose spectrum falls off as features' does.
func TestLeadingComponents(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d, rank = 200, 300, 80
	basis := make([][]float64, rank)
	for r := range basis {
		basis[r] = make([]float64, d)
		for j := range basis[r] {
			basis[r][j] = rng.NormFloat64()
		}
	}
	x := make([][]float32, n)
	for i := range x {
		x[i] = make([]float32, d)
		for r := range rank {
			w := rng.NormFloat64() * 10 / float64(1+r)
			for j := range x[i] {
				x[i][j] += float32(w * basis[r][j])
			}
		}
		for j := range x[i] {
			x[i][j] += float32(0.01 * rng.NormFloat64())
		}
	}
	exact, fast := PCA(x, 50), leadingComponents(x, 50, 1)
	var worst float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			var de, df float64
			for k := 0; k < 50; k++ {
				de += (exact[i][k] - exact[j][k]) * (exact[i][k] - exact[j][k])
				df += (fast[i][k] - fast[j][k]) * (fast[i][k] - fast[j][k])
			}
			worst = max(worst, math.Abs(math.Sqrt(df)-math.Sqrt(de))/math.Sqrt(de))
		}
	}
	t.Logf("largest relative difference of a distance: %.2g", worst)
	if worst > 5e-3 { // components near the 50th have almost equal variances here; t-SNE does not notice
		t.Errorf("distances differ from the exact PCA's by up to %.2g", worst)
	}
}

// TestPCA checks the properties that define the principal components, on both ways of finding them (the scatter
// matrix when there are fewer features than rows, the Gram matrix otherwise): the projections onto different
// components are uncorrelated, their variances come in decreasing order and are the largest possible (all the
// components together keep every distance), and each component's largest coordinate is positive.
func TestPCA(t *testing.T) {
	for _, c := range []struct{ n, d int }{{80, 12}, {12, 80}, {30, 30}} {
		rng := rand.New(rand.NewPCG(uint64(c.n), uint64(c.d)))
		x := make([][]float32, c.n)
		for i := range x {
			x[i] = make([]float32, c.d)
			for j := range x[i] {
				// Features of decreasing spread, mixed so that no feature is a component.
				x[i][j] = float32(5 + rng.NormFloat64()*float64(c.d-j))
				if j > 0 {
					x[i][j] += x[i][j-1] / 2
				}
			}
		}
		k := min(c.n, c.d)
		p := PCA(x, k)
		a := centred(x)
		variance := make([]float64, k)
		for c1 := 0; c1 < k; c1++ {
			var big float64
			for i := range p {
				variance[c1] += p[i][c1] * p[i][c1]
				if math.Abs(p[i][c1]) > math.Abs(big) {
					big = p[i][c1]
				}
			}
			if big < 0 {
				t.Errorf("%+v: component %d has its largest coordinate negative", c, c1)
			}
			for c2 := 0; c2 < c1; c2++ {
				var cov float64
				for i := range p {
					cov += p[i][c1] * p[i][c2]
				}
				if math.Abs(cov) > 1e-9*variance[0] {
					t.Errorf("%+v: components %d and %d correlate: %g", c, c2, c1, cov)
				}
			}
			if c1 > 0 && variance[c1] > variance[c1-1]*(1+1e-12) {
				t.Errorf("%+v: component %d has more variance than %d: %g > %g", c, c1, c1-1, variance[c1], variance[c1-1])
			}
		}
		// All components together are a rotation of the centred rows: the same distances.
		for i := 0; i < c.n; i++ {
			for j := 0; j < i; j++ {
				var dp, dx float64
				for c1 := 0; c1 < k; c1++ {
					dp += (p[i][c1] - p[j][c1]) * (p[i][c1] - p[j][c1])
				}
				for f := 0; f < c.d; f++ {
					dx += (a[i][f] - a[j][f]) * (a[i][f] - a[j][f])
				}
				if math.Abs(dp-dx) > 1e-9*dx {
					t.Fatalf("%+v: rows %d and %d are %g apart, %g on all components", c, i, j, math.Sqrt(dx), math.Sqrt(dp))
				}
			}
		}
		// The first component holds the most variance of any direction: more than along any feature, or any
		// random direction.
		for range 20 {
			dir := make([]float64, c.d)
			for f := range dir {
				dir[f] = rng.NormFloat64()
			}
			norm := math.Sqrt(dot(dir, dir))
			var v float64
			for _, row := range a {
				s := dot(row, dir) / norm
				v += s * s
			}
			if v > variance[0]*(1+1e-12) {
				t.Errorf("%+v: a random direction has more variance than the first component: %g > %g", c, v, variance[0])
			}
		}
	}
	if got := PCA(nil, 2); got != nil {
		t.Errorf("PCA of no rows = %v", got)
	}
	if got := PCA([][]float32{{1, 2, 3}}, 2); len(got) != 1 || len(got[0]) != 1 || got[0][0] != 0 {
		t.Errorf("PCA of one row = %v, want one zero (as many components as rows)", got)
	}
}

// TestSymEigen decomposes symmetric matrices, including ones with repeated and zero eigenvalues: A v = λ v for
// each pair, the vectors orthonormal, the values ascending.
func TestSymEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	random := func(n int) [][]float64 {
		a := make([][]float64, n)
		for i := range a {
			a[i] = make([]float64, n)
		}
		for i := range a {
			for j := 0; j <= i; j++ {
				a[i][j] = rng.NormFloat64()
				a[j][i] = a[i][j]
			}
		}
		return a
	}
	identity := func(n int) [][]float64 {
		a := make([][]float64, n)
		for i := range a {
			a[i] = make([]float64, n)
			a[i][i] = 1
		}
		return a
	}
	rank1 := func(n int) [][]float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		a := make([][]float64, n)
		for i := range a {
			a[i] = make([]float64, n)
			for j := range a[i] {
				a[i][j] = v[i] * v[j]
			}
		}
		return a
	}
	for name, a := range map[string][][]float64{
		"1x1": {{3}}, "zero 4x4": make4(), "identity 5x5": identity(5), "rank one 9x9": rank1(9),
		"diagonal": {{2, 0, 0}, {0, -1, 0}, {0, 0, 2}}, "random 40x40": random(40), "random 2x2": random(2),
	} {
		vals, vecs := symEigen(a)
		n := len(a)
		scale := 1.0
		for _, v := range vals {
			scale = max(scale, math.Abs(v))
		}
		for i := range n {
			if i > 0 && vals[i] < vals[i-1] {
				t.Errorf("%s: values not ascending: %v", name, vals)
			}
			for j := range n {
				want := 0.0
				if i == j {
					want = 1
				}
				if got := dot(vecs[i], vecs[j]); math.Abs(got-want) > 1e-12 {
					t.Errorf("%s: v%d·v%d = %g, want %g", name, i, j, got, want)
				}
			}
			for r := range n {
				if res := dot(a[r], vecs[i]) - vals[i]*vecs[i][r]; math.Abs(res) > 1e-12*scale {
					t.Errorf("%s: (A v%d - λ v%d)[%d] = %g", name, i, i, r, res)
				}
			}
		}
	}
}

func make4() [][]float64 {
	a := make([][]float64, 4)
	for i := range a {
		a[i] = make([]float64, 4)
	}
	return a
}

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

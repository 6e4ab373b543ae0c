package dataset

import (
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

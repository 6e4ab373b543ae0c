package dataset

import (
	"math"
	"slices"
)

// symEigen returns the eigenvalues of the symmetric matrix a (rows of equal length, only read) in ascending order,
// and its unit eigenvectors, vecs[i] belonging to vals[i]. It is the classic dense method: Householder reduction to
// tridiagonal form, then the QL algorithm with implicit shifts (EISPACK's tred2 and tql2, as JAMA writes them),
// here on the transposed matrix so that the inner loops run along rows. It is deterministic: the same matrix gives
// the same vectors, signs included.
func symEigen(a [][]float64) (vals []float64, vecs [][]float64) {
	n := len(a)
	if n == 0 {
		return nil, nil
	}
	// z holds the transpose of the accumulated transformation; a being symmetric, it starts as a.
	z := make([][]float64, n)
	for i := range z {
		z[i] = slices.Clone(a[i][:n])
	}
	d, e := make([]float64, n), make([]float64, n)

	// Householder reduction to tridiagonal form: d the diagonal, e the subdiagonal.
	for j := 0; j < n; j++ {
		d[j] = z[j][n-1]
	}
	for i := n - 1; i > 0; i-- {
		var scale, h float64
		for k := 0; k < i; k++ {
			scale += math.Abs(d[k])
		}
		if scale == 0 {
			e[i] = d[i-1]
			for j := 0; j < i; j++ {
				d[j] = z[j][i-1]
				z[j][i] = 0
				z[i][j] = 0
			}
		} else {
			for k := 0; k < i; k++ {
				d[k] /= scale
				h += d[k] * d[k]
			}
			f := d[i-1]
			g := math.Sqrt(h)
			if f > 0 {
				g = -g
			}
			e[i] = scale * g
			h -= f * g
			d[i-1] = f - g
			for j := 0; j < i; j++ {
				e[j] = 0
			}
			for j := 0; j < i; j++ {
				f = d[j]
				z[i][j] = f
				zj := z[j]
				g = e[j] + zj[j]*f
				for k := j + 1; k < i; k++ {
					g += zj[k] * d[k]
					e[k] += zj[k] * f
				}
				e[j] = g
			}
			f = 0
			for j := 0; j < i; j++ {
				e[j] /= h
				f += e[j] * d[j]
			}
			hh := f / (h + h)
			for j := 0; j < i; j++ {
				e[j] -= hh * d[j]
			}
			for j := 0; j < i; j++ {
				f, g = d[j], e[j]
				zj := z[j]
				for k := j; k < i; k++ {
					zj[k] -= f*e[k] + g*d[k]
				}
				d[j] = zj[i-1]
				zj[i] = 0
			}
		}
		d[i] = h
	}
	// Accumulate the transformations.
	for i := 0; i < n-1; i++ {
		z[i][n-1] = z[i][i]
		z[i][i] = 1
		zi1 := z[i+1]
		if h := d[i+1]; h != 0 {
			for k := 0; k <= i; k++ {
				d[k] = zi1[k] / h
			}
			for j := 0; j <= i; j++ {
				zj := z[j]
				g := dot(zi1[:i+1], zj)
				for k := 0; k <= i; k++ {
					zj[k] -= g * d[k]
				}
			}
		}
		for k := 0; k <= i; k++ {
			zi1[k] = 0
		}
	}
	for j := 0; j < n; j++ {
		d[j] = z[j][n-1]
		z[j][n-1] = 0
	}
	z[n-1][n-1] = 1
	e[0] = 0

	// QL iterations on the tridiagonal matrix, rotating the rows of z along.
	for i := 1; i < n; i++ {
		e[i-1] = e[i]
	}
	e[n-1] = 0
	const eps = 0x1p-52
	var f, tst1 float64
	for l := 0; l < n; l++ {
		// Find a small subdiagonal element; d[l] is an eigenvalue when it is e[l] itself.
		tst1 = max(tst1, math.Abs(d[l])+math.Abs(e[l]))
		m := l
		for m < n-1 && math.Abs(e[m]) > eps*tst1 {
			m++
		}
		for iter := 0; m > l && iter < 100; iter++ {
			// The implicit shift.
			g := d[l]
			p := (d[l+1] - g) / (2 * e[l])
			r := math.Hypot(p, 1)
			if p < 0 {
				r = -r
			}
			d[l] = e[l] / (p + r)
			d[l+1] = e[l] * (p + r)
			dl1 := d[l+1]
			h := g - d[l]
			for i := l + 2; i < n; i++ {
				d[i] -= h
			}
			f += h
			// The implicit QL transformation.
			p = d[m]
			c, c2, c3 := 1.0, 1.0, 1.0
			el1 := e[l+1]
			var s, s2 float64
			for i := m - 1; i >= l; i-- {
				c3, c2, s2 = c2, c, s
				g = c * e[i]
				h = c * p
				r = math.Hypot(p, e[i])
				e[i+1] = s * r
				s = e[i] / r
				c = p / r
				p = c*d[i] - s*g
				d[i+1] = h + s*(c*g+s*d[i])
				zi, zi1 := z[i], z[i+1][:n]
				for k, v := range zi[:n] {
					h = zi1[k]
					zi1[k] = s*v + c*h
					zi[k] = c*v - s*h
				}
			}
			p = -s * s2 * c3 * el1 * e[l] / dl1
			e[l] = s * p
			d[l] = c * p
			if !(math.Abs(e[l]) > eps*tst1) {
				break
			}
		}
		d[l] += f
		e[l] = 0
	}

	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		switch {
		case d[i] < d[j]:
			return -1
		case d[i] > d[j]:
			return 1
		}
		return 0
	})
	vals, vecs = make([]float64, n), make([][]float64, n)
	for i, o := range order {
		vals[i], vecs[i] = d[o], z[o]
	}
	return vals, vecs
}

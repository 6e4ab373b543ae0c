package nn

import (
	"math"

	"github.com/chewxy/math32"
)

// Linear is a fully connected layer with PyTorch's layout: Weight is [Out][In].
type Linear struct {
	In, Out int
	Weight  []float32
	Bias    []float32
}

// Forward writes Weight*x + Bias into y.
func (l *Linear) Forward(x, y []float32) {
	x = x[:l.In]
	for o := 0; o < l.Out; o++ {
		w := l.Weight[o*l.In : (o+1)*l.In]
		// Four partial sums shorten the dependency chain.
		var s0, s1, s2, s3 float32
		i := 0
		for ; i+4 <= l.In; i += 4 {
			s0 += w[i] * x[i]
			s1 += w[i+1] * x[i+1]
			s2 += w[i+2] * x[i+2]
			s3 += w[i+3] * x[i+3]
		}
		for ; i < l.In; i++ {
			s0 += w[i] * x[i]
		}
		y[o] = l.Bias[o] + (s0 + s1) + (s2 + s3)
	}
}

// Softmax writes the probabilities of logits into p (which may be logits itself).
func Softmax(logits, p []float32) {
	m := float32(math.Inf(-1))
	for _, v := range logits {
		m = max(m, v)
	}
	var sum float32
	for i, v := range logits {
		e := math32.Exp(v - m)
		p[i] = e
		sum += e
	}
	for i := range p[:len(logits)] {
		p[i] /= sum
	}
}

// Cosine is the cosine similarity of a and b, summed in float64: how close two networks' logits are.
func Cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// Package calibrate turns a float operator graph into an integer one for nn/quant (post-training static
// quantization): weights int8 per output channel, activations 8-bit per tensor with ranges measured by running
// the float graph (nn/float) on a calibration set, biases int32 in the scale of input times weight.
//
// Every activation that the calibration set never saw negative (the output of every ReLU, and the pools,
// concatenations and normalisations of such outputs) becomes uint8 with zero point 0 over [0, limit]: all 8
// bits, or 7 ([0, 127], what relaxed SIMD's i8 x i7 dot product multiplies exactly on every engine, at some
// cost in accuracy). Other activations (the normalised image) are uint8 over their whole range; a
// classifier's logits stay float32.
package calibrate

import (
	"fmt"
	"math"
	"slices"

	"inceptionweb/nn"
	"inceptionweb/nn/float"
	"inceptionweb/nn/graph"
	"inceptionweb/nn/quant"
)

// Method chooses the range of an activation from what the calibration set showed.
type Method string

const (
	// MinMax covers every value seen.
	MinMax Method = "minmax"
	// Percentile covers 99.99% of the values seen; rarer outliers clip.
	Percentile Method = "percentile"
	// MSE clips where the expected squared error of rounding and clipping together is least.
	MSE Method = "mse"
)

// Methods lists the methods in the order a report shows them.
var Methods = []Method{MinMax, Percentile, MSE}

const bins = 2048

// Ranges is what the calibration set showed of every tensor of a float graph.
type Ranges struct {
	Images int
	lo, hi []float32  // by tensor index
	hist   [][]uint64 // of |x| over [0, max|x|] in bins, by tensor index
}

// Observe runs the float graph with the kernel set k over the inputs (NHWC float32, preprocessed as the model
// expects) twice: once for every tensor's range, once for the histograms within it.
func Observe(g *graph.Graph, consts map[string][]float32, inputs [][]float32, k nn.KernelSet) (*Ranges, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("calibrate: no calibration inputs")
	}
	prog, err := float.Compile(g, func(name string, shape []int) ([]float32, error) {
		v, ok := consts[name]
		if !ok {
			return nil, fmt.Errorf("constant %q has no values", name)
		}
		return v, nil
	}, k)
	if err != nil {
		return nil, err
	}
	n := len(g.Tensors)
	r := &Ranges{Images: len(inputs), lo: make([]float32, n), hi: make([]float32, n), hist: make([][]uint64, n)}
	for i := range r.lo {
		r.lo[i], r.hi[i] = float32(math.Inf(1)), float32(math.Inf(-1))
	}
	run := func(observe func(t int, v []float32)) error {
		for _, x := range inputs {
			if len(x) != len(prog.Input().Data) {
				return fmt.Errorf("calibrate: an input has %d values, the graph takes %d", len(x), len(prog.Input().Data))
			}
			copy(prog.Input().Data, x)
			prog.RunObserved(observe)
		}
		return nil
	}
	if err := run(func(t int, v []float32) {
		lo, hi := r.lo[t], r.hi[t]
		for _, x := range v {
			lo, hi = min(lo, x), max(hi, x)
		}
		r.lo[t], r.hi[t] = lo, hi
	}); err != nil {
		return nil, err
	}
	if err := run(func(t int, v []float32) {
		h := r.hist[t]
		if h == nil {
			h = make([]uint64, bins)
			r.hist[t] = h
		}
		m := r.absMax(t)
		if m == 0 {
			h[0] += uint64(len(v))
			return
		}
		k := bins / m
		for _, x := range v {
			h[min(int(abs(x)*k), bins-1)]++
		}
	}); err != nil {
		return nil, err
	}
	return r, nil
}

func abs(x float32) float32 { return max(x, -x) }

func (r *Ranges) absMax(t int) float32 { return max(abs(r.lo[t]), abs(r.hi[t])) }

// limit is the largest |x| that tensor t's quantization covers with the given number of levels above zero.
func (r *Ranges) limit(t int, m Method, levels int) float32 {
	top := r.absMax(t)
	h := r.hist[t]
	if m == MinMax || top == 0 || h == nil {
		return top
	}
	var total uint64
	for _, c := range h {
		total += c
	}
	width := float64(top) / bins
	switch m {
	case Percentile:
		keep := uint64(math.Ceil(float64(total) * 0.9999))
		var seen uint64
		for i, c := range h {
			if seen += c; seen >= keep {
				return float32(float64(i+1) * width)
			}
		}
		return top
	case MSE:
		best, bestErr := top, math.Inf(1)
		for edge := bins / 16; edge <= bins; edge++ {
			limit := float64(edge) * width
			step := limit / float64(levels)
			e := 0.0
			for i, c := range h {
				if c == 0 {
					continue
				}
				if x := (float64(i) + 0.5) * width; x > limit {
					e += float64(c) * (x - limit) * (x - limit)
				} else {
					e += float64(c) * step * step / 12
				}
			}
			if e < bestErr {
				best, bestErr = float32(limit), e
			}
		}
		return best
	}
	return top
}

// Options are the choices of a quantization.
type Options struct {
	Method Method
	// Bits is the precision of activations that are never negative: 8 ([0, 255]) or 7 ([0, 127], what relaxed
	// SIMD's dot product multiplies exactly on every engine; 8-bit inputs only where the engine takes them
	// unsigned, as x86's AVX-VNNI does). 7 bits cost accuracy: see ARCHITECTURE.md.
	Bits int
}

// Default is how the product's int8-compute models are made (see ARCHITECTURE.md for the measurements).
var Default = Options{Method: MSE, Bits: 8}

// Quantize returns the integer graph of g, with its constants, for the ranges observed and the options. The
// graph keeps its float32 input (the preprocessed image), which a QUANTIZE op turns into the first
// convolution's uint8 input.
func Quantize(g *graph.Graph, consts map[string][]float32, r *Ranges, o Options) (*graph.Graph, map[string]graph.ConstTensor, error) {
	m := o.Method
	if !slices.Contains(Methods, m) {
		return nil, nil, fmt.Errorf("calibrate: unknown method %q (want one of %q)", m, Methods)
	}
	if o.Bits != 7 && o.Bits != 8 {
		return nil, nil, fmt.Errorf("calibrate: %d-bit activations (want 7 or 8)", o.Bits)
	}
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 || len(r.lo) != len(g.Tensors) {
		return nil, nil, fmt.Errorf("calibrate: the ranges are not of this graph")
	}
	q := &graph.Graph{Requantize: graph.RequantizeFP32, Add: graph.AddXNNPACK, Mean: graph.MeanFP32, Softmax: graph.SoftmaxTable,
		Inputs: g.Inputs, Outputs: g.Outputs}
	q.Tensors = slices.Clone(g.Tensors)
	producer := make([]int, len(g.Tensors))
	users := make([]int, len(g.Tensors))
	for i := range producer {
		producer[i] = -1
	}
	for i, op := range g.Ops {
		for _, t := range op.Outputs {
			producer[t] = i
		}
		for _, t := range op.Inputs {
			users[t]++
		}
	}
	// Each activation's own range: zero point 0 when never negative, else uint8 over its range. Logits are never
	// clipped (the top class's logit is the one that matters most); probabilities are TFLite's 1/256.
	logits := map[int]bool{}
	for _, op := range g.Ops {
		if op.Op == graph.Softmax {
			logits[op.Inputs[0]] = true
			if p := producer[op.Inputs[0]]; p >= 0 && g.Ops[p].Op == graph.Reshape {
				logits[g.Ops[p].Inputs[0]] = true // MobileNetV2's 1x1 classifier, reshaped
			}
		}
	}
	for t, tt := range g.Tensors {
		if tt.Const || t == g.Inputs[0] {
			continue
		}
		method := m
		if logits[t] {
			method = MinMax
		}
		q.Tensors[t] = activation(tt, r, t, method, o.Bits)
	}
	for _, op := range g.Ops {
		if op.Op == graph.Softmax {
			q.Tensors[op.Outputs[0]] = graph.Tensor{Name: g.Tensors[op.Outputs[0]].Name, Type: graph.Uint8,
				Shape: g.Tensors[op.Outputs[0]].Shape, Scale: []float32{1.0 / 256}, ZeroPoint: []int32{0}}
		}
	}
	// A convolution that only feeds a concatenation writes in the concatenation's quantization, so the
	// concatenation copies bytes; pooling keeps its input's quantization (nn/quant requires it).
	for _, op := range g.Ops {
		if op.Op != graph.Concatenation {
			continue
		}
		for _, t := range op.Inputs {
			if p := producer[t]; p >= 0 && g.Ops[p].Op == graph.Conv2D && users[t] == 1 {
				q.Tensors[t] = requantized(q.Tensors[t], q.Tensors[op.Outputs[0]])
			}
		}
	}
	// The input: a graph whose input says how pixels map to values (one imported from TFLite) takes the pixels
	// themselves; otherwise the float input is quantized by a new first op.
	in, qin := g.Inputs[0], g.Inputs[0]
	if t := g.Tensors[in]; len(t.Scale) == 1 && len(t.ZeroPoint) == 1 {
		q.Tensors[in] = graph.Tensor{Name: t.Name, Type: graph.Uint8, Shape: t.Shape, Scale: t.Scale, ZeroPoint: t.ZeroPoint}
	} else {
		qin = len(q.Tensors)
		q.Tensors = append(q.Tensors, activation(t, r, in, MinMax, 8))
		q.Tensors[qin].Name = t.Name + "_quantized"
		q.Tensors[in] = graph.Tensor{Name: t.Name, Type: graph.Float32, Shape: t.Shape}
		q.Ops = append(q.Ops, graph.Op{Op: graph.Quantize, Inputs: []int{in}, Outputs: []int{qin}})
	}
	for _, op := range g.Ops {
		switch op.Op {
		case graph.MaxPool2D, graph.AveragePool2D, graph.Reshape:
			x := op.Inputs[0]
			if x == in {
				x = qin
			}
			q.Tensors[op.Outputs[0]] = requantized(q.Tensors[op.Outputs[0]], q.Tensors[x])
		}
	}
	qc := map[string]graph.ConstTensor{}
	for _, op := range g.Ops {
		op.Inputs = slices.Clone(op.Inputs)
		for k, t := range op.Inputs {
			if t == in {
				op.Inputs[k] = qin
			}
		}
		switch op.Op {
		case graph.Conv2D, graph.FullyConnected, graph.DepthwiseConv2D:
			if err := quantizeWeights(q, op, consts, qc); err != nil {
				return nil, nil, err
			}
		case graph.Reshape:
			op.Inputs = op.Inputs[:1] // a TFLite RESHAPE's shape input became its output's shape
		default:
			for _, t := range op.Inputs {
				if g.Tensors[t].Const {
					return nil, nil, fmt.Errorf("calibrate: %s has a constant input %q", op.Op, g.Tensors[t].Name)
				}
			}
		}
		q.Ops = append(q.Ops, op)
	}
	// A classifier's logits stay float32 (nn/quant dequantizes its accumulators) and the graph ends there:
	// 8-bit logits or probabilities would tie classes whose scores are close; the caller takes the softmax.
	if n := len(q.Ops); n > 1 && q.Ops[n-1].Op == graph.Softmax && q.Ops[n-2].Op == graph.FullyConnected &&
		q.Ops[n-1].Inputs[0] == q.Ops[n-2].Outputs[0] && q.Ops[n-1].Outputs[0] == q.Outputs[0] {
		logits := q.Ops[n-2].Outputs[0]
		q.Tensors[logits] = graph.Tensor{Name: q.Tensors[logits].Name, Type: graph.Float32, Shape: q.Tensors[logits].Shape}
		q.Ops, q.Outputs = q.Ops[:n-1], []int{logits}
	}
	return q, qc, nil
}

// activation is the quantization of tensor t for its observed range.
func activation(tt graph.Tensor, r *Ranges, t int, m Method, bits int) graph.Tensor {
	out := graph.Tensor{Name: tt.Name, Type: graph.Uint8, Shape: tt.Shape}
	lo, hi := min(r.lo[t], 0), max(r.hi[t], 0)
	if lo == 0 {
		levels := 1<<bits - 1
		limit := r.limit(t, m, levels)
		if limit == 0 {
			limit = 1
		}
		out.Scale, out.ZeroPoint = []float32{limit / float32(levels)}, []int32{0}
		if bits < 8 {
			out.Bits = bits
		}
		return out
	}
	if m != MinMax {
		// Clip both ends at the method's limit of |x|.
		limit := r.limit(t, m, 255)
		lo, hi = max(lo, -limit), min(hi, limit)
	}
	scale := (hi - lo) / 255
	zp := int32(math.Round(float64(-lo / scale)))
	out.Scale, out.ZeroPoint = []float32{scale}, []int32{min(max(zp, 0), 255)}
	return out
}

// requantized is t in the quantization of like.
func requantized(t, like graph.Tensor) graph.Tensor {
	t.Type, t.Scale, t.ZeroPoint, t.Bits = like.Type, like.Scale, like.ZeroPoint, like.Bits
	return t
}

// quantizeWeights makes a convolution's or classifier's int8 weights and int32 bias.
func quantizeWeights(q *graph.Graph, op graph.Op, consts map[string][]float32, qc map[string]graph.ConstTensor) error {
	if len(op.Inputs) != 3 {
		return fmt.Errorf("calibrate: %s needs an input, weights and a bias", op.Op)
	}
	in, wt, bt := q.Tensors[op.Inputs[0]], &q.Tensors[op.Inputs[1]], &q.Tensors[op.Inputs[2]]
	w, b := consts[wt.Name], consts[bt.Name]
	outC := wt.Shape[0]
	if len(w) == 0 || len(b) != outC || len(w)%outC != 0 {
		return fmt.Errorf("calibrate: %s weights %q (%d values) and bias %q (%d) for %d outputs", op.Op, wt.Name, len(w), bt.Name, len(b), outC)
	}
	data, scales := quant.QuantizeInt8(w, outC)
	shape, axis := wt.Shape, 0
	if op.Op == graph.DepthwiseConv2D {
		// A float graph keeps depthwise filters channel first, [C,KH,KW,1], so that they quantize per channel
		// like the others; nn/quant takes TFLite's [1,KH,KW,C].
		if len(shape) != 4 || shape[3] != 1 {
			return fmt.Errorf("calibrate: depthwise filter %q of shape %v", wt.Name, shape)
		}
		taps := shape[1] * shape[2]
		t := make([]byte, len(data))
		for c := 0; c < outC; c++ {
			for k := 0; k < taps; k++ {
				t[k*outC+c] = data[c*taps+k]
			}
		}
		data, shape, axis = t, []int{1, shape[1], shape[2], outC}, 3
	}
	bias := make([]byte, 4*outC)
	bscale := make([]float32, outC)
	for o := range scales {
		if scales[o] == 0 {
			scales[o] = 1 // an all-zero channel: any scale gives zeros
		}
		bscale[o] = in.Scale[0] * scales[o]
		v := int32(max(min(math.Round(float64(b[o]/bscale[o])), math.MaxInt32/2), -math.MaxInt32/2))
		bias[4*o], bias[4*o+1], bias[4*o+2], bias[4*o+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	*wt = graph.Tensor{Name: wt.Name, Type: graph.Int8, Shape: shape, Scale: scales, ZeroPoint: make([]int32, outC), Axis: axis, Const: true}
	*bt = graph.Tensor{Name: bt.Name, Type: graph.Int32, Shape: bt.Shape, Scale: bscale, ZeroPoint: make([]int32, outC), Const: true}
	qc[wt.Name] = graph.ConstTensor{Type: graph.Int8, Shape: shape, Data: data}
	qc[bt.Name] = graph.ConstTensor{Type: graph.Int32, Shape: bt.Shape, Data: bias}
	return nil
}

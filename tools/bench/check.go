package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"
)

// Tolerances of the agreement checks. Logits are close when max |got - want| <= tol * max |want|.
const (
	closeFloat = 1e-3 // the same float32 network in another engine (measured ~1e-6 natively)
	closeQuant = 0.1  // int8 weights or int8 compute against the float32 network: quantization error
	closeProb  = 0.01 // the browser's top-5 probabilities against our engine's, natively, on the same file
)

// agreement checks that the engines compared ran the same network on the same input: for each model, our
// engine natively against PyTorch's logits (the ONNX families); onnxruntime-web's logits against PyTorch's; the
// browser's top 5 of our engine against the same file natively (top-1 equal, probabilities close); and the TFLite
// runtime's top-1 against ours natively. It returns lines for the report; a disagreement is reported, not fatal.
func agreement(s *setup, results []result) []string {
	var lines []string
	for _, m := range s.Models {
		n, ok := s.Native[m.Name]
		torch := s.Torch[m.Family]
		if !ok || torch == nil {
			continue
		}
		tol := closeFloat
		if n.Quant != computeFloat || m.Compute != computeFloat {
			tol = closeQuant
		}
		lines = append(lines, compare(fmt.Sprintf("%s: ours natively (%s weights, %s compute) vs PyTorch (float32)",
			m.Name, n.Quant, m.Compute), n.Logits, torch, tol))
	}
	for _, r := range results {
		if r.Err != "" {
			continue
		}
		n, ok := s.Native[r.Model]
		what := fmt.Sprintf("%s: %s, %d %s, in the browser", r.Model, r.Engine, r.Workers, unit(r))
		if r.Adapter != "" {
			what += " on " + r.Adapter
		}
		switch {
		case len(r.Logits) > 0:
			lines = append(lines, compare(what+" vs PyTorch", r.Logits, s.Torch[r.Family], closeFloat))
		case len(r.Scores) > 0 && ok:
			// The TFLite file has 1001 outputs, class 0 being "background"; ours may drop it.
			off := len(r.Scores) - len(n.Logits)
			lines = append(lines, sameTop1(what, argmax(r.Scores)-off, argmax(n.Logits), "ours natively"))
		case len(r.Top5) > 0 && ok:
			lines = append(lines, compareTop5(what+" vs ours natively", r.Top5, n.Probs))
		}
	}
	return lines
}

func unit(r result) string {
	if strings.HasPrefix(r.Engine, "inceptionweb") {
		return "worker(s)"
	}
	return "thread(s)"
}

// compareTop5 checks a browser's top 5 against the probability of every output, natively.
func compareTop5(what string, got []top5, probs []float64) string {
	if len(got) == 0 || len(probs) == 0 {
		return what + ": DIFFERENT: no answers"
	}
	var maxErr float64
	for _, g := range got {
		if g.Index < 0 || g.Index >= len(probs) {
			return fmt.Sprintf("%s: DIFFERENT: output index %d", what, g.Index)
		}
		maxErr = math.Max(maxErr, math.Abs(g.Prob-probs[g.Index]))
	}
	want := argmax(probs)
	verdict := "agree"
	switch {
	case got[0].Index != want:
		verdict = "top-1 DIFFERS"
	case maxErr > closeProb:
		verdict = "probabilities NOT CLOSE"
	}
	return fmt.Sprintf("%s: %s (top-1 %d vs %d, max |prob diff| over the top 5 %.2g, allowed %.2g)",
		what, verdict, got[0].Index, want, maxErr, closeProb)
}

func compare(what string, got, want []float64, tol float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%s: DIFFERENT: %d logits, want %d", what, len(got), len(want))
	}
	var maxErr, maxAbs float64
	for i := range got {
		maxErr = math.Max(maxErr, math.Abs(got[i]-want[i]))
		maxAbs = math.Max(maxAbs, math.Abs(want[i]))
	}
	verdict := "agree"
	switch {
	case argmax(got) != argmax(want):
		verdict = "top-1 DIFFERS"
	case maxErr > tol*maxAbs:
		verdict = "logits NOT CLOSE"
	}
	return fmt.Sprintf("%s: %s (top-1 %d vs %d, max |logit diff| %.2g = %.2g of max |logit| %.3g, allowed %.2g)",
		what, verdict, argmax(got), argmax(want), maxErr, maxErr/maxAbs, maxAbs, tol)
}

func sameTop1(what string, got, want int, wantName string) string {
	verdict := "agree"
	if got != want {
		verdict = "top-1 DIFFERS"
	}
	return fmt.Sprintf("%s: %s (top-1 %d, %s %d)", what, verdict, got, wantName, want)
}

func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

func readFloat32s(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a float32 array", path, len(b))
	}
	out := make([]float64, len(b)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:])))
	}
	return out, nil
}

func hasDiffer(lines []string) bool {
	for _, l := range lines {
		if strings.Contains(l, "DIFFER") || strings.Contains(l, "NOT CLOSE") {
			return true
		}
	}
	return false
}

package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strings"

	"inceptionweb/model"
)

// agreement checks that the engines compared ran the same network on the same input: PyTorch's logits against
// onnxruntime-web's and against our engine's (natively, on the same int8 model file the worker loads), and the
// top-1 class each browser engine reported. It returns lines for the report; a disagreement is reported, not
// fatal, but a check that cannot run is an error.
func agreement(files map[string]string, results []result) ([]string, error) {
	var lines []string
	torch, err := readFloat32s(files["logits_torch_f32.bin"])
	if err != nil {
		return nil, err
	}
	native, err := nativeScores(files["inception_v3_synthetic.safetensors"], 299)
	if err != nil {
		return nil, err
	}
	lines = append(lines, compare("InceptionV3 ours (native Go, int8 file) vs PyTorch (float32)", native, torch))
	for _, r := range results {
		if r.Err != "" {
			continue
		}
		switch {
		case r.Model == inception && len(r.Logits) > 0:
			lines = append(lines, compare(fmt.Sprintf("InceptionV3 %s vs PyTorch", r.Engine), r.Logits, torch))
		case r.Model == inception && len(r.Top5) > 0:
			lines = append(lines, sameTop1(fmt.Sprintf("InceptionV3 %s, %d worker(s), in the browser", r.Engine, r.Workers),
				r.Top5[0].Index, argmax(native), "ours natively"))
		}
	}
	ours, err := nativeScores(files["mobilenet_v2_uint8.safetensors"], 224)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.Err != "" || r.Model != mobilenet {
			continue
		}
		switch {
		case len(r.Scores) > 0:
			// The TFLite file has 1001 outputs, class 0 being "background"; ours may drop it.
			off := len(r.Scores) - len(ours)
			lines = append(lines, sameTop1("MobileNetV2 "+r.Engine, argmax(r.Scores)-off, argmax(ours), "ours natively"))
		case len(r.Top5) > 0:
			lines = append(lines, sameTop1(fmt.Sprintf("MobileNetV2 %s, %d worker(s), in the browser", r.Engine, r.Workers),
				r.Top5[0].Index, argmax(ours), "ours natively"))
		}
	}
	return lines, nil
}

// nativeScores runs our engine natively on the bench's test image and returns its logits.
func nativeScores(path string, size int) ([]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := model.Open(path, data)
	if err != nil {
		return nil, err
	}
	s, err := m.Scores(testImage(size), size)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out, nil
}

func compare(what string, got, want []float64) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%s: DIFFERENT: %d logits, want %d", what, len(got), len(want))
	}
	var maxErr, maxAbs float64
	for i := range got {
		maxErr = math.Max(maxErr, math.Abs(got[i]-want[i]))
		maxAbs = math.Max(maxAbs, math.Abs(want[i]))
	}
	verdict := "agree"
	if argmax(got) != argmax(want) {
		verdict = "top-1 DIFFERS"
	}
	return fmt.Sprintf("%s: %s (top-1 %d vs %d, max |logit diff| %.2g, max |logit| %.3g)",
		what, verdict, argmax(got), argmax(want), maxErr, maxAbs)
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
		if strings.Contains(l, "DIFFER") {
			return true
		}
	}
	return false
}

package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"inceptionweb/internal/testenv"
	"inceptionweb/internal/testmodels"
	"inceptionweb/model"
	"inceptionweb/nn/googlenet"
	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/inception"
	"inceptionweb/weights/npy"
)

// googlenetParity is what this test reads of nn/googlenet/testdata/parity.json (tools/torchref/googlenet.py).
type googlenetParity struct {
	Logits []float32 `json:"logits"`
	Photos []struct {
		File string `json:"file"`
		Top5 []struct {
			Class int     `json:"class"`
			Prob  float32 `json:"prob"`
		} `json:"top5"`
	} `json:"photos"`
}

// TestGoogLeNet runs the real GoogLeNet through the command line: -tensor takes the network's own input (NCHW,
// BGR minus the mean) unchanged and gives PyTorch's logits; photos get the reference's top class, named by
// WNID and ImageNet index.
func TestGoogLeNet(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.Root(t), "nn", "googlenet", "testdata", "parity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref googlenetParity
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m := filepath.Join(dir, "googlenet.safetensors")
	if err := os.WriteFile(m, testmodels.GoogLeNet(t), 0o644); err != nil {
		t.Fatal(err)
	}
	// The parity input: u*128 of the formula's "input" values.
	s := googlenet.InputSize
	x := inception.Uniform("input", 3*s*s)
	for i := range x {
		x[i] *= 128
	}
	var buf bytes.Buffer
	if err := npy.WriteFloat32(&buf, []int{1, 3, s, s}, x); err != nil {
		t.Fatal(err)
	}
	xp := filepath.Join(dir, "x.npy")
	os.WriteFile(xp, buf.Bytes(), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", m, "-tensor", xp, "-logits"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var logits [][]float32
	if err := json.Unmarshal(stdout.Bytes(), &logits); err != nil || len(logits) != 1 || len(logits[0]) != len(ref.Logits) {
		t.Fatalf("logits %v: %.200s", err, stdout.String())
	}
	var worst, maxAbs float64
	for i, w := range ref.Logits {
		worst = max(worst, math.Abs(float64(logits[0][i]-w)))
		maxAbs = max(maxAbs, math.Abs(float64(w)))
	}
	if worst > 1e-4*maxAbs {
		t.Errorf("-tensor logits: max error %.3g of max|logit| %.3g", worst, maxAbs)
	}

	images := filepath.Join(testenv.Shared(t), "images")
	args := []string{"-model", m, "-json"}
	for _, p := range ref.Photos {
		args = append(args, filepath.Join(images, p.File))
	}
	stdout.Reset()
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var results []struct {
		Predictions []model.Prediction `json:"predictions"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatal(err)
	}
	for i, p := range ref.Photos {
		got, want := results[i].Predictions[0], p.Top5[0]
		if got.Class != want.Class || got.WNID != imagenet.WNIDs[want.Class] || got.Index != want.Class {
			t.Errorf("%s: top-1 %+v, the reference says class %d (%s)", p.File, got, want.Class, imagenet.WNIDs[want.Class])
		}
		t.Logf("%s: %s (%d) %s %.3f; reference %.3f", p.File, got.WNID, got.Class, got.Label, got.Prob, want.Prob)
	}
}

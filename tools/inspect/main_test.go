package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionweb/dataset"
	"inceptionweb/internal/testimages"
	"inceptionweb/internal/testmodels"
	"inceptionweb/model"
	"inceptionweb/weights/npy"
)

// TestInspect inspects two collections of the same ImageNet photos, clean and degraded, with the real
// GoogLeNet: counts, top-1 equal to classifying each file on its own, the degraded collection scoring lower,
// one map point and one feature row per image, the CSV and the report.
func TestInspect(t *testing.T) {
	const n = 24
	clean, degraded := testimages.Collections(t, n)
	dir := t.TempDir()
	m := filepath.Join(dir, "googlenet.safetensors")
	if err := os.WriteFile(m, testmodels.GoogLeNet(t), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-model", m, "-out", out, "ILSVRC=" + clean, "degraded=" + degraded}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr is not a terminal, yet inspect wrote %q", stderr.String())
	}
	raw, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum dataset.Summary
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Collections) != 2 || sum.Collections[0].Name != "ILSVRC" || sum.Collections[1].Name != "degraded" {
		t.Fatalf("collections %+v", sum.Collections)
	}
	for _, c := range sum.Collections {
		if c.Images != n || c.Classes != n || c.Unlabelled != 0 {
			t.Errorf("%s: %d images, %d classes, %d unlabelled; want %d, %d, 0", c.Name, c.Images, c.Classes, c.Unlabelled, n, n)
		}
	}
	a, b := sum.Collections[0], sum.Collections[1]
	t.Logf("top-1 %.3f vs %.3f, top-5 %.3f vs %.3f (clean vs degraded)", a.Top1, b.Top1, a.Top5, b.Top5)
	if !(b.Top1 < a.Top1-0.1) {
		t.Errorf("the degraded collection scores top-1 %.3f, the clean one %.3f: not visibly lower", b.Top1, a.Top1)
	}
	if len(sum.Classes) != n || sum.Map.Method != "tsne" || len(sum.Map.Points) != 2*n {
		t.Errorf("%d classes, map %s with %d points; want %d and %d", len(sum.Classes), sum.Map.Method, len(sum.Map.Points), n, 2*n)
	}
	// predictions.csv: a header and one line per image, with the top-1 the model gives each file on its own.
	f, err := os.Open(filepath.Join(out, "predictions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*n+1 || strings.Join(rows[0], ",") != strings.Join(dataset.CSVHeader, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	single, err := model.Open(m, testmodels.GoogLeNet(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		img := decode(t, row[1])
		preds, err := single.ClassifyImage(img, 1)
		if err != nil {
			t.Fatal(err)
		}
		if row[4] != preds[0].WNID {
			t.Errorf("%s: inspect's top-1 %s, alone %s", row[1], row[4], preds[0].WNID)
		}
	}
	feats, err := os.ReadFile(filepath.Join(out, "features.npy"))
	if err != nil {
		t.Fatal(err)
	}
	arr, err := npy.Read(feats)
	if err != nil || len(arr.Shape) != 2 || arr.Shape[0] != 2*n || arr.Shape[1] != 1024 {
		t.Errorf("features.npy: %v %v", arr.Shape, err)
	}
	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !bytes.Contains(html, []byte(`data-points="48"`)) || bytes.Count(html, []byte("<circle")) != 2*n {
		t.Errorf("index.html: %v, %d circles", err, bytes.Count(html, []byte("<circle")))
	}
}

func decode(t *testing.T, path string) image.Image {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

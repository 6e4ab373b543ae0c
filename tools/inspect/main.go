// Command inspect looks at collections of images through a model, as the InceptionV3 material opens with its
// dataset inspection: ImageNet classes by WNID and index, how each collection scores, samples of each class
// from every collection side by side, and a 2-D map of the network's features with one colour per collection.
//
//	inspect -model build/models/googlenet_int8.safetensors -out report ILSVRC=../imagenet/val other=./photos
//
// A collection is a folder of images; an image's true class is the WNID in its path (see package dataset).
// Every image is classified once, on all cores; its pooled features come from the same forward pass. DIR gets
// summary.json, predictions.csv, features.npy (one row per line of predictions.csv) and index.html (one
// self-contained page). Unreadable files are reported and skipped.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"inceptionweb/dataset"
	"inceptionweb/dataset/report"
	"inceptionweb/imagefile"
	"inceptionweb/model"
	"inceptionweb/weights/npy"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// job is one image to classify and, once done, what became of it.
type job struct {
	res      dataset.Result
	features []float32
	thumb    string
	cam      string
	err      error
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", "", "model file (required)")
	out := fs.String("out", "inspection", "output folder")
	method := fs.String("map", "", `feature map: "tsne" or "pca" (default: t-SNE up to 3000 images, else PCA)`)
	seed := fs.Uint64("seed", 1, "t-SNE's random seed")
	cams := fs.Bool("cam", true, "add class activation maps to the report's samples")
	jobs := fs.Int("j", runtime.NumCPU(), "images classified at once")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inspect -model M -out DIR NAME=FOLDER [NAME=FOLDER ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *modelPath == "" || fs.NArg() == 0 || (*method != "" && *method != "tsne" && *method != "pca") {
		fs.Usage()
		return 2
	}
	var names []string
	var todo []*job
	for _, a := range fs.Args() {
		name, dir, ok := strings.Cut(a, "=")
		if !ok || name == "" || dir == "" {
			fmt.Fprintf(stderr, "inspect: %q is not NAME=FOLDER\n", a)
			return 2
		}
		imgs, err := dataset.Find(dir)
		if err != nil {
			fmt.Fprintln(stderr, "inspect:", err)
			return 1
		}
		names = append(names, name)
		for _, img := range imgs {
			todo = append(todo, &job{res: dataset.Result{Collection: name, Image: img}})
		}
	}
	data, err := os.ReadFile(*modelPath)
	if err != nil {
		fmt.Fprintln(stderr, "inspect:", err)
		return 1
	}
	if err := classifyAll(*modelPath, data, todo, *jobs, *cams, stderr); err != nil {
		fmt.Fprintln(stderr, "inspect:", err)
		return 1
	}
	var done []*job
	status := 0
	for _, j := range todo {
		if j.err != nil {
			fmt.Fprintf(stderr, "inspect: %s: %v (skipped)\n", j.res.Path, j.err)
			status = 1
			continue
		}
		done = append(done, j)
	}
	if len(done) == 0 {
		fmt.Fprintln(stderr, "inspect: no image could be read")
		return 1
	}
	if err := write(*out, filepath.Base(*modelPath), names, done, *method, *seed); err != nil {
		fmt.Fprintln(stderr, "inspect:", err)
		return 1
	}
	fmt.Fprintf(stdout, "inspect: %d images in %d collections -> %s\n", len(done), len(names), filepath.Join(*out, "index.html"))
	return status
}

// classifyAll runs the jobs on n workers, each with its own copy of the model, with a progress bar on a terminal.
func classifyAll(name string, data []byte, todo []*job, n int, cams bool, stderr io.Writer) error {
	next := make(chan *job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	finished := 0
	bar := progress(stderr, len(todo))
	for range max(1, n) {
		m, err := model.Open(name, data)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				j.err = classify(m, j, cams)
				mu.Lock()
				finished++
				bar(finished)
				mu.Unlock()
			}
		}()
	}
	for _, j := range todo {
		next <- j
	}
	close(next)
	wg.Wait()
	bar(-1)
	return nil
}

const thumbSize = 112

func classify(m *model.Model, j *job, cams bool) error {
	img, err := imagefile.Read(j.res.Path)
	if err != nil {
		return err
	}
	preds, err := m.ClassifyImage(img, 5)
	if err != nil {
		return err
	}
	for _, p := range preds {
		j.res.Top5 = append(j.res.Top5, dataset.Guess{WNID: p.WNID, Class: p.Class, Label: p.Label, Prob: p.Prob})
	}
	f32 := m.Features()
	if f32 == nil {
		return errors.New("the model does not expose its features")
	}
	j.features = append([]float32(nil), f32...)
	thumbs := m.Info().Input
	thumbs.Size = thumbSize
	pix := thumbs.CropResize(img)
	j.thumb = report.Thumbnail(pix, thumbSize)
	if cams {
		cam, err := m.ClassCAM(preds[0].Index)
		if err != nil {
			return err
		}
		report.OverlayCAM(pix, thumbSize, cam.H, cam.W, cam.Values)
		j.cam = report.Thumbnail(pix, thumbSize)
	}
	return nil
}

// progress draws a bar on stderr when it is a terminal; elsewhere it stays quiet. done < 0 ends the line.
func progress(w io.Writer, total int) func(done int) {
	if !isTerminal(w) {
		return func(int) {}
	}
	return func(done int) {
		if done < 0 {
			fmt.Fprintln(w)
			return
		}
		const width = 40
		n := done * width / max(total, 1)
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
	}
}

// isTerminal reports whether w is a character device other than /dev/null.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	null, err := os.Stat(os.DevNull)
	return err != nil || !os.SameFile(fi, null)
}

func write(dir, modelName string, names []string, done []*job, method string, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	results := make([]dataset.Result, len(done))
	features := make([][]float32, len(done))
	thumbs := make([]string, len(done))
	var camThumbs []string
	for i, j := range done {
		results[i], features[i], thumbs[i] = j.res, j.features, j.thumb
		if j.cam != "" {
			camThumbs = append(camThumbs, j.cam)
		}
	}
	if len(camThumbs) != len(done) {
		camThumbs = nil
	}
	if method == "" {
		method = "tsne"
		if len(done) > 3000 {
			method = "pca"
		}
	}
	m := dataset.Map{Method: method}
	var xy [][2]float64
	if method == "tsne" {
		xy = dataset.TSNE(features, 30, 500, seed)
	} else {
		for _, p := range dataset.PCA(features, 2) {
			xy = append(xy, [2]float64{p[0], p[min(1, len(p)-1)]})
		}
	}
	for i, r := range results {
		m.Points = append(m.Points, dataset.Point{Collection: r.Collection, File: r.Path, WNID: r.WNID, X: xy[i][0], Y: xy[i][1]})
	}
	sum := dataset.Summarize(modelName, names, results, m)
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	var csv, feats, html bytes.Buffer
	if err := dataset.WriteCSV(&csv, results); err != nil {
		return err
	}
	flat := make([]float32, 0, len(features)*len(features[0]))
	for _, f := range features {
		flat = append(flat, f...)
	}
	if err := npy.WriteFloat32(&feats, []int{len(features), len(features[0])}, flat); err != nil {
		return err
	}
	if err := report.WriteHTML(&html, report.Report{Summary: sum, Results: results, Thumbs: thumbs, CAMs: camThumbs}); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"summary.json": append(js, '\n'), "predictions.csv": csv.Bytes(),
		"features.npy": feats.Bytes(), "index.html": html.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

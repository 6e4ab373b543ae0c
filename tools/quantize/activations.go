package main

import (
	"cmp"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"inceptionweb/dataset"
	"inceptionweb/dataset/views"
	"inceptionweb/imagefile"
	"inceptionweb/model"
	"inceptionweb/nn/calibrate"
)

// runActivations makes the int8-compute model: weights and activations int8, ranges calibrated on the
// photographs of calib (and their variants) with method m.
func runActivations(in string, data []byte, calib string, variants int, m calibrate.Method, bits int) (*report, error) {
	float, err := floatModelFile(in, data)
	if err != nil {
		return nil, err
	}
	imgs, err := views.Read(calib, variants)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	q, ranges, err := model.QuantizeActivations(in, float, imgs, calibrate.Options{Method: m, Bits: bits})
	if err != nil {
		return nil, err
	}
	r := &report{file: q, float: float, to: "int8 weights and activations",
		calibration: fmt.Sprintf("%s, %d-bit, on %d images (%s, %d variants each) in %s", m, bits, ranges.Images, calib, variants,
			time.Since(start).Round(time.Second))}
	ref, err := model.Open(in, float)
	if err != nil {
		return nil, err
	}
	qm, err := model.Open(in+" (int8)", q)
	if err != nil {
		return nil, err
	}
	photos, _ := filepath.Glob(filepath.Join(calib, "*.[pj][np]g"))
	r.comparison, err = compare(ref, qm, photos, variants)
	return r, err
}

// agreement is how often the quantized model answers as the float one on a labelled collection, and how
// often each is right.
type agreement struct {
	images, top1, top5, floatRight, quantRight, floatTop5, quantTop5 int
}

// compareSamples classifies every image of dir with both models, on every core (open gives each goroutine
// its own pair: a model is not safe for concurrent use).
func compareSamples(open func() (ref, q *model.Model, err error), dir string) (*agreement, error) {
	imgs, err := dataset.Find(dir)
	if err != nil {
		return nil, err
	}
	if len(imgs) == 0 {
		return nil, fmt.Errorf("no images in %s", dir)
	}
	type answer struct{ float, quant []model.Prediction }
	answers := make([]answer, len(imgs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.NumCPU() {
		ref, q, err := open()
		if err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				img, err := imagefile.Read(imgs[i].Path)
				if err == nil {
					if answers[i].float, err = ref.ClassifyImage(img, 5); err == nil {
						answers[i].quant, err = q.ClassifyImage(img, 5)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, fmt.Errorf("%s: %w", imgs[i].Path, err))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range imgs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	a := &agreement{}
	for i, im := range imgs {
		pa, pb := answers[i].float, answers[i].quant
		a.images++
		if pa[0].Index == pb[0].Index {
			a.top1++
		}
		if sameSet(pa, pb) {
			a.top5++
		}
		right := func(p []model.Prediction, top1, top5 *int) {
			for k, x := range p {
				if x.Class == im.Class && im.Class >= 0 {
					if k == 0 {
						*top1++
					}
					*top5++
				}
			}
		}
		right(pa, &a.floatRight, &a.floatTop5)
		right(pb, &a.quantRight, &a.quantTop5)
	}
	return a, nil
}

func (a *agreement) print(w io.Writer, dir string) {
	pct := func(n int) float64 { return 100 * float64(n) / float64(a.images) }
	fmt.Fprintf(w, "samples (%s): %d images\n", dir, a.images)
	fmt.Fprintf(w, "  top-1 agreement with float: %.1f%%, top-5 (same five classes): %.1f%%\n", pct(a.top1), pct(a.top5))
	fmt.Fprintf(w, "  accuracy top-1 / top-5: float %.1f%% / %.1f%%, quantized %.1f%% / %.1f%%\n",
		pct(a.floatRight), pct(a.floatTop5), pct(a.quantRight), pct(a.quantTop5))
}

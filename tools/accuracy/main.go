// Command accuracy measures the top-1 and top-5 accuracy of every model the build has (build/models/index.json)
// on a folder of labelled ImageNet photos (true class = the WNID in each path, see package dataset), on all
// cores.
//
//	go run ./tools/accuracy ../shared/datasets/imagenet-samples
//	go run ./tools/accuracy -models build/models -only googlenet,googlenet_int8 -json DIR
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"inceptionweb/dataset"
	"inceptionweb/imagefile"
	"inceptionweb/model"
	"inceptionweb/weights"
)

// Result is one model's accuracy.
type Result struct {
	Model    string  `json:"model"`
	Images   int     `json:"images"`
	Top1     float64 `json:"top1"`
	Top5     float64 `json:"top5"`
	Failed   int     `json:"failed"` // images that could not be read
	MsPerImg float64 `json:"ms_per_image"`
}

func main() {
	models := flag.String("models", "build/models", "folder with index.json and the model files")
	only := flag.String("only", "", "comma-separated model names (default: every model of the index)")
	jobs := flag.Int("j", runtime.NumCPU(), "images classified at once")
	asJSON := flag.Bool("json", false, "print one JSON line per model")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: accuracy [-models DIR] [-only a,b] [-json] FOLDER")
		os.Exit(2)
	}
	imgs, err := dataset.Find(flag.Arg(0))
	if err == nil && len(imgs) == 0 {
		err = fmt.Errorf("%s holds no images", flag.Arg(0))
	}
	if err != nil {
		fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(*models, "index.json"))
	if err != nil {
		fatal(err)
	}
	entries, err := weights.ParseIndex(idx)
	if err != nil {
		fatal(err)
	}
	for _, e := range entries {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), e.Name) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(*models, e.File))
		if err != nil {
			fatal(err)
		}
		r, err := measure(e.Name, data, imgs, *jobs)
		if err != nil {
			fatal(err)
		}
		if *asJSON {
			json.NewEncoder(os.Stdout).Encode(r)
		} else {
			fmt.Printf("%-22s top-1 %.3f  top-5 %.3f  (%d images, %d unreadable, %.0f ms per image per core)\n",
				r.Model, r.Top1, r.Top5, r.Images, r.Failed, r.MsPerImg)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "accuracy:", err)
	os.Exit(1)
}

// measure classifies every labelled image with one model per job.
func measure(name string, data []byte, imgs []dataset.Image, jobs int) (Result, error) {
	next := make(chan dataset.Image)
	var mu sync.Mutex
	r := Result{Model: name}
	var top1, top5 int
	var busy time.Duration
	var wg sync.WaitGroup
	for range jobs {
		m, err := model.Open(name, data)
		if err != nil {
			return r, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for img := range next {
				start := time.Now()
				preds, err := classify(m, img.Path)
				took := time.Since(start)
				mu.Lock()
				busy += took
				if err != nil {
					r.Failed++
					fmt.Fprintf(os.Stderr, "accuracy: %s: %v\n", img.Path, err)
				} else {
					r.Images++
					for k, p := range preds {
						if p.Class == img.Class {
							top5++
							if k == 0 {
								top1++
							}
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, img := range imgs {
		if img.Class >= 0 {
			next <- img
		}
	}
	close(next)
	wg.Wait()
	if r.Images > 0 {
		r.Top1, r.Top5 = float64(top1)/float64(r.Images), float64(top5)/float64(r.Images)
		r.MsPerImg = float64(busy.Milliseconds()) / float64(r.Images)
	}
	return r, nil
}

func classify(m *model.Model, path string) ([]model.Prediction, error) {
	img, err := imagefile.Read(path)
	if err != nil {
		return nil, err
	}
	return m.ClassifyImage(img, 5)
}

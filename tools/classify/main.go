// Command classify is the native command line classifier: the same Go code as the page, for scripts and for
// checking the browser's answers.
//
//	classify [-model FILE] [-top 5] [-json] IMAGE...
//	classify -model FILE -tensor X.npy -logits
//
// Without -model it uses the bundled default model that `make weights` writes (build/models/index.json).
// With -tensor it feeds an already preprocessed NCHW float32 batch to the first convolution unchanged and
// prints the raw logits, one JSON array per batch item, to compare the network with another framework.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"inceptionweb/imagefile"
	"inceptionweb/internal/limits"
	"inceptionweb/model"
	"inceptionweb/weights"
	"inceptionweb/weights/npy"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modelPath := fs.String("model", "", "model file: a model file of this product, or torchvision InceptionV3 weights (.pth state_dict or .safetensors); default: the bundled model")
	top := fs.Int("top", 5, "how many classes to print per image (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	tensor := fs.String("tensor", "", "NCHW float32 .npy input fed unchanged to the network (with -logits)")
	logits := fs.Bool("logits", false, "print raw logits as JSON arrays (needs -tensor)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *logits != (*tensor != "") {
		fmt.Fprintln(stderr, "classify: -tensor and -logits go together")
		return 2
	}
	if *tensor == "" && fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: classify [-model FILE] [-top N] [-json] IMAGE...\n       classify -model FILE -tensor X.npy -logits")
		return 2
	}
	path := *modelPath
	if path == "" {
		var err error
		if path, err = defaultModel(); err != nil {
			fmt.Fprintln(stderr, "classify:", err)
			return 1
		}
	}
	data, err := readModelFile(path)
	if err != nil {
		fmt.Fprintln(stderr, "classify:", err)
		return 1
	}
	if *logits {
		if err := printLogits(path, data, *tensor, stdout); err != nil {
			fmt.Fprintln(stderr, "classify:", err)
			return 1
		}
		return 0
	}
	m, err := model.Open(path, data)
	if err != nil {
		fmt.Fprintln(stderr, "classify:", err)
		return 1
	}
	return classifyFiles(m, fs.Args(), *top, *asJSON, stdout, stderr)
}

// result is one image's answer in -json output.
type result struct {
	File        string             `json:"file"`
	Model       string             `json:"model"`
	Predictions []model.Prediction `json:"predictions,omitempty"`
	Error       string             `json:"error,omitempty"`
}

// classifyFiles classifies each file; a file that cannot be read is reported and the others still run.
func classifyFiles(m *model.Model, files []string, top int, asJSON bool, stdout, stderr io.Writer) int {
	status := 0
	var results []result
	for _, f := range files {
		r := result{File: f, Model: m.Info().Name}
		preds, err := classifyFile(m, f, top)
		if err != nil {
			r.Error = err.Error()
			fmt.Fprintf(stderr, "classify: %s: %v\n", f, err)
			status = 1
		}
		r.Predictions = preds
		results = append(results, r)
		if !asJSON && err == nil {
			fmt.Fprintf(stdout, "%s\n", f)
			for _, p := range preds {
				fmt.Fprintf(stdout, "  %6.2f%%  %s\n", 100*p.Prob, p.Label)
			}
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(results)
	}
	return status
}

func classifyFile(m *model.Model, path string, top int) ([]model.Prediction, error) {
	img, err := imagefile.Read(path)
	if err != nil {
		return nil, err
	}
	return m.ClassifyImage(img, top)
}

// readModelFile reads a model file of at most limits.ModelFileBytes.
func readModelFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limits.ModelFileBytes+1))
	if err != nil {
		return nil, err
	}
	if err := limits.Check(path, int64(len(data)), limits.ModelFileBytes); err != nil {
		return nil, err
	}
	return data, nil
}

func printLogits(path string, data []byte, tensorPath string, stdout io.Writer) error {
	raw, err := os.ReadFile(tensorPath)
	if err != nil {
		return err
	}
	arr, err := npy.Read(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", tensorPath, err)
	}
	x, err := arr.Float32()
	if err != nil {
		return fmt.Errorf("%s: %w", tensorPath, err)
	}
	m, err := model.OpenForLogits(path, data)
	if err != nil {
		return err
	}
	s := m.Info().Input.Size
	if len(arr.Shape) != 4 || arr.Shape[1] != 3 || arr.Shape[2] != s || arr.Shape[3] != s {
		return fmt.Errorf("%s: shape %v, want [N,3,%d,%d]", tensorPath, arr.Shape, s, s)
	}
	var out [][]float32
	per := 3 * s * s
	for i := 0; i < arr.Shape[0]; i++ {
		l, err := m.LogitsNCHW(x[i*per : (i+1)*per])
		if err != nil {
			return err
		}
		out = append(out, append([]float32(nil), l...))
	}
	return json.NewEncoder(stdout).Encode(out)
}

// defaultModel finds the bundled default model that `make weights` wrote, from the current folder up to the
// module root.
func defaultModel() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		idx := filepath.Join(dir, "build", "models", "index.json")
		if data, err := os.ReadFile(idx); err == nil {
			entries, err := weights.ParseIndex(data)
			if err != nil {
				return "", fmt.Errorf("%s: %w", idx, err)
			}
			for _, e := range entries {
				if e.Default {
					return filepath.Join(filepath.Dir(idx), e.File), nil
				}
			}
			return "", fmt.Errorf("%s names no default model", idx)
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("no bundled model found: run `make weights` (writes build/models/) or pass -model FILE")
}

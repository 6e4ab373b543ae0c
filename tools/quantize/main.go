// Command quantize shrinks a model's weights for download: float32 -> int8 per output channel (about 4x) or
// float16 (2x), and reports what it cost: the size before and after, the error of every weight tensor, and on
// test photographs (and crops and flips of them) how often the quantized model agrees with the float one.
//
//	quantize -in W.pth -out inception_v3_int8.safetensors            (torchvision InceptionV3 weights)
//	quantize -in model_float32.safetensors -out model_int8.safetensors (any float model file of this product)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"inceptionweb/dataset/views"
	"inceptionweb/model"
	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
)

func main() {
	in := flag.String("in", "", "float model: a model file of this product, or torchvision InceptionV3 weights (.pth or .safetensors)")
	out := flag.String("out", "", "quantized model file to write")
	to := flag.String("to", "int8", "weight encoding: int8 or float16")
	images := flag.String("images", "../shared/images", "folder of photographs for the accuracy report (empty: none)")
	variants := flag.Int("variants", len(views.Variants), "variants of each photo to compare (1 = the photo only)")
	activations := flag.String("activations", "float32", "activations: float32 (only the weights shrink) or int8 (an integer graph, calibrated)")
	calib := flag.String("calibration", "../shared/images", "with -activations int8: folder of photographs (with their crops and flips) to calibrate the activation ranges on")
	method := flag.String("method", string(calibrate.MSE), "with -activations int8: how a range is chosen from the calibration set: minmax, percentile or mse")
	bits := flag.Int("bits", calibrate.Default.Bits, "with -activations int8: bits of the activations that are never negative (7: what the relaxed-SIMD dot product takes; 8)")
	samples := flag.String("samples", "", "folder of labelled images (e.g. ../shared/datasets/imagenet-samples): report agreement with float and accuracy on them")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: quantize -in FLOAT_MODEL -out QUANTIZED [-to int8|float16] [-images DIR]")
		os.Exit(2)
	}
	data, err := os.ReadFile(*in)
	if err == nil {
		var r *report
		if *activations == "int8" {
			r, err = runActivations(*in, data, *calib, *variants, calibrate.Method(*method), *bits)
		} else if *activations != "float32" {
			err = fmt.Errorf("-activations %q: want float32 or int8", *activations)
		} else {
			r, err = run(*in, data, *to, *images, *variants)
		}
		if err == nil && *samples != "" {
			err = r.compareSamples(*in, *samples)
		}
		if err == nil {
			err = os.WriteFile(*out, r.file, 0o644)
			fmt.Printf("quantized %s -> %s (%s weights, per output channel)\n", *in, *out, *to)
			r.print(os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quantize:", err)
		os.Exit(1)
	}
}

// report is what quantizing cost.
type report struct {
	file         []byte // the quantized model file
	float        []byte // the float32 model file it was made from
	weightErrors []weights.TensorError
	to           string
	calibration  string // how activation ranges were chosen, for int8 activations
	*comparison         // nil without photographs
	samples      *agreement
	samplesDir   string
}

// compareSamples measures r's model against the float one on a labelled collection.
func (r *report) compareSamples(in, dir string) error {
	var err error
	r.samplesDir = dir
	r.samples, err = compareSamples(func() (ref, q *model.Model, err error) {
		if ref, err = model.Open(in, r.float); err == nil {
			q, err = model.Open(in+" (quantized)", r.file)
		}
		return ref, q, err
	}, dir)
	return err
}

func run(in string, data []byte, to, images string, variants int) (*report, error) {
	float, err := floatModelFile(in, data)
	if err != nil {
		return nil, err
	}
	q, errs, err := weights.Quantize(in, float, to)
	if err != nil {
		return nil, err
	}
	r := &report{file: q, float: float, weightErrors: errs, to: to}
	if images == "" {
		return r, nil
	}
	ref, err := model.Open(in, float)
	if err != nil {
		return nil, err
	}
	qm, err := model.Open(in+" ("+to+")", q)
	if err != nil {
		return nil, err
	}
	photos, err := filepath.Glob(filepath.Join(images, "*.[pj][np]g"))
	if err != nil || len(photos) == 0 {
		return nil, fmt.Errorf("no photographs in %s", images)
	}
	r.comparison, err = compare(ref, qm, photos, variants)
	return r, err
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "size: float32 %s -> %s %s = %.1f%%\n", mb(len(r.float)), r.to, mb(len(r.file)), 100*r.sizeRatio())
	reportWeights(w, r.weightErrors)
	if r.calibration != "" {
		fmt.Fprintf(w, "activation ranges: %s\n", r.calibration)
	}
	if r.comparison != nil {
		r.comparison.print(w)
	}
	if r.samples != nil {
		r.samples.print(w, r.samplesDir)
	}
}

func (r *report) sizeRatio() float64 { return float64(len(r.file)) / float64(len(r.float)) }

// floatModelFile returns a float32 model file for data: the file itself, or torchvision weights converted.
func floatModelFile(name string, data []byte) ([]byte, error) {
	if weights.IsModelFile(data) {
		return data, nil
	}
	tensors, err := model.ReadStateDict(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var buf bytes.Buffer
	meta := model.TorchvisionMeta(filepath.Base(name))
	cfg := model.InceptionConfig{TransformInput: true, Classes: inceptionv3.Classes}
	if err := model.WriteInception(&buf, meta, model.TensorParams(tensors), cfg, model.Float32); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func mb(n int) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

func reportWeights(w io.Writer, errs []weights.TensorError) {
	if len(errs) == 0 {
		return
	}
	var sum float64
	worst := errs[0]
	n := 0
	for _, e := range errs {
		sum += e.RelRMS * float64(e.Elements)
		n += e.Elements
		if e.RelRMS > worst.RelRMS {
			worst = e
		}
	}
	fmt.Fprintf(w, "weight error: %d tensors, relative RMS %.4f%% (weighted mean), worst %.4f%% in %s (max abs %.3g)\n",
		len(errs), 100*sum/float64(n), 100*worst.RelRMS, worst.Name, worst.MaxAbs)
}

// Command convert turns the model sources of weights/manifest.json into the product's model files: each source
// comes from the local mirror when it is there, else from its official address, is verified by sha256, and is
// converted. It writes <out>/<name>.safetensors and <out>/index.json. A source that cannot be had (no mirror,
// no internet) is reported and skipped, unless it is the default model.
//
//	convert -mirror ../shared -out build/models
//	convert -float -out build/float-models     (the float32 references of the TFLite models)
//	convert -synthetic-inception -out build/bench-models   (deterministic InceptionV3 for benchmarks)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"inceptionweb/dataset/views"
	"inceptionweb/model"
	"inceptionweb/nn/calibrate"
	"inceptionweb/weights"
	"inceptionweb/weights/fetch"
)

func main() {
	mirror := flag.String("mirror", "../shared", "local mirror folder (holds weights-source/)")
	out := flag.String("out", "build/models", "output folder")
	float := flag.Bool("float", false, "write the float32 reference of each TFLite model instead (name suffix _float32)")
	synthetic := flag.Bool("synthetic-inception", false, "write only InceptionV3 with the deterministic test weights (for benchmarks)")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	var index []weights.IndexEntry
	if *synthetic {
		data, err := model.Synthetic(model.Int8)
		if err != nil {
			fatal(err)
		}
		e, err := save(*out, "inception_v3_synthetic", "InceptionV3 (synthetic test weights)", data)
		if err != nil {
			fatal(err)
		}
		q, err := int8Compute(e.File, data, filepath.Join(*mirror, "images"))
		if err != nil {
			fatal(err)
		}
		qe, err := save(*out, "inception_v3_synthetic_int8", "InceptionV3 (synthetic test weights, int8 compute)", q)
		if err != nil {
			fatal(err)
		}
		index = append(index, e, qe)
	} else {
		srcs, err := weights.Manifest()
		if err != nil {
			fatal(err)
		}
		preferred := false
		for _, s := range srcs {
			if *float && s.Kind != "tflite" {
				continue
			}
			es, err := convert(s, *mirror, *out, *float)
			if err != nil {
				if s.Default {
					fatal(err)
				}
				fmt.Fprintf(os.Stderr, "convert: %s skipped: %v\n", s.Name, err)
				continue
			}
			preferred = preferred || (s.Preferred && !*float)
			index = append(index, es...)
		}
		// The page starts with the preferred model when it converted, else with the default one.
		for i := range index {
			index[i].Default = index[i].Name == defaultName(srcs, preferred)
		}
	}
	data, err := json.MarshalIndent(index, "", "  ")
	if err != nil {
		fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "index.json"), append(data, '\n'), 0o644); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "convert:", err)
	os.Exit(1)
}

func defaultName(srcs []weights.Source, preferred bool) string {
	for _, s := range srcs {
		if (preferred && s.Preferred) || (!preferred && s.Default) {
			return s.Name
		}
	}
	return ""
}

// convert writes the model files of one source: the converted model and its Variants.
func convert(s weights.Source, mirror, out string, float bool) ([]weights.IndexEntry, error) {
	var data []byte
	var files map[string][]byte
	var where string
	var err error
	if len(s.Files) > 0 {
		files, where, err = fetch.Files(s, mirror)
	} else {
		data, where, err = fetch.File(s, mirror)
	}
	if err != nil {
		return nil, err
	}
	meta := weights.Meta{Name: s.Name, Title: s.Title, Source: s.URL}
	if data != nil {
		meta.SourceSHA256 = weights.SHA256(data)
	}
	var file []byte
	switch {
	case float:
		meta.Name, meta.Title = s.Name+"_float32", s.Title+" dequantized to float32"
		file, err = model.FloatFromTFLite(meta, data)
	case s.Kind == "tflite":
		file, err = model.FromTFLite(meta, data)
	case s.Kind == "torch":
		file, err = model.FromTorch(meta, data, s.Quantize)
	case s.Kind == "caffejs":
		meta.SourceSHA256 = filesDigest(s)
		file, err = fromCaffeJS(meta, files)
	default:
		err = fmt.Errorf("unknown source kind %q", s.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", s.File, where, err)
	}
	e, err := save(out, meta.Name, meta.Title, file)
	if err != nil {
		return nil, err
	}
	fmt.Printf("%s: %s -> %s (%d bytes)\n", meta.Name, where, e.File, e.Bytes)
	entries := []weights.IndexEntry{e}
	for _, enc := range s.Variants {
		// The same re-encoding as tools/quantize.
		var q []byte
		suffix := enc
		if enc == "int8-compute" {
			q, err = int8Compute(e.File, file, filepath.Join(mirror, "images"))
			suffix = "int8"
		} else {
			q, _, err = weights.Quantize(e.File, file, enc)
		}
		if err != nil {
			return nil, fmt.Errorf("%s as %s: %w", s.Name, enc, err)
		}
		ve, err := save(out, s.Name+"_"+suffix, variantTitle(s.Title, enc), q)
		if err != nil {
			return nil, err
		}
		fmt.Printf("%s: %s -> %s (%d bytes)\n", ve.Name, e.File, ve.File, ve.Bytes)
		entries = append(entries, ve)
	}
	return entries, nil
}

// fromCaffeJS converts a Caffe model in caffejs's layout: its weights and its class list.
func fromCaffeJS(meta weights.Meta, files map[string][]byte) ([]byte, error) {
	const weightsDir, synsets = "models/bvlc_googlenet/weights/", "data/ilsvrc12/synset_words.txt"
	return model.FromCaffeJS(meta, func(path string) ([]byte, error) {
		data, ok := files[weightsDir+path]
		if !ok {
			return nil, fmt.Errorf("the manifest lists no file %s", weightsDir+path)
		}
		return data, nil
	}, files[synsets])
}

// filesDigest stands for the sha256 of a source of several files: the sha256 of its "<sha256>  <path>" lines.
func filesDigest(s weights.Source) string {
	var b strings.Builder
	for _, f := range s.Files {
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Path)
	}
	return weights.SHA256([]byte(b.String()))
}

// int8Compute is tools/quantize -activations int8 with its defaults: the activation ranges calibrated on the
// mirror's photographs and their crops and flips.
func int8Compute(name string, file []byte, photos string) ([]byte, error) {
	imgs, err := views.Read(photos, len(views.Variants))
	if err != nil {
		return nil, err
	}
	q, _, err := model.QuantizeActivations(name, file, imgs, calibrate.Default)
	return q, err
}

func variantTitle(title, enc string) string {
	if enc == "int8-compute" {
		return strings.TrimSuffix(title, ")") + ", int8 compute)"
	}
	return strings.TrimSuffix(title, ")") + ", " + enc + " weights)"
}

func save(out, name, title string, data []byte) (weights.IndexEntry, error) {
	file := name + ".safetensors"
	if err := os.WriteFile(filepath.Join(out, file), data, 0o644); err != nil {
		return weights.IndexEntry{}, err
	}
	m, err := weights.Read(file, data)
	if err != nil {
		return weights.IndexEntry{}, err
	}
	return weights.IndexEntry{Name: name, Title: title, File: file, SHA256: weights.SHA256(data), Bytes: int64(len(data)),
		Compute: m.Compute()}, nil
}

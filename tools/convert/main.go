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

	"inceptionweb/model"
	"inceptionweb/weights"
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
		index = append(index, e)
	} else {
		srcs, err := weights.Manifest()
		if err != nil {
			fatal(err)
		}
		for _, s := range srcs {
			if *float && s.Kind != "tflite" {
				continue
			}
			e, err := convert(s, *mirror, *out, *float)
			if err != nil {
				if s.Default {
					fatal(err)
				}
				fmt.Fprintf(os.Stderr, "convert: %s skipped: %v\n", s.Name, err)
				continue
			}
			index = append(index, e)
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

func convert(s weights.Source, mirror, out string, float bool) (weights.IndexEntry, error) {
	data, where, err := s.Fetch(mirror)
	if err != nil {
		return weights.IndexEntry{}, err
	}
	meta := weights.Meta{Name: s.Name, Title: s.Title, Source: s.URL, SourceSHA256: weights.SHA256(data)}
	var file []byte
	switch {
	case float:
		meta.Name, meta.Title = s.Name+"_float32", s.Title+" dequantized to float32"
		file, err = model.FloatFromTFLite(meta, data)
	case s.Kind == "tflite":
		file, err = model.FromTFLite(meta, data)
	case s.Kind == "torch":
		file, err = model.FromTorch(meta, data, s.Quantize)
	default:
		err = fmt.Errorf("unknown source kind %q", s.Kind)
	}
	if err != nil {
		return weights.IndexEntry{}, fmt.Errorf("%s (%s): %w", s.File, where, err)
	}
	e, err := save(out, meta.Name, meta.Title, file)
	e.Default = s.Default && !float
	fmt.Printf("%s: %s -> %s (%d bytes)\n", meta.Name, where, e.File, e.Bytes)
	return e, err
}

func save(out, name, title string, data []byte) (weights.IndexEntry, error) {
	file := name + ".safetensors"
	if err := os.WriteFile(filepath.Join(out, file), data, 0o644); err != nil {
		return weights.IndexEntry{}, err
	}
	return weights.IndexEntry{Name: name, Title: title, File: file, SHA256: weights.SHA256(data), Bytes: int64(len(data))}, nil
}

package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
)

// Everything the bench makes lives under build/bench; the site comes from `make web`, the models from
// `make weights` and tools/convert.
const (
	buildDir     = "build/bench"
	pageDir      = "tools/bench/page"
	inceptionOut = "build/bench-models"
)

// siteDir is the built site (-site, default web/).
var siteDir = "web"

// setup is what a bench run measures and checks against.
type setup struct {
	Models  []benchModel
	Native  map[string]native    // our engine natively, by model name
	Torch   map[string][]float64 // PyTorch's logits on the test input, by family (the ONNX references)
	Files   map[string]string    // served under /data/: name -> path
	Skipped []string             // what is not measured, and why
}

// Reference files of the ONNX families, in build/bench: the network exported from PyTorch, the same network for
// onnxruntime-web's WebGPU provider (GoogLeNet's in ops it runs: its MaxPool has no ceil mode, and PyTorch's
// LRN is a 3-D average pool it cannot run), its input (the test image as our engine preprocesses it, NCHW
// float32) and PyTorch's logits for that input.
func onnxFile(fam string) string       { return fam + ".onnx" }
func webgpuONNXFile(fam string) string { return fam + "_webgpu.onnx" }
func inputFile(fam string) string      { return fam + "_input_nchw.f32" }
func torchFile(fam string) string      { return fam + "_logits_torch.f32" }
func tfliteFile(mod string) string     { return mod + ".tflite" }

// prepare finds the models asked for (a missing one is skipped), opens each natively, sets up the competing
// engines and their reference files, and returns what the pages need.
func prepare(shared string, names []string) (*setup, error) {
	if _, err := os.Stat(filepath.Join(siteDir, "index.html")); err != nil {
		return nil, fmt.Errorf("the built site is missing (%v): run make web first", err)
	}
	if err := os.MkdirAll(buildDir, 0o755); err != nil {
		return nil, err
	}
	for _, n := range names {
		if familyOf(n).Index == benchIndex {
			// Written every time (a minute or two: the int8-compute file is calibrated on the shared photos), so it
			// always matches the current model format and weights.
			logf("writing the synthetic InceptionV3 model files")
			if err := run("go", "run", "./tools/convert", "-synthetic-inception", "-mirror", shared, "-out", inceptionOut); err != nil {
				return nil, err
			}
			break
		}
	}
	s := &setup{Native: map[string]native{}, Torch: map[string][]float64{}, Files: map[string]string{}}
	s.Models = findModels(names)
	present := 0
	for i := range s.Models {
		m := &s.Models[i]
		if m.Missing != "" {
			s.Skipped = append(s.Skipped, fmt.Sprintf("%s: skipped, %s", m.Name, m.Missing))
			continue
		}
		logf("%s: %s, natively on the test image", m.Name, m.Path)
		n, err := openModel(m)
		if err != nil {
			return nil, err
		}
		present++
		s.Native[m.Name] = n
		s.Files[m.Data()] = m.Path
		rgba := fmt.Sprintf("input_%d.rgba", m.Size)
		s.Files[rgba] = filepath.Join(buildDir, rgba)
		if err := writeIfChanged(s.Files[rgba], testImage(m.Size)); err != nil {
			return nil, err
		}
	}
	if present == 0 {
		return nil, fmt.Errorf("none of the models asked for is there (run make weights; set SHARED to the reference folder)")
	}
	if err := npmInstall(); err != nil {
		return nil, err
	}
	for _, f := range families {
		if f.ONNX {
			if err := s.exportONNX(f.Name, shared); err != nil {
				return nil, err
			}
		}
		for _, m := range s.Models {
			src, ok := f.TFLite[m.Name]
			if !ok || m.Missing != "" {
				continue
			}
			path := filepath.Join(shared, src)
			if _, err := os.Stat(path); err != nil {
				s.Skipped = append(s.Skipped, fmt.Sprintf("%s on %s: skipped, %v", tfliteNm, m.Name, err))
				continue
			}
			s.Files[tfliteFile(m.Name)] = path
		}
	}
	return s, nil
}

// exportONNX makes a family's reference files, unless they are newer than what makes them, when a model of the
// family is measured. The input comes from the first such model whose input is floats.
func (s *setup) exportONNX(fam, shared string) error {
	var in *native
	for _, m := range s.Models {
		if n, ok := s.Native[m.Name]; ok && m.Family == fam && n.Input.Normalize == "float" {
			in = &n
			break
		}
	}
	if in == nil {
		for _, m := range s.Models {
			if m.Family == fam && m.Missing == "" {
				s.Skipped = append(s.Skipped, fmt.Sprintf("%s on %s: skipped, no model file of it takes float input", ortName, fam))
				break
			}
		}
		return nil
	}
	path := func(name string) string { return filepath.Join(buildDir, name) }
	input := path(inputFile(fam))
	if err := writeIfChanged(input, float32Bytes(nchwInput(in.Input, testImage(in.Input.Size)))); err != nil {
		return err
	}
	outs := []string{path(onnxFile(fam)), path(torchFile(fam))}
	gpu := outs[0] // the same file, unless the WebGPU provider needs other ops
	var ins []string
	var steps [][]string
	switch fam {
	case inception:
		tmp, err := os.MkdirTemp("", "bench-onnx")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		sd := filepath.Join(tmp, "inception_v3_synthetic.pth")
		ins = []string{"tools/bench/export_onnx.py", "tools/torchref/gen_inception.py", input}
		steps = [][]string{
			{"/usr/bin/python3", "tools/torchref/gen_inception.py", "-o", filepath.Join(tmp, "parity.json"), "--state-dict", sd},
			{"/usr/bin/python3", "tools/bench/export_onnx.py", sd, input, outs[0], outs[1]},
		}
	case googlenet:
		ins = []string{"tools/torchref/googlenet.py", "tools/torchref/fixture.py", input}
		gpu = path(webgpuONNXFile(fam))
		outs = append(outs, gpu)
		steps = [][]string{
			{"/usr/bin/python3", "tools/torchref/googlenet.py", "--mirror", shared, "onnx", "--input", input, "-o", outs[0], "--logits", outs[1]},
			{"/usr/bin/python3", "tools/torchref/googlenet.py", "--mirror", shared, "onnx", "--input", input, "-o", gpu, "--webgpu"},
		}
	default:
		return fmt.Errorf("no ONNX export for %s", fam)
	}
	if !newer(outs, ins) {
		if err := aptInstall(); err != nil {
			return err
		}
		logf("exporting %s to ONNX (a minute or two)", fam)
		for _, st := range steps {
			if err := run(st[0], st[1:]...); err != nil {
				return err
			}
		}
	}
	torch, err := readFloat32s(outs[1])
	if err != nil {
		return err
	}
	s.Torch[fam] = torch
	s.Files[onnxFile(fam)] = outs[0]
	s.Files[webgpuONNXFile(fam)] = gpu
	s.Files[inputFile(fam)] = input
	return nil
}

func float32Bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// npmInstall installs the competing engines from tools/bench/package-lock.json into build/bench/node_modules,
// unless the installed lockfile is already that one.
func npmInstall() error {
	lock, err := os.ReadFile("tools/bench/package-lock.json")
	if err != nil {
		return err
	}
	pkg, err := os.ReadFile("tools/bench/package.json")
	if err != nil {
		return err
	}
	installed, _ := os.ReadFile(filepath.Join(buildDir, "package-lock.json"))
	if _, err := os.Stat(filepath.Join(buildDir, "node_modules/onnxruntime-web")); err == nil && bytes.Equal(installed, lock) {
		return nil
	}
	logf("npm install into %s/node_modules", buildDir)
	if err := os.WriteFile(filepath.Join(buildDir, "package.json"), pkg, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(buildDir, "package-lock.json"), lock, 0o644); err != nil {
		return err
	}
	cmd := exec.Command("npm", "ci", "--legacy-peer-deps", "--no-audit", "--no-fund")
	cmd.Dir = buildDir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %v", buildDir, err)
	}
	return nil
}

// aptInstall installs the Python packages of the ONNX export when they are missing.
func aptInstall() error {
	if exec.Command("/usr/bin/python3", "-c", "import torch, torchvision, onnx").Run() == nil {
		return nil
	}
	logf("installing python3-torch python3-torchvision python3-onnx")
	install := []string{"install", "-y", "-q", "python3-torch", "python3-torchvision", "python3-onnx"}
	if aptGet(install...) == nil {
		return nil
	}
	// The package lists may be stale or missing on a fresh machine.
	if err := aptGet("update", "-q"); err != nil {
		return err
	}
	return aptGet(install...)
}

// aptGet runs apt-get, through sudo unless it runs as root.
func aptGet(args ...string) error {
	name := "apt-get"
	if os.Getuid() != 0 {
		name, args = "sudo", append([]string{"apt-get"}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %v", name, args, err)
	}
	return nil
}

// newer reports whether every file in outs exists and is newer than every file in ins.
func newer(outs, ins []string) bool {
	for _, o := range outs {
		so, err := os.Stat(o)
		if err != nil {
			return false
		}
		for _, i := range ins {
			si, err := os.Stat(i)
			if err != nil || !so.ModTime().After(si.ModTime()) {
				return false
			}
		}
	}
	return true
}

func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

func run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %v: %v", name, args, err)
	}
	return nil
}

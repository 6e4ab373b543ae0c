package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Everything the bench makes lives under build/bench; the site comes from `make web`, the models from
// `make weights` and tools/convert.
const (
	buildDir     = "build/bench"
	onnxDir      = buildDir + "/onnx"
	pageDir      = "tools/bench/page"
	inceptionOut = "build/bench-models"
)

// siteDir is the built site (-site, default web/).
var siteDir = "web"

// prepare sets up everything the pages need and returns the files served under /data/, by name.
func prepare(shared string) (map[string]string, error) {
	if _, err := os.Stat(filepath.Join(siteDir, "index.html")); err != nil {
		return nil, fmt.Errorf("the built site is missing (%v): run make web first", err)
	}
	files := map[string]string{
		"inception_v3_synthetic.safetensors": filepath.Join(inceptionOut, "inception_v3_synthetic.safetensors"),
		"mobilenet_v2_uint8.safetensors":     "build/models/mobilenet_v2_uint8.safetensors",
		"mobilenet_v2.tflite":                filepath.Join(shared, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"),
		"inception_v3_synthetic.onnx":        filepath.Join(onnxDir, "inception_v3_synthetic.onnx"),
		"input_nchw_f32.bin":                 filepath.Join(onnxDir, "input_nchw_f32.bin"),
		"logits_torch_f32.bin":               filepath.Join(onnxDir, "logits_torch_f32.bin"),
	}
	if err := os.MkdirAll(onnxDir, 0o755); err != nil {
		return nil, err
	}
	for _, size := range []int{299, 224} {
		name := fmt.Sprintf("input_%d.rgba", size)
		files[name] = filepath.Join(buildDir, name)
		if err := writeIfChanged(files[name], testImage(size)); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"mobilenet_v2_uint8.safetensors", "mobilenet_v2.tflite"} {
		if _, err := os.Stat(files[name]); err != nil {
			return nil, fmt.Errorf("%v (run make weights; set SHARED to the reference folder)", err)
		}
	}
	// Written every time (seconds), so it always matches the current model format and weights.
	logf("writing the synthetic InceptionV3 model file")
	if err := run("go", "run", "./tools/convert", "-synthetic-inception", "-out", inceptionOut); err != nil {
		return nil, err
	}
	if err := npmInstall(); err != nil {
		return nil, err
	}
	if err := exportONNX(files); err != nil {
		return nil, err
	}
	return files, nil
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

// exportONNX writes the ONNX model, its input and PyTorch's logits unless they are newer than what makes them.
func exportONNX(files map[string]string) error {
	outs := []string{files["inception_v3_synthetic.onnx"], files["input_nchw_f32.bin"], files["logits_torch_f32.bin"]}
	ins := []string{"tools/bench/export_onnx.py", "tools/torchref/gen_inception.py", files["input_299.rgba"]}
	if newer(outs, ins) {
		return nil
	}
	if err := aptInstall(); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-onnx")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sd := filepath.Join(tmp, "inception_v3_synthetic.pth")
	logf("writing the deterministic state_dict (about a minute)")
	if err := run("/usr/bin/python3", "tools/torchref/gen_inception.py", "-o", filepath.Join(tmp, "parity.json"), "--state-dict", sd); err != nil {
		return err
	}
	logf("exporting InceptionV3 to ONNX")
	return run("/usr/bin/python3", "tools/bench/export_onnx.py", sd, files["input_299.rgba"], onnxDir)
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

package model

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"inceptionweb/internal/jsontree/jsontreetest"
	"inceptionweb/internal/testenv"
	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.Shared(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func photo(t *testing.T, name string) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(readShared(t, "images/"+name)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestMobileNetV2 runs the bundled model in its three forms: the integer graphs of both TFLite files and the
// float32 reference of the uint8 one.
func TestMobileNetV2(t *testing.T) {
	cats := []string{"tabby", "tiger cat", "Egyptian cat"}
	for _, tc := range []struct {
		file  string
		float bool
	}{
		{"mobilenet_v2_1.0_224_quant.tflite", false},
		{"tf2_mobilenet_v2_1.0_224_ptq.tflite", false},
		{"mobilenet_v2_1.0_224_quant.tflite", true},
	} {
		src := readShared(t, "weights-source/mobilenet_v2/"+tc.file)
		convert := FromTFLite
		if tc.float {
			convert = FloatFromTFLite
		}
		data, err := convert(weights.Meta{Name: "mobilenet_v2", Title: "MobileNetV2"}, src)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Open(tc.file, data)
		if err != nil {
			t.Fatal(err)
		}
		if info := m.Info(); info.Input.Size != 224 || info.Classes != 1001 || info.Input.CropFraction != 0.875 {
			t.Errorf("%s: info %+v", tc.file, info)
		}
		for name, want := range map[string][]string{"chelsea.png": cats, "coffee.png": {"espresso"}, "rocket.jpg": {"missile", "projectile", "space shuttle"}} {
			preds, err := m.ClassifyImage(photo(t, name), 5)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(want, preds[0].Label) {
				t.Errorf("%s (float %v): %s -> %+v", tc.file, tc.float, name, preds)
			}
			var sum float32
			for _, p := range preds {
				sum += p.Prob
			}
			if sum > 1.01 || preds[0].Prob < preds[4].Prob {
				t.Errorf("%s: probabilities %+v", name, preds)
			}
		}
		if _, err := m.ClassifyRGBA(make([]byte, 10), 224, 5); err == nil {
			t.Errorf("%s: short pixel buffer accepted", tc.file)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	src := readShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite")
	good, err := FromTFLite(weights.Meta{Name: "m"}, src)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x40
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"corrupt.safetensors":   {corrupt, "checksum mismatch"},
		"truncated.safetensors": {good[:len(good)-1000], "truncated.safetensors"},
		"photo.png":             {readShared(t, "images/horse.png"), "neither a model file"},
		"empty.pth":             {nil, "neither a model file"},
	} {
		m, err := Open(name, tc.data)
		if err == nil || m != nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", name, err, tc.want)
		}
	}
	// A state_dict with a wrong shape names the tensor.
	var tensors []safetensors.Tensor
	for _, s := range inceptionv3.ParamSpecs(inceptionv3.Config{}) {
		shape := s.Shape
		if s.Name == "Mixed_6b.branch7x7_2.conv.weight" {
			shape = []int{shape[0], shape[1], shape[3], shape[2]}
		}
		tensors = append(tensors, safetensors.FromFloat32(s.Name, shape, make([]float32, prod(shape))))
	}
	var buf bytes.Buffer
	safetensors.Write(&buf, nil, tensors)
	if _, err := Open("w.safetensors", buf.Bytes()); err == nil || !strings.Contains(err.Error(), "Mixed_6b.branch7x7_2.conv.weight") {
		t.Errorf("wrong shape: %v", err)
	}
	if _, err := Open("w.safetensors", buf.Bytes()[:buf.Len()/3]); err == nil {
		t.Error("truncated state_dict accepted")
	}
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// TestTorchSave loads a real torch.save file (PyTorch's legacy format, as torchvision's official InceptionV3
// file is) written by the parity generator, and checks its logits against the recorded PyTorch run. It needs
// Debian's python3-torch to write the file, and is skipped without it.
func TestTorchSave(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 95 MB state_dict")
	}
	if exec.Command("/usr/bin/python3", "-c", "import torch, torchvision").Run() != nil {
		t.Skip("python3-torch is not installed: cannot write a torch.save file")
	}
	dir := t.TempDir()
	pth := filepath.Join(dir, "inception_v3.pth")
	cmd := exec.Command("/usr/bin/python3", "tools/torchref/gen_inception.py", "-o", filepath.Join(dir, "parity.json"), "--state-dict", pth, "--legacy")
	cmd.Dir = testenv.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	data, err := os.ReadFile(pth)
	if err != nil {
		t.Fatal(err)
	}
	m, err := OpenForLogits(pth, data)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "parity.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Runs []struct {
			TransformInput bool      `json:"transform_input"`
			Logits         []float32 `json:"logits"`
		}
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	got, err := m.LogitsNCHW(inceptionv3.SyntheticInput())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range want.Runs {
		if r.TransformInput {
			continue
		}
		var worst, maxAbs float64
		for i := range r.Logits {
			worst = max(worst, math.Abs(float64(got[i]-r.Logits[i])))
			maxAbs = max(maxAbs, math.Abs(float64(r.Logits[i])))
		}
		if worst > 1e-4*maxAbs {
			t.Errorf("max |Go - torch| %.3g > 1e-4 x %.3g", worst, maxAbs)
		}
	}
}

// TestPart classifies one photo with the synthetic InceptionV3 split in two parts, swapping channels as
// workers do, and compares with the whole model.
func TestPart(t *testing.T) {
	data, err := Synthetic(Int8)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := Open("synthetic", data)
	if err != nil {
		t.Fatal(err)
	}
	if !whole.CanSplit() {
		t.Fatal("InceptionV3 cannot be split")
	}
	pix := make([]byte, 299*299*4)
	copy(pix, readShared(t, "images/chelsea.png"))
	want, err := whole.ClassifyRGBA(pix, 299, 5)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]*Part, 2)
	for k := range parts {
		open := OpenPart
		if k == 1 {
			open = OpenPartVerified // the worker's way, once Open has verified the bytes: the same part
		}
		if parts[k], err = open("synthetic", data, k, 2); err != nil {
			t.Fatal(err)
		}
		if err := parts[k].Begin(pix, 299); err != nil {
			t.Fatal(err)
		}
	}
	exchange(parts)
	for k, p := range parts {
		got := p.Predictions(5)
		for r := range want {
			if got[r] != want[r] {
				t.Fatalf("part %d: %+v, whole model %+v", k, got, want)
			}
		}
	}
	src := readShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite")
	mnv2, _ := FromTFLite(weights.Meta{Name: "m"}, src)
	if m, err := Open("m", mnv2); err != nil || m.CanSplit() {
		t.Errorf("MobileNetV2: %v, claims it can be split", err)
	}
	if _, err := OpenPart("m", mnv2, 0, 2); err == nil {
		t.Error("OpenPart accepted MobileNetV2")
	}
}

// TestInfoFieldsMatchJSON: what the page's worker sends as a model's info (Info.Fields, without encoding/json)
// is what encoding/json would have written, key for key and value for value.
func TestInfoFieldsMatchJSON(t *testing.T) {
	info := Info{Name: "googlenet_int8", Title: `GoogLeNet "int8" <&> é`, Input: imagenet.Caffe(), Classes: 1000,
		Quantization: "int8", Compute: "int8"}
	jsontreetest.MatchesJSON(t, info, info.Fields())
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"inceptionweb/dataset/views"
	"inceptionweb/internal/testenv"
	"inceptionweb/model"
	"inceptionweb/nn/calibrate"
	"inceptionweb/nn/inceptionv3"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

// TestInceptionSize quantizes InceptionV3 (the deterministic weights, as a torchvision state_dict in
// safetensors form) and checks the int8 file is at most 27% of the float32 one.
func TestInceptionSize(t *testing.T) {
	var tensors []safetensors.Tensor
	for _, s := range inceptionv3.ParamSpecs(inceptionv3.Config{}) {
		tensors = append(tensors, safetensors.FromFloat32(s.Name, s.Shape, inceptionv3.SyntheticParam(s.Name, s.Shape)))
	}
	var sd bytes.Buffer
	if err := safetensors.Write(&sd, nil, tensors); err != nil {
		t.Fatal(err)
	}
	r, err := run("inception_v3.safetensors", sd.Bytes(), "int8", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	r.print(testWriter{t})
	if r.sizeRatio() > 0.27 {
		t.Errorf("int8 file is %.1f%% of float32", 100*r.sizeRatio())
	}
	if _, err := model.Open("q", r.file); err != nil {
		t.Errorf("quantized file does not open: %v", err)
	}
}

// mobileNetV2Float is MobileNetV2's float32 reference: the mirror's uint8 TFLite model dequantized.
func mobileNetV2Float(t *testing.T, shared string) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(shared, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	float, err := model.FloatFromTFLite(weights.Meta{Name: "mobilenet_v2_float32"}, src)
	if err != nil {
		t.Fatal(err)
	}
	return float
}

// TestMobileNetV2 quantizes a real network, MobileNetV2's float32 reference (the uint8 TFLite model
// dequantized), and compares it with the float model on the photographs and their crops and flips.
func TestMobileNetV2(t *testing.T) {
	if testing.Short() {
		t.Skip("runs MobileNetV2 96 times")
	}
	shared := testenv.Shared(t)
	float := mobileNetV2Float(t, shared)
	r, err := run("mobilenet_v2_float32.safetensors", float, "int8", filepath.Join(shared, "images"), len(views.Variants))
	if err != nil {
		t.Fatal(err)
	}
	r.print(testWriter{t})
	if top1 := float64(r.top1) / float64(r.inputs); top1 < 0.99 {
		t.Errorf("top-1 agreement %.1f%% < 99%%", 100*top1)
	}
	if cos := r.cosSum / float64(r.inputs); cos < 0.999 {
		t.Errorf("mean logit cosine %.5f < 0.999", cos)
	}
	if r.sizeRatio() > 0.27 {
		t.Errorf("int8 file is %.1f%% of float32", 100*r.sizeRatio())
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// TestMobileNetV2Activations quantizes MobileNetV2's float graph with calibrated activations (an integer graph
// again, made by calibration instead of TFLite's converter) and compares it with the float graph.
func TestMobileNetV2Activations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs MobileNetV2 ~150 times")
	}
	shared := testenv.Shared(t)
	float := mobileNetV2Float(t, shared)
	r, err := runActivations("mobilenet_v2_float32.safetensors", float, filepath.Join(shared, "images"), len(views.Variants), calibrate.MSE, 8)
	if err != nil {
		t.Fatal(err)
	}
	r.print(testWriter{t})
	if top1 := float64(r.top1) / float64(r.inputs); top1 < 0.9 {
		t.Errorf("top-1 agreement %.1f%% < 90%%", 100*top1)
	}
	if cos := r.cosSum / float64(r.inputs); cos < 0.99 {
		t.Errorf("mean logit cosine %.5f < 0.99", cos)
	}
}

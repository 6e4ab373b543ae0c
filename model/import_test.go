package model

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"

	"inceptionweb/internal/testtorch"
	"inceptionweb/weights"
	"inceptionweb/weights/safetensors"
)

var torchZip struct {
	once sync.Once
	data []byte
	err  error
}

// syntheticPth is torchvision's InceptionV3 state_dict with the deterministic test weights, as torch.save
// writes it (109 MB, like the official file).
func syntheticPth(t *testing.T) []byte {
	t.Helper()
	torchZip.once.Do(func() { torchZip.data, torchZip.err = testtorch.InceptionV3Zip() })
	if torchZip.err != nil {
		t.Fatal(torchZip.err)
	}
	return torchZip.data
}

func TestImportRefuses(t *testing.T) {
	tflite := readShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite")
	own, err := Import("mobilenet.tflite", tflite, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.pth", nil, "empty"},
		{"notes.pth", []byte("This is a text file, not a model at all.\n"), "not a model file"},
		{"photo.pth", readShared(t, "images/chelsea.png"), "not a model file"},
		{"truncated.tflite", tflite[:len(tflite)/2], "beyond end of file"},
		{"truncated.pth", syntheticPth(t)[:50<<20], "truncated"},
		{"truncated.safetensors", own[:len(own)-100], "truncated.safetensors"},
		{"zip.pth", []byte("PK\x03\x04 but nothing after"), "zip"},
	} {
		_, err := Import(tc.name, tc.data, true)
		if err == nil {
			t.Errorf("%s: imported", tc.name)
			continue
		}
		if !strings.Contains(strings.ToLower(err.Error()), tc.want) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: error %q, want it to name the file and say %q", tc.name, err, tc.want)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestImportTFLite(t *testing.T) {
	src := readShared(t, "weights-source/mobilenet_v2/mobilenet_v2_1.0_224_quant.tflite")
	data, err := Import("mobilenet_v2_1.0_224_quant.tflite", src, true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open("imported", data)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := m.ClassifyImage(photo(t, "chelsea.png"), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains([]string{"tabby", "tiger cat", "Egyptian cat"}, preds[0].Label) {
		t.Errorf("chelsea.png: %+v", preds[0])
	}
	if info := m.Info(); info.Input.Size != 224 || !strings.Contains(info.Title, "mobilenet_v2_1.0_224_quant.tflite") {
		t.Errorf("info %+v", info)
	}
	// A model file of the product passes through unchanged.
	again, err := Import("mine.safetensors", data, true)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("a model file did not pass through (%v)", err)
	}
}

// TestImportTorch converts the state_dict both ways: float32 gives the same answers as opening the state_dict
// directly (what the command line does with a .pth), int8 a quarter of the size and the same top-1; and the
// same tensors as safetensors.
func TestImportTorch(t *testing.T) {
	if testing.Short() {
		t.Skip("converts 109 MB twice")
	}
	pth := syntheticPth(t)
	direct, err := Open("synthetic.pth", pth)
	if err != nil {
		t.Fatal(err)
	}
	img := photo(t, "chelsea.png")
	want, err := direct.ClassifyImage(img, 5)
	if err != nil {
		t.Fatal(err)
	}
	var st bytes.Buffer // the same tensors as safetensors, with torchvision's names
	if err := safetensors.Write(&st, nil, testtorch.InceptionV3()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		int8 bool
	}{{"synthetic.pth", pth, false}, {"synthetic.pth", pth, true}, {"synthetic.safetensors", st.Bytes(), true}} {
		int8 := tc.int8
		data, err := Import(tc.name, tc.data, int8)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Open("imported", data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.ClassifyImage(img, 5)
		if err != nil {
			t.Fatal(err)
		}
		info := m.Info()
		t.Logf("%s, int8 %v: %s, %.1f MB, top-1 %s %.4f (direct %s %.4f)", tc.name, int8, info.Quantization, float64(len(data))/1e6,
			got[0].WNID, got[0].Prob, want[0].WNID, want[0].Prob)
		switch {
		case !int8 && (info.Quantization != Float32 || !slices.Equal(got, want)):
			t.Errorf("float32 import: %s, %+v; opening the state_dict gives %+v", info.Quantization, got, want)
		case int8 && (info.Quantization != Int8 || len(data) > len(pth)/3 || got[0].WNID != want[0].WNID):
			t.Errorf("int8 import: %s, %d bytes from %d", info.Quantization, len(data), len(pth))
		}
	}
}

func TestSummarize(t *testing.T) {
	for _, tc := range []struct{ file, network, precision string }{
		{"mobilenet_v2_1.0_224_quant.tflite", "MobileNetV2", "uint8"},
		{"tf2_mobilenet_v2_1.0_224_ptq.tflite", "MobileNetV2", "int8"},
	} {
		data, err := FromTFLite(weights.Meta{Name: "m", Title: "MobileNetV2 (test)"}, readShared(t, "weights-source/mobilenet_v2/"+tc.file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := Summarize(tc.file, data)
		if err != nil || s.Network != tc.network || s.Precision != tc.precision || s.Input == nil || s.Input.Size != 224 {
			t.Errorf("%s: %+v %v, want %q %q, input size 224", tc.file, s, err, tc.network, tc.precision)
		}
	}
	for _, quant := range []string{Float32, Int8} {
		data, err := Synthetic(quant)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := Summarize("synthetic", data); err != nil || s.Network != "InceptionV3" || s.Precision != quant || s.Input == nil || s.Input.Size != 299 {
			t.Errorf("synthetic %s: %+v %v", quant, s, err)
		}
	}
}

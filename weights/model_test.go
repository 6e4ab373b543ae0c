package weights

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"inceptionweb/nn/imagenet"
	"inceptionweb/nn/quant"
	"inceptionweb/weights/safetensors"
)

func testFile(t testing.TB) []byte {
	t.Helper()
	w := []float32{0.5, -1, 0.25, 2, 0, -0.125}
	q, s := quant.QuantizeInt8(w, 2)
	tensors := []safetensors.Tensor{
		safetensors.FromFloat32("a.weight", []int{2, 3}, w),
		{Name: "b.weight", DType: "I8", Shape: []int{2, 3}, Data: q},
		safetensors.FromFloat32("b.weight_scale", []int{2}, s),
	}
	meta := Meta{Name: "test", Title: "Test", Architecture: InceptionV3, Config: json.RawMessage(`{}`),
		Input: imagenet.Torchvision(8, 0.875), Labels: []string{"tench", "goldfish"}, Quantization: "int8"}
	var buf bytes.Buffer
	if err := Write(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestModelRoundTrip(t *testing.T) {
	data := testFile(t)
	if !IsModelFile(data) {
		t.Fatal("IsModelFile = false for a model file")
	}
	m, err := Read("test.safetensors", data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "test" || m.Format != Format || m.Input.Size != 8 {
		t.Errorf("meta %+v", m.Meta)
	}
	a, err := m.Float32("a.weight", []int{2, 3})
	if err != nil || a[1] != -1 {
		t.Fatalf("a.weight = %v, %v", a, err)
	}
	b, err := m.Float32("b.weight", []int{2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		// Per-channel symmetric int8: error at most half a step of that channel's scale.
		step := float32(1) / 127
		if i >= 3 {
			step = 2.0 / 127
		}
		if d := math.Abs(float64(a[i] - b[i])); d > float64(step)/2+1e-7 {
			t.Errorf("dequantized %d: %g vs %g", i, b[i], a[i])
		}
	}
	if _, err := m.Float32("a.weight", []int{3, 2}); err == nil || !strings.Contains(err.Error(), "shape") {
		t.Errorf("wrong shape: %v", err)
	}
	if _, err := m.Float32("missing", []int{1}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing tensor: %v", err)
	}
}

func TestModelCorruption(t *testing.T) {
	data := testFile(t)
	// A flipped bit in the tensor data fails the checksum.
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	if _, err := Read("m.safetensors", bad); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "m.safetensors") {
		t.Errorf("corrupted: %v", err)
	}
	// The digest covers the metadata: a changed label or input scale is refused, naming the file.
	for _, c := range [][2]string{{"tench", "bench"}, {"0.485", "0.486"}, {"goldfish", "goldfisk"}} {
		changed := bytes.Replace(data, []byte(c[0]), []byte(c[1]), 1)
		if bytes.Equal(changed, data) {
			t.Fatalf("%s is not in the file", c[0])
		}
		if _, err := Read("m.safetensors", changed); !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "m.safetensors") {
			t.Errorf("metadata %s -> %s: %v, want a checksum mismatch naming the file", c[0], c[1], err)
		}
	}
	// A file cut inside its header is still a model file, and the reader says what is wrong.
	if cut := data[:100]; !IsModelFile(cut) {
		t.Error("a model file cut in its header is not recognised")
	} else if _, err := Read("m.safetensors", cut); !errors.Is(err, safetensors.ErrMalformed) || !strings.Contains(err.Error(), "beyond the end") {
		t.Errorf("cut in the header: %v", err)
	}
	// Every truncation is refused, never half-loaded, never a panic.
	for n := 0; n < len(data); n++ {
		if m, err := Read("m.safetensors", data[:n]); err == nil || m != nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	// A plain safetensors file is not a model file.
	var buf bytes.Buffer
	safetensors.Write(&buf, nil, []safetensors.Tensor{safetensors.FromFloat32("x", []int{1}, []float32{1})})
	if _, err := Read("plain.safetensors", buf.Bytes()); !errors.Is(err, ErrNotModel) {
		t.Errorf("plain safetensors: %v", err)
	}
}

func TestModelMetadataKeys(t *testing.T) {
	m, err := Read("m", testFile(t))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(m.Meta)
	digest := Digest(raw, m.Tensors())
	for _, c := range []struct {
		name string
		meta map[string]string
		want error
	}{
		{"an older build's digest", map[string]string{metaKey: string(raw), oldDigest: digest}, ErrUnsupported},
		{"metadata beside the digest", map[string]string{metaKey: string(raw), digestKey: digest, "note": "x"}, ErrChecksum},
		{"no digest", map[string]string{metaKey: string(raw)}, ErrChecksum},
	} {
		var buf bytes.Buffer
		safetensors.Write(&buf, c.meta, m.Tensors())
		if _, err := Read("m", buf.Bytes()); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	other := m.Meta
	other.Architecture = "resnet"
	var buf bytes.Buffer
	Write(&buf, other, m.Tensors())
	if _, err := Read("m", buf.Bytes()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("unknown architecture: %v", err)
	}
}

func TestManifest(t *testing.T) {
	srcs, err := Manifest()
	if err != nil {
		t.Fatal(err)
	}
	defaults := 0
	for _, s := range srcs {
		if s.SHA256 == "" && s.SHA256Prefix == "" && len(s.Files) == 0 {
			t.Errorf("%s has no checksum", s.Name)
		}
		if s.Default {
			defaults++
		}
		if err := s.Verify("test", []byte("not the file")); err == nil {
			t.Errorf("%s: wrong data verified", s.Name)
		}
	}
	if defaults != 1 {
		t.Errorf("%d default models", defaults)
	}
}

func TestQuantize(t *testing.T) {
	w := make([]float32, 64*32*3*3)
	for i := range w {
		w[i] = float32(math.Sin(float64(i))) * float32(1+i%64)
	}
	meta := Meta{Name: "q", Architecture: InceptionV3, Input: imagenet.Torchvision(8, 1),
		Labels: []string{"x"}, Quantization: "float32"}
	var buf bytes.Buffer
	tensors := []safetensors.Tensor{safetensors.FromFloat32("c.weight", []int{64, 32, 3, 3}, w),
		safetensors.FromFloat32("c.bias", []int{64}, w[:64])}
	if err := Write(&buf, meta, tensors); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"int8", "float16"} {
		q, errs, err := Quantize("q", buf.Bytes(), to)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Read("q."+to, q)
		if err != nil {
			t.Fatal(err)
		}
		if m.Quantization != to || len(errs) != 1 || errs[0].Name != "c.weight" {
			t.Fatalf("%s: quantization %q, errors %+v", to, m.Quantization, errs)
		}
		limit := map[string]float64{"int8": 0.01, "float16": 0.001}[to]
		if errs[0].RelRMS <= 0 || errs[0].RelRMS > limit {
			t.Errorf("%s: relative RMS error %g", to, errs[0].RelRMS)
		}
		if b, _ := m.Float32("c.bias", []int{64}); b[5] != w[5] {
			t.Errorf("%s: bias changed", to)
		}
		if to == "int8" && len(q) > len(buf.Bytes())*30/100 {
			t.Errorf("int8 file is %d bytes of %d", len(q), buf.Len())
		}
		if _, _, err := Quantize("q", q, to); err == nil {
			t.Errorf("%s: quantized twice", to)
		}
	}
}

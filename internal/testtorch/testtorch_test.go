package testtorch

import (
	"testing"

	"inceptionweb/weights/torch"
)

// TestInceptionV3Zip reads the written file back with the product's own reader.
func TestInceptionV3Zip(t *testing.T) {
	data, err := InceptionV3Zip()
	if err != nil {
		t.Fatal(err)
	}
	want := InceptionV3()
	got, err := torch.ReadStateDict(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d tensors read back, %d written", len(got), len(want))
	}
	for i := range got {
		if got[i].Name != want[i].Name || got[i].DType != want[i].DType || string(got[i].Data) != string(want[i].Data) {
			t.Fatalf("tensor %d: read %s %s, wrote %s %s", i, got[i].Name, got[i].DType, want[i].Name, want[i].DType)
		}
	}
	t.Logf("%d tensors, %.1f MB", len(got), float64(len(data))/1e6)
	if len(data) < 100e6 || len(data) > 115e6 {
		t.Errorf("%d bytes; the official file has 108.9 MB", len(data))
	}
}

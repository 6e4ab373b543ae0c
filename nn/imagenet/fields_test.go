package imagenet

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// sameAsJSON checks that fields, put through encoding/json, decodes into what v decodes into, with the same
// keys as v's own encoding (the page's worker sends fields where encoding/json would send v).
func sameAsJSON[T any](t *testing.T, v T, fields map[string]any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys, gotKeys map[string]json.RawMessage
	if json.Unmarshal(want, &wantKeys) != nil || json.Unmarshal(got, &gotKeys) != nil {
		t.Fatalf("not objects: %s, %s", want, got)
	}
	if w, g := slices.Sorted(maps.Keys(wantKeys)), slices.Sorted(maps.Keys(gotKeys)); !slices.Equal(w, g) {
		t.Errorf("keys %v, encoding/json writes %v", g, w)
	}
	var back T
	if err := json.Unmarshal(got, &back); err != nil || !reflect.DeepEqual(back, v) {
		t.Errorf("%s decodes to %+v (%v), want %+v", got, back, err, v)
	}
}

func TestFieldsMatchJSON(t *testing.T) {
	for _, p := range []Preprocess{
		Torchvision(299, InceptionCrop), Caffe(), Pixels(224, 0.875), {},
		{Size: 7, CropFraction: 0.3, Resize: "stretch", Normalize: "float", Channels: "rgb", Range: 255,
			Mean: [3]float32{0.1, 1e-7, 3e9}, Std: [3]float32{0.333, 1, 2}},
	} {
		sameAsJSON(t, p, p.Fields())
	}
}

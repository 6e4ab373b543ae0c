package jsontreetest

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// MatchesJSON fails t unless fields (an object built by hand, for js.ValueOf, in place of encoding/json's
// output) has the keys of v's own encoding and, put through encoding/json, decodes back into v.
func MatchesJSON[T any](t testing.TB, v T, fields map[string]any) {
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

package weights

import (
	"encoding/json"
	"reflect"
	"testing"

	"inceptionweb/internal/jsontree"
	"inceptionweb/internal/jsontree/jsontreetest"
)

// TestMetaDecodesLikeJSON: decodeMeta reads every field json.Marshal writes, as encoding/json reads it back.
func TestMetaDecodesLikeJSON(t *testing.T) {
	var want Meta
	jsontreetest.Fill(&want)
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsontree.ParseSkipping(raw, "config")
	if err != nil {
		t.Fatal(err)
	}
	var got Meta
	if err := decodeMeta(doc, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v\nwant    %+v", got, want)
	}
	for _, bad := range []string{`{"name":"a","name":"b"}`, `{"nmae":"a"}`, `{"input":{"mean":[1,2]}}`,
		`{"label_offset":1.5}`, `{"labels":"cat"}`, `{"input":{"size":"224"}}`} {
		doc, err := jsontree.Parse([]byte(bad))
		if err != nil {
			t.Fatal(err)
		}
		if err := decodeMeta(doc, new(Meta)); err == nil {
			t.Errorf("%s: decoded without an error", bad)
		}
	}
}

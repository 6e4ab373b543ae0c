package jsontree

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// toAny is v as json.Unmarshal into an `any` makes it (a repeated key: the last one wins); ok is false for a
// number out of float64's range, which json.Unmarshal refuses.
func toAny(v Value) (any, bool) {
	switch v.Kind {
	case NullKind:
		return nil, true
	case BoolKind:
		return v.Bool, true
	case NumberKind:
		f, err := strconv.ParseFloat(v.Text, 64)
		return f, err == nil
	case StringKind:
		return v.Text, true
	case ArrayKind:
		out := []any{}
		for _, it := range v.Items {
			a, ok := toAny(it)
			if !ok {
				return nil, false
			}
			out = append(out, a)
		}
		return out, true
	}
	out := map[string]any{}
	for _, m := range v.Members {
		a, ok := toAny(m.Value)
		if !ok {
			return nil, false
		}
		out[m.Key] = a
	}
	return out, true
}

// checkLikeEncodingJSON fails unless Parse accepts exactly what encoding/json accepts, and gives its values.
func checkLikeEncodingJSON(t *testing.T, data []byte) {
	v, err := Parse(data)
	if valid := json.Valid(data); valid != (err == nil) {
		t.Fatalf("%.200q: Parse error %v, encoding/json says valid %v", data, err, valid)
	}
	// A skipped member is checked by the same rules, and keeps its bytes.
	wrapped := append(append([]byte(`{"k":`), data...), '}')
	w, werr := ParseSkipping(wrapped, "k")
	if valid := json.Valid(wrapped); (werr == nil) != valid {
		t.Fatalf("%.200q skipping k: error %v, encoding/json says valid %v", wrapped, werr, valid)
	}
	if err != nil {
		return
	}
	if k := w.Members[0].Value; k.Kind != v.Kind || string(k.Raw) != string(v.Raw) || len(k.Items)+len(k.Members) != 0 || k.Text != "" {
		t.Fatalf("%.200q skipped: %+v", data, k)
	}
	if string(v.Raw) != strings.Trim(string(data), " \t\r\n") {
		t.Fatalf("%q: Raw %q", data, v.Raw)
	}
	var want any
	if json.Unmarshal(data, &want) != nil {
		return
	}
	if got, ok := toAny(v); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parsed %#v, encoding/json %#v", data, got, want)
	}
}

var samples = []string{
	`{}`, `[]`, `0`, `-0`, `-0.5e+7`, `1E400`, `"a"`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}] } `,
	`{"a":1,"a":2}`, `"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"`, `"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\udc00\ud800"`,
	"\"\xff\xfe ok\"", "\"caf\xc3\xa9\"", `"\u12"`, `"\x"`, "\"a\tb\"", `01`, `1.`, `.5`, `1e`, `-`, `+1`, `[1,]`,
	`{"a":1,}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `tru`, `nul`, `"abc`, `[`, `{`, ``, ` `, `1 2`, `{"a":1}x`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), strings.Repeat("[", 100) + strings.Repeat("]", 100),
}

func TestParseLikeEncodingJSON(t *testing.T) {
	for _, s := range samples {
		checkLikeEncodingJSON(t, []byte(s))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(checkLikeEncodingJSON)
}

func TestAccessors(t *testing.T) {
	v, err := Parse([]byte(`{"i": 42, "f": 0.485, "big": 3000000000, "s": "x", "b": true, "a": [1, 2]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = v.EachField(func(key string, val Value) error {
		switch key {
		case "i":
			n, err := val.Int(32)
			got = append(got, strconv.FormatInt(n, 10))
			return err
		case "f":
			x, err := val.Float(32)
			if float32(x) != 0.485 {
				t.Errorf("float32 %v", x)
			}
			return err
		case "big":
			if _, err := val.Int(32); !errors.Is(err, ErrType) {
				t.Errorf("3000000000 as int32: %v", err)
			}
			_, err := val.Int(64)
			return err
		case "s":
			if _, err := val.Int(64); !errors.Is(err, ErrType) {
				t.Errorf("string as a number: %v", err)
			}
			s, err := val.Str()
			got = append(got, s)
			return err
		case "b":
			_, err := val.Boolean()
			return err
		}
		return ErrUnknown
	})
	if err == nil || err.Error() != `unknown field "a"` {
		t.Errorf("unknown key: %v", err)
	}
	if strings.Join(got, ",") != "42,x" {
		t.Errorf("got %v", got)
	}
	dup, _ := Parse([]byte(`{"a":1,"a":2}`))
	if err := dup.EachField(func(string, Value) error { return nil }); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a repeated key: %v", err)
	}
	if _, err := Parse([]byte(`1.5`)); err != nil {
		t.Fatal(err)
	}
	if n, err := (Value{Kind: NumberKind, Text: "1.5"}).Int(64); err == nil {
		t.Errorf("1.5 as an int: %d", n)
	}
}

// Package jsontreetest helps test JSON handled without encoding/json against encoding/json: Fill gives every
// field of a struct a value, so a field added to the struct and not to its jsontree decoder fails the
// comparison; MatchesJSON compares an object built by hand with encoding/json's encoding.
package jsontreetest

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Fill sets every field reachable from ptr (structs, slices of two elements, arrays, strings, numbers, bools)
// to a value that is not its zero value and differs from field to field. json.RawMessage fields get a small
// JSON object.
func Fill(ptr any) {
	n := 0
	fill(reflect.ValueOf(ptr).Elem(), &n)
}

var rawType = reflect.TypeFor[json.RawMessage]()

func fill(v reflect.Value, n *int) {
	*n++
	if v.Type() == rawType {
		v.SetBytes([]byte(fmt.Sprintf(`{"k":%d}`, *n)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fallthrough
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), n)
		}
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("jsontreetest: cannot fill a " + v.Type().String())
	}
}

// Package jsontree parses JSON into a tree of values, without reflection: the readers of a model file's header
// and description (weights/safetensors, weights, model) decode with it. In the browser every Go function is
// compiled on its first call, and encoding/json's decoder (reflection, its scanner, its caches of struct
// fields) cost the page's first worker ~200 ms of its start on a 2-core machine before it had read a byte of the
// model; this package is a few small functions. It accepts exactly the documents encoding/json accepts (RFC
// 8259), and decodes strings as encoding/json does (invalid UTF-8 and lone surrogates become U+FFFD).
package jsontree

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is a JSON value's type.
type Kind uint8

const (
	NullKind Kind = iota
	BoolKind
	NumberKind
	StringKind
	ArrayKind
	ObjectKind
)

var kindNames = [...]string{"null", "boolean", "number", "string", "array", "object"}

func (k Kind) String() string { return kindNames[k] }

// Value is one parsed JSON value.
type Value struct {
	Kind    Kind
	Bool    bool
	Text    string   // a String's decoded text, a Number's literal
	Items   []Value  // an Array's elements
	Members []Member // an Object's members, in document order (keys may repeat)
	Raw     []byte   // the value's bytes in the document
}

// Member is one key and value of an object.
type Member struct {
	Key   string
	Value Value
}

// maxDepth bounds nesting, as encoding/json does (10000), so that hostile input cannot exhaust the stack.
const maxDepth = 10000

// Parse parses data, which must hold one JSON value and nothing but white space around it. Raw slices alias
// data.
func Parse(data []byte) (Value, error) { return ParseSkipping(data) }

// ParseSkipping is Parse, but the values of the top object's members named by skip are only checked: they
// have their Kind and Raw and nothing else (a model's description keeps its graph raw for the model's own
// reader; building its tree would cost as much as reading it).
func ParseSkipping(data []byte, skip ...string) (Value, error) {
	p := parser{data: data, skip: skip}
	p.space()
	v, err := p.value(0, true)
	if err != nil {
		return Value{}, err
	}
	p.space()
	if p.i < len(data) {
		return Value{}, p.errorf("data after the value")
	}
	return v, nil
}

type parser struct {
	data []byte
	i    int
	skip []string // keys of the top object whose values are not built
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("JSON at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

// The scanning loops below work on locals, not on p's fields: the browser runs a worker's Go code in its
// baseline compiler first, which keeps a field in memory at every step.

func (p *parser) space() {
	data, i := p.data, p.i
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	p.i = i
}

// value parses one value; with build false it only checks it (Kind and Raw are set).
func (p *parser) value(depth int, build bool) (Value, error) {
	if depth >= maxDepth {
		return Value{}, p.errorf("nested too deeply")
	}
	if p.i >= len(p.data) {
		return Value{}, p.errorf("unexpected end of input")
	}
	start := p.i
	var v Value
	var err error
	switch c := p.data[p.i]; {
	case c == '{':
		v, err = p.object(depth, build)
	case c == '[':
		v, err = p.array(depth, build)
	case c == '"':
		var s string
		s, err = p.string(build)
		v = Value{Kind: StringKind, Text: s}
	case c == '-' || (c >= '0' && c <= '9'):
		v, err = p.number(build)
	case c == 't':
		v, err = Value{Kind: BoolKind, Bool: true}, p.literal("true")
	case c == 'f':
		v, err = Value{Kind: BoolKind}, p.literal("false")
	case c == 'n':
		v, err = Value{Kind: NullKind}, p.literal("null")
	default:
		return Value{}, p.errorf("invalid character %q looking for a value", c)
	}
	if err != nil {
		return Value{}, err
	}
	v.Raw = p.data[start:p.i:p.i]
	return v, nil
}

func (p *parser) literal(word string) error {
	if len(p.data)-p.i < len(word) || string(p.data[p.i:p.i+len(word)]) != word {
		return p.errorf("invalid literal, want %s", word)
	}
	p.i += len(word)
	return nil
}

func (p *parser) object(depth int, build bool) (Value, error) {
	v := Value{Kind: ObjectKind}
	err := p.elements('}', "an object", func() error {
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return p.errorf("want a string key")
		}
		key, err := p.string(true)
		if err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return p.errorf("want ':' after key %q", key)
		}
		p.i++
		p.space()
		val, err := p.value(depth+1, build && !(depth == 0 && slices.Contains(p.skip, key)))
		if err == nil && build {
			v.Members = append(v.Members, Member{key, val})
		}
		return err
	})
	return v, err
}

func (p *parser) array(depth int, build bool) (Value, error) {
	v := Value{Kind: ArrayKind}
	err := p.elements(']', "an array", func() error {
		item, err := p.value(depth+1, build)
		if err == nil && build {
			v.Items = append(v.Items, item)
		}
		return err
	})
	return v, err
}

// elements reads the comma-separated elements of an array or object (its opening bracket is at p.i) up to
// the closing one, each with elem.
func (p *parser) elements(closing byte, what string, elem func() error) error {
	p.i++ // [ or {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == closing {
		p.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.data) {
			return p.errorf("unexpected end of input in %s", what)
		}
		switch p.data[p.i] {
		case ',':
			p.i++
			p.space()
		case closing:
			p.i++
			return nil
		default:
			return p.errorf("want ',' or '%c' in %s", closing, what)
		}
	}
}

// number checks RFC 8259's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number(build bool) (Value, error) {
	start := p.i
	digits := func() int {
		data, i := p.data, p.i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		n := i - p.i
		p.i = i
		return n
	}
	if p.data[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case digits() == 0:
		return Value{}, p.errorf("invalid number")
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return Value{}, p.errorf("invalid number: no digits after '.'")
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return Value{}, p.errorf("invalid number: no digits in the exponent")
		}
	}
	v := Value{Kind: NumberKind}
	if build {
		v.Text = string(p.data[start:p.i])
	}
	return v, nil
}

// string reads a string (the opening quote is at p.i); with keep false it only checks it.
func (p *parser) string(keep bool) (string, error) {
	p.i++ // "
	var buf []byte
	for {
		// The bytes up to the next quote, escape, control or non-ASCII byte are copied as they are.
		start := p.i
		data, i := p.data, p.i
		for i < len(data) {
			if c := data[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			i++
		}
		p.i = i
		if p.i >= len(p.data) {
			return "", p.errorf("unexpected end of input in a string")
		}
		c := p.data[p.i]
		if c == '"' && buf == nil { // the common case: no escapes, one copy
			p.i++
			if !keep {
				return "", nil
			}
			return string(p.data[start : p.i-1]), nil
		}
		if keep {
			buf = append(buf, p.data[start:p.i]...)
		} else if buf == nil {
			buf = []byte{} // marks "not the common case"
		}
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character %#x in a string", c)
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			if keep {
				buf = utf8.AppendRune(buf, r)
			}
		default:
			r, size := utf8.DecodeRune(p.data[p.i:])
			if keep {
				buf = utf8.AppendRune(buf, r) // invalid UTF-8 becomes U+FFFD, as in encoding/json
			}
			p.i += size
		}
	}
}

// escape reads one escape (the backslash is at p.i) and returns its rune.
func (p *parser) escape() (rune, error) {
	if p.i+1 >= len(p.data) {
		return 0, p.errorf("unexpected end of input in a string")
	}
	e := p.data[p.i+1]
	p.i += 2
	switch e {
	case '"', '\\', '/':
		return rune(e), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, ok := hex4(p.data[p.i:])
		if !ok {
			return 0, p.errorf("invalid \\u escape")
		}
		p.i += 4
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		// A pair of escapes makes one rune; a lone surrogate is U+FFFD, and an escape after it that does not
		// pair is read on its own (encoding/json's rules).
		if len(p.data)-p.i >= 6 && p.data[p.i] == '\\' && p.data[p.i+1] == 'u' {
			if r2, ok := hex4(p.data[p.i+2:]); ok {
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					p.i += 6
					return d, nil
				}
			}
		}
		return utf8.RuneError, nil
	}
	return 0, p.errorf("invalid escape '\\%c' in a string", e)
}

// hex4 reads the four hex digits of a \u escape at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// ErrType is wrapped by the errors of the accessors below for a value of another kind or range.
var ErrType = errors.New("wrong JSON type")

func (v Value) want(k Kind) error {
	if v.Kind != k {
		return fmt.Errorf("%w: %s, want %s", ErrType, v.Kind, k)
	}
	return nil
}

// Str is a String's text.
func (v Value) Str() (string, error) { return v.Text, v.want(StringKind) }

// Int is a Number that is an integer of bits bits (as encoding/json decodes into an int: no fraction or
// exponent).
func (v Value) Int(bits int) (int64, error) {
	if err := v.want(NumberKind); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(v.Text, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: number %s is not a %d-bit integer", ErrType, v.Text, bits)
	}
	return n, nil
}

// Uint is a Number that is an unsigned integer of bits bits.
func (v Value) Uint(bits int) (uint64, error) {
	if err := v.want(NumberKind); err != nil {
		return 0, err
	}
	n, err := strconv.ParseUint(v.Text, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: number %s is not a %d-bit unsigned integer", ErrType, v.Text, bits)
	}
	return n, nil
}

// Float is a Number as a float of bits bits (32 or 64).
func (v Value) Float(bits int) (float64, error) {
	if err := v.want(NumberKind); err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(v.Text, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: number %s is out of range of a float%d", ErrType, v.Text, bits)
	}
	return f, nil
}

// Boolean is a Bool's value.
func (v Value) Boolean() (bool, error) { return v.Bool, v.want(BoolKind) }

// EachField calls f for each member of an Object, in order, refusing a key given twice: the strict readers of
// the model file take each key once. f says which keys it knows by returning ErrUnknown for the others.
func (v Value) EachField(f func(key string, val Value) error) error {
	if err := v.want(ObjectKind); err != nil {
		return err
	}
	seen := make(map[string]bool, len(v.Members))
	for _, m := range v.Members {
		if seen[m.Key] {
			return fmt.Errorf("key %q appears twice", m.Key)
		}
		seen[m.Key] = true
		if err := f(m.Key, m.Value); err != nil {
			if errors.Is(err, ErrUnknown) {
				return fmt.Errorf("unknown field %q", m.Key)
			}
			return fmt.Errorf("field %q: %w", m.Key, err)
		}
	}
	return nil
}

// ErrUnknown is what an EachField callback returns for a key it does not know.
var ErrUnknown = errors.New("unknown field")

// Each calls f for each element of an Array.
func (v Value) Each(f func(i int, item Value) error) error {
	if err := v.want(ArrayKind); err != nil {
		return err
	}
	for i, item := range v.Items {
		if err := f(i, item); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

// Fields are the decoders of an object's keys (see Decode).
type Fields map[string]func(Value) error

// Decode decodes an Object with the decoder of each of its keys, refusing keys without one and keys given
// twice; a null leaves its field as it is, as in encoding/json.
func (v Value) Decode(fields Fields) error {
	return v.EachField(func(key string, val Value) error {
		f, ok := fields[key]
		if !ok {
			return ErrUnknown
		}
		if val.Kind == NullKind {
			return nil
		}
		return f(val)
	})
}

// The decoders below store a value of their type into dst.

func String[S ~string](dst *S) func(Value) error {
	return func(v Value) error { s, err := v.Str(); *dst = S(s); return err }
}

func Int(dst *int) func(Value) error {
	return func(v Value) error { n, err := v.Int(strconv.IntSize); *dst = int(n); return err }
}

func Int32(dst *int32) func(Value) error {
	return func(v Value) error { n, err := v.Int(32); *dst = int32(n); return err }
}

func Int64(dst *int64) func(Value) error {
	return func(v Value) (err error) { *dst, err = v.Int(64); return err }
}

func Uint64(dst *uint64) func(Value) error {
	return func(v Value) (err error) { *dst, err = v.Uint(64); return err }
}

func Float32(dst *float32) func(Value) error {
	return func(v Value) error { f, err := v.Float(32); *dst = float32(f); return err }
}

func Float64(dst *float64) func(Value) error {
	return func(v Value) (err error) { *dst, err = v.Float(64); return err }
}

func Bool(dst *bool) func(Value) error {
	return func(v Value) (err error) { *dst, err = v.Boolean(); return err }
}

// List decodes an Array into a new slice, each element with item's decoder.
func List[T any](dst *[]T, item func(*T) func(Value) error) func(Value) error {
	return func(v Value) error {
		*dst = make([]T, len(v.Items))
		return v.Each(func(i int, x Value) error { return item(&(*dst)[i])(x) })
	}
}

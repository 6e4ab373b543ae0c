package npy

import (
	"fmt"
	"math"
)

// header is the Python dict literal at the start of a .npy file, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
type header struct {
	descr        string
	fortranOrder bool
	shape        []int
}

// parseHeader parses the header dict: exactly the keys descr (a string),
// fortran_order (True or False) and shape (a tuple of ints).
func parseHeader(b []byte) (header, error) {
	p := &headerParser{b: b}
	h, err := p.parse()
	if err != nil {
		return header{}, fmt.Errorf("npy: bad header %q: %v", shorten(b), err)
	}
	return h, nil
}

func shorten(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}

type headerParser struct {
	b   []byte
	pos int
}

func (p *headerParser) parse() (header, error) {
	var h header
	seen := map[string]bool{}
	if err := p.expect('{'); err != nil {
		return h, err
	}
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return h, err
		}
		p.skipSpace()
		switch key {
		case "descr":
			h.descr, err = p.str()
		case "fortran_order":
			h.fortranOrder, err = p.boolean()
		case "shape":
			h.shape, err = p.tuple()
		default:
			return h, fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return h, fmt.Errorf("%s: %v", key, err)
		}
		p.skipSpace()
		if p.peek() == ',' {
			p.pos++
		} else if p.peek() != '}' {
			return h, fmt.Errorf("want ',' or '}' at offset %d", p.pos)
		}
	}
	p.skipSpace()
	if p.pos != len(p.b) {
		return h, fmt.Errorf("data after the dict at offset %d", p.pos)
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("missing key %q", k)
		}
	}
	return h, nil
}

func (p *headerParser) peek() byte {
	if p.pos < len(p.b) {
		return p.b[p.pos]
	}
	return 0
}

func (p *headerParser) skipSpace() {
	for p.pos < len(p.b) && (p.b[p.pos] == ' ' || p.b[p.pos] == '\n' || p.b[p.pos] == '\t' || p.b[p.pos] == '\r') {
		p.pos++
	}
}

func (p *headerParser) expect(c byte) error {
	p.skipSpace()
	if p.peek() != c {
		return fmt.Errorf("want %q at offset %d", c, p.pos)
	}
	p.pos++
	return nil
}

// str parses a Python string literal in single or double quotes, without
// escapes (NumPy's keys and dtype strings have none).
func (p *headerParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a string at offset %d", p.pos)
	}
	for i := p.pos + 1; i < len(p.b); i++ {
		switch p.b[i] {
		case q:
			s := string(p.b[p.pos+1 : i])
			p.pos = i + 1
			return s, nil
		case '\\':
			return "", fmt.Errorf("escapes in strings are not supported")
		}
	}
	return "", fmt.Errorf("unterminated string")
}

func (p *headerParser) boolean() (bool, error) {
	for _, w := range []string{"True", "False"} {
		if len(p.b)-p.pos >= len(w) && string(p.b[p.pos:p.pos+len(w)]) == w {
			p.pos += len(w)
			return w == "True", nil
		}
	}
	return false, fmt.Errorf("want True or False at offset %d", p.pos)
}

// tuple parses a tuple of non-negative ints: (), (3,), (2, 3) or (2, 3,).
func (p *headerParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	dims := []int{}
	for {
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			return dims, nil
		}
		start, d := p.pos, 0
		for p.pos < len(p.b) && p.b[p.pos] >= '0' && p.b[p.pos] <= '9' {
			d = 10*d + int(p.b[p.pos]-'0')
			if d > math.MaxInt32 {
				return nil, fmt.Errorf("dimension too large at offset %d", start)
			}
			p.pos++
		}
		if p.pos == start {
			return nil, fmt.Errorf("want a non-negative int at offset %d", p.pos)
		}
		if p.peek() == 'L' { // Python 2 wrote longs as 3L
			p.pos++
		}
		dims = append(dims, d)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
		default:
			return nil, fmt.Errorf("want ',' or ')' at offset %d", p.pos)
		}
	}
}

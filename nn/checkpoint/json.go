package checkpoint

import (
	"fmt"
	"math"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is serde_json's recursion limit, which the reference reader
// inherits: values nested deeper than 128 arrays or objects are an error.
const maxDepth = 128

// hreader reads JSON from a header, tracking its position for messages.
type hreader struct {
	b     []byte
	i     int
	depth int
}

// errAt returns a format error naming the byte offset in the header.
func (r *hreader) errAt(format string, args ...any) error {
	return formatErr("header JSON at byte %d: %s", r.i, fmt.Sprintf(format, args...))
}

// ws skips JSON whitespace (space, tab, newline, carriage return).
func (r *hreader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after whitespace, or 0 at the end.
func (r *hreader) peek() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// expect consumes c after whitespace.
func (r *hreader) expect(c byte) error {
	if got := r.peek(); got != c {
		if got == 0 {
			return r.errAt("unexpected end, want %q", c)
		}
		return r.errAt("found %q, want %q", got, c)
	}
	r.i++
	return nil
}

// enter and leave count nesting against maxDepth.
func (r *hreader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return r.errAt("nested deeper than %d levels", maxDepth)
	}
	return nil
}

func (r *hreader) leave() { r.depth-- }

// str reads a JSON string. Like serde_json it rejects raw control
// characters, unknown escapes and \u escapes that do not form valid UTF-16
// (a lone surrogate), where encoding/json would substitute U+FFFD. The
// header is known to be valid UTF-8.
func (r *hreader) str() (string, error) {
	if err := r.expect('"'); err != nil {
		return "", err
	}
	start := r.i
	// Fast path: no escapes.
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '"' {
			r.i++
			return string(r.b[start : r.i-1]), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", r.errAt("control character %#02x in a string", c)
		}
		r.i++
	}
	out := append([]byte(nil), r.b[start:r.i]...)
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return string(out), nil
		case c < 0x20:
			return "", r.errAt("control character %#02x in a string", c)
		case c != '\\':
			out = append(out, c)
			r.i++
			continue
		}
		r.i++ // the backslash
		if r.i >= len(r.b) {
			break
		}
		e := r.b[r.i]
		r.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			u, err := r.hex4()
			if err != nil {
				return "", err
			}
			ru := rune(u)
			switch {
			case utf16.IsSurrogate(ru) && ru < 0xdc00: // a leading surrogate needs its trail
				if r.i+2 > len(r.b) || r.b[r.i] != '\\' || r.b[r.i+1] != 'u' {
					return "", r.errAt(`lone leading surrogate \u%04x`, u)
				}
				r.i += 2
				u2, err := r.hex4()
				if err != nil {
					return "", err
				}
				ru = utf16.DecodeRune(ru, rune(u2))
				if ru == utf8.RuneError {
					return "", r.errAt(`\u%04x\u%04x is not a surrogate pair`, u, u2)
				}
			case utf16.IsSurrogate(ru):
				return "", r.errAt(`lone trailing surrogate \u%04x`, u)
			}
			out = utf8.AppendRune(out, ru)
		default:
			return "", r.errAt("invalid escape \\%c", e)
		}
	}
	return "", r.errAt("unterminated string")
}

// hex4 reads the four hex digits of a \u escape.
func (r *hreader) hex4() (uint16, error) {
	if r.i+4 > len(r.b) {
		return 0, r.errAt(`truncated \u escape`)
	}
	var v uint16
	for _, c := range r.b[r.i : r.i+4] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, r.errAt(`invalid \u escape`)
		}
		v = v<<4 | uint16(d)
	}
	r.i += 4
	return v, nil
}

// uint reads a JSON number that must be an integer in [0, 2⁶⁴), as serde
// reads a usize (on 64-bit platforms): "-0", "1.0", "1e2" and "01" are
// errors.
func (r *hreader) uint() (uint64, error) {
	r.ws()
	start := r.i
	var v uint64
	for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
		d := uint64(r.b[r.i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, r.errAt("integer %s… does not fit 64 bits", r.b[start:r.i+1])
		}
		v = v*10 + d
		r.i++
	}
	switch {
	case r.i == start:
		return 0, r.errAt("want a non-negative integer")
	case r.b[start] == '0' && r.i-start > 1:
		return 0, r.errAt("integer with a leading zero")
	case r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E'):
		return 0, r.errAt("want an integer, not a fraction or exponent")
	}
	return v, nil
}

// skip reads and discards any JSON value (an entry's unknown field, which
// the reference ignores), checking its syntax.
func (r *hreader) skip() error {
	switch c := r.peek(); {
	case c == '"':
		_, err := r.str()
		return err
	case c == '{' || c == '[':
		if err := r.enter(); err != nil {
			return err
		}
		defer r.leave()
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		r.i++
		if r.peek() == closing {
			r.i++
			return nil
		}
		for {
			if c == '{' {
				if _, err := r.str(); err != nil {
					return err
				}
				if err := r.expect(':'); err != nil {
					return err
				}
			}
			if err := r.skip(); err != nil {
				return err
			}
			if r.peek() == ',' {
				r.i++
				continue
			}
			return r.expect(closing)
		}
	case c == '-' || '0' <= c && c <= '9':
		return r.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if len(r.b)-r.i >= len(lit) && string(r.b[r.i:r.i+len(lit)]) == lit {
				r.i += len(lit)
				return nil
			}
		}
		return r.errAt("want a JSON value")
	}
}

// number checks the JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *hreader) number() error {
	digits := func() int {
		n := 0
		for r.i < len(r.b) && '0' <= r.b[r.i] && r.b[r.i] <= '9' {
			r.i++
			n++
		}
		return n
	}
	if r.b[r.i] == '-' {
		r.i++
	}
	start := r.i
	if n := digits(); n == 0 || n > 1 && r.b[start] == '0' {
		return r.errAt("invalid number")
	}
	if r.i < len(r.b) && r.b[r.i] == '.' {
		r.i++
		if digits() == 0 {
			return r.errAt("invalid number")
		}
	}
	if r.i < len(r.b) && (r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.i++
		if r.i < len(r.b) && (r.b[r.i] == '+' || r.b[r.i] == '-') {
			r.i++
		}
		if digits() == 0 {
			return r.errAt("invalid number")
		}
	}
	return nil
}

// object reads a JSON object, calling field for each key with the reader
// positioned at the value, which field must consume.
func (r *hreader) object(field func(key string) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	if r.peek() == '}' {
		r.i++
		return nil
	}
	for {
		k, err := r.str()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		if r.peek() == ',' {
			r.i++
			continue
		}
		return r.expect('}')
	}
}

// array reads a JSON array, calling elem for each element.
func (r *hreader) array(elem func() error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if err := r.enter(); err != nil {
		return err
	}
	defer r.leave()
	if r.peek() == ']' {
		r.i++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if r.peek() == ',' {
			r.i++
			continue
		}
		return r.expect(']')
	}
}

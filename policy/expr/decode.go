package expr

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeFast decodes a JSON document straight into the value model, without
// encoding/json's reflection and its json.Number round trip: definitions,
// assignments and every written resource are decoded, and this was most of
// that time. It reports false for anything it does not take as it is — an
// error of any kind, nesting deeper than encoding/json allows — and
// DecodeJSON then asks encoding/json, whose result and errors are the
// reference. Strings with escapes, or with bytes that are not valid UTF-8,
// are unquoted by encoding/json too. FuzzDecodeJSON holds the two
// paths equal.
func decodeFast(data []byte) (any, bool) {
	d := fastDecoder{data: data}
	v, ok := d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.data)
}

// maxDepth is encoding/json's nesting limit; deeper documents take the
// standard path, which reports the error.
const maxDepth = 10000

type fastDecoder struct {
	data []byte
	i    int
}

func (d *fastDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	d.space()
	if d.i == len(d.data) {
		return nil, false
	}
	switch c := d.data[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.data)-d.i < len(word) || string(d.data[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *fastDecoder) object(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	d.i++ // '{'
	m := map[string]any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		d.space()
		if d.i == len(d.data) || d.data[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i == len(d.data) || d.data[d.i] != ':' {
			return nil, false
		}
		d.i++
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		if done, ok := d.after('}'); !ok || done {
			return m, ok
		}
	}
}

func (d *fastDecoder) array(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	d.i++ // '['
	a := []any{}
	d.space()
	if d.i < len(d.data) && d.data[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if done, ok := d.after(']'); !ok || done {
			return a, ok
		}
	}
}

// after reads what follows a member of an object or array: a comma (done
// false) or the closing byte (done true); anything else is not ok.
func (d *fastDecoder) after(closing byte) (done, ok bool) {
	d.space()
	if d.i == len(d.data) {
		return false, false
	}
	switch d.data[d.i] {
	case ',':
		d.i++
		return false, true
	case closing:
		d.i++
		return true, true
	}
	return false, false
}

// str reads the string starting at the opening quote.
func (d *fastDecoder) str() (string, bool) {
	start := d.i + 1
	escaped, ascii := false, true
	i := start
	for ; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			break
		}
		if c < 0x20 {
			return "", false // encoding/json refuses control characters
		}
		if c == '\\' {
			escaped = true
			i++ // the escaped byte; encoding/json checks the escape
			continue
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if i >= len(d.data) {
		return "", false
	}
	raw := d.data[start:i]
	d.i = i + 1
	if !escaped && (ascii || utf8.Valid(raw)) {
		return string(raw), true
	}
	var s string
	if err := json.Unmarshal(d.data[start-1:i+1], &s); err != nil {
		return "", false
	}
	return s, true
}

// number reads a number as JSON's grammar has it and converts it as
// numberValue does.
func (d *fastDecoder) number() (any, bool) {
	start := d.i
	b := d.data
	i := d.i
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return nil, false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	d.i = i
	return numberValue(json.Number(b[start:i])), true
}

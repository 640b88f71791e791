package gateway

import (
	"encoding/json"
	"unicode/utf8"
)

// Request bodies and variables decoded without encoding/json's reflection
// for the JSON that clients usually send: what this decoder does not take
// (escapes in keys or strings, invalid UTF-8, deep nesting, anything that
// is not JSON) goes to encoding/json, which decides as before, so the
// results and the errors are encoding/json's.

// requestFieldNames are the members of a GraphQL-over-HTTP request.
var requestFieldNames = [...]string{"query", "operationName", "variables", "extensions"}

// requestFields returns the raw values of a request body's members, as
// json.Unmarshal into a map[string]json.RawMessage gives them (the last of
// repeated keys); false when the body is not an object this decoder takes.
func requestFields(body []byte) (fields [len(requestFieldNames)]json.RawMessage, ok bool) {
	d := fastDecoder{src: body}
	d.space()
	if d.peek() != '{' {
		return fields, false
	}
	d.i++
	d.space()
	if d.peek() == '}' {
		d.i++
	} else {
		for {
			key, ok := d.plainString()
			if !ok {
				return fields, false
			}
			d.space()
			if d.peek() != ':' {
				return fields, false
			}
			d.i++
			d.space()
			start := d.i
			if _, ok := d.value(false, 0); !ok {
				return fields, false
			}
			for k, name := range requestFieldNames {
				if string(key) == name {
					fields[k] = body[start:d.i]
				}
			}
			d.space()
			if d.peek() == ',' {
				d.i++
				d.space()
				continue
			}
			if d.peek() != '}' {
				return fields, false
			}
			d.i++
			break
		}
	}
	d.space()
	return fields, d.i == len(body)
}

// decodeObjectFast decodes a JSON object as a json.Decoder with UseNumber
// does (numbers as json.Number); false for one it does not take.
func decodeObjectFast(raw []byte) (map[string]any, bool) {
	d := fastDecoder{src: raw}
	d.space()
	if d.peek() != '{' {
		return nil, false
	}
	v, ok := d.value(true, 0)
	if !ok {
		return nil, false
	}
	d.space()
	m, _ := v.(map[string]any)
	return m, d.i == len(raw)
}

// maxDecodeDepth bounds the nesting the fast decoder follows.
const maxDecodeDepth = 100

type fastDecoder struct {
	src []byte
	i   int
}

func (d *fastDecoder) peek() byte {
	if d.i < len(d.src) {
		return d.src[d.i]
	}
	return 0
}

func (d *fastDecoder) space() {
	for d.i < len(d.src) && isSpace(d.src[d.i]) {
		d.i++
	}
}

// plainString scans a string without escapes in valid UTF-8 and returns
// its text.
func (d *fastDecoder) plainString() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, false
	}
	start := d.i + 1
	for j := start; j < len(d.src); j++ {
		switch b := d.src[j]; {
		case b == '"':
			s := d.src[start:j]
			if !utf8.Valid(s) {
				return nil, false
			}
			d.i = j + 1
			return s, true
		case b == '\\' || b < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// value scans one value, and decodes it when keep.
func (d *fastDecoder) value(keep bool, depth int) (any, bool) {
	if depth > maxDecodeDepth {
		return nil, false
	}
	switch b := d.peek(); {
	case b == '{':
		d.i++
		var m map[string]any
		if keep {
			m = map[string]any{}
		}
		d.space()
		if d.peek() == '}' {
			d.i++
			return m, true
		}
		for {
			key, ok := d.plainString()
			if !ok {
				return nil, false
			}
			d.space()
			if d.peek() != ':' {
				return nil, false
			}
			d.i++
			d.space()
			v, ok := d.value(keep, depth+1)
			if !ok {
				return nil, false
			}
			if keep {
				m[string(key)] = v
			}
			d.space()
			switch d.peek() {
			case ',':
				d.i++
				d.space()
			case '}':
				d.i++
				return m, true
			default:
				return nil, false
			}
		}
	case b == '[':
		d.i++
		var a []any
		if keep {
			a = []any{}
		}
		d.space()
		if d.peek() == ']' {
			d.i++
			return a, true
		}
		for {
			v, ok := d.value(keep, depth+1)
			if !ok {
				return nil, false
			}
			if keep {
				a = append(a, v)
			}
			d.space()
			switch d.peek() {
			case ',':
				d.i++
				d.space()
			case ']':
				d.i++
				return a, true
			default:
				return nil, false
			}
		}
	case b == '"':
		s, ok := d.plainString()
		if !ok {
			return nil, false
		}
		if !keep {
			return nil, true
		}
		return string(s), true
	case b == 't':
		return true, d.word("true")
	case b == 'f':
		return false, d.word("false")
	case b == 'n':
		return nil, d.word("null")
	case b == '-' || b >= '0' && b <= '9':
		c := compactor{src: d.src, i: d.i}
		if !c.number() {
			return nil, false
		}
		n := json.Number(d.src[d.i:c.i])
		d.i = c.i
		return n, true
	}
	return nil, false
}

func (d *fastDecoder) word(w string) bool {
	if len(d.src)-d.i < len(w) || string(d.src[d.i:d.i+len(w)]) != w {
		return false
	}
	d.i += len(w)
	return true
}

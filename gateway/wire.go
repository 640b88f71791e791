package gateway

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// encodeResponse encodes a response as json.Marshal encodes its
// wireResponse, byte for byte, without running encoding/json's scanner
// over the data: the data is the executor's JSON, which only needs what
// json.Marshal does to a json.RawMessage (insignificant white space
// removed; <, >, & and U+2028/U+2029 escaped). Data it does not take goes
// through json.Marshal, which refuses what is not JSON as before.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	var errs []byte
	var err error
	if len(resp.Errors) > 0 {
		if errs, err = json.Marshal(resp.Errors); err != nil {
			return nil, err
		}
	}
	// Room for the extensions (extensions.cost: about 50 bytes) and the
	// line feed writeResponse adds.
	b := make([]byte, 0, len(errs)+len(resp.Data)+len(`{"errors":,"data":,"extensions":}`)+128)
	b = append(b, '{')
	if errs != nil {
		b = append(b, `"errors":`...)
		b = append(b, errs...)
	}
	if len(resp.Data) > 0 {
		if errs != nil {
			b = append(b, ',')
		}
		b = append(b, `"data":`...)
		var ok bool
		if b, ok = appendCompactJSON(b, resp.Data); !ok {
			return json.Marshal(wireResponse{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
		}
	}
	if len(resp.Extensions) > 0 {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"extensions":`...)
		mark := len(b)
		var ok bool
		if b, ok = appendObject(b, resp.Extensions); !ok {
			ext, err := json.Marshal(resp.Extensions)
			if err != nil {
				return nil, err
			}
			b = append(b[:mark], ext...)
		}
	}
	return append(b, '}'), nil
}

// appendObject appends m as json.Marshal writes it (keys sorted) when it
// holds only what the extensions usually do: ints, costs and objects of
// them, under plain keys; false for anything else.
func appendObject(dst []byte, m map[string]any) ([]byte, bool) {
	var few [4]string
	keys := few[:0]
	for k := range m {
		for i := 0; i < len(k); i++ {
			if b := k[i]; !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_') {
				return dst, false
			}
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, k...)
		dst = append(dst, '"', ':')
		switch v := m[k].(type) {
		case int:
			dst = strconv.AppendInt(dst, int64(v), 10)
		case costExtension:
			dst = v.appendJSON(dst)
		case map[string]any:
			var ok bool
			if dst, ok = appendObject(dst, v); !ok {
				return dst, false
			}
		default:
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// maxCompactDepth bounds the nesting appendCompactJSON follows; deeper
// data goes through json.Marshal.
const maxCompactDepth = 1000

// appendCompactJSON appends src as encoding/json's compact does with HTML
// escaping (what json.Marshal writes for a json.RawMessage): white space
// between tokens dropped, and <, >, &, U+2028 and U+2029 in strings
// escaped. It checks that src is one JSON value as it goes, and reports
// false for anything it does not take, which json.Marshal then judges.
func appendCompactJSON(dst, src []byte) ([]byte, bool) {
	c := compactor{src: src, dst: dst}
	c.space()
	if !c.value(0) {
		return dst, false
	}
	c.space()
	if c.i != len(src) {
		return dst, false
	}
	return append(c.dst, src[c.start:]...), true
}

// compactor copies src to dst from start on, up to i, as it scans.
type compactor struct {
	src, dst []byte
	i, start int
}

func (c *compactor) space() {
	if c.i < len(c.src) && isSpace(c.src[c.i]) {
		c.dst = append(c.dst, c.src[c.start:c.i]...)
		for c.i < len(c.src) && isSpace(c.src[c.i]) {
			c.i++
		}
		c.start = c.i
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func (c *compactor) peek() byte {
	if c.i < len(c.src) {
		return c.src[c.i]
	}
	return 0
}

func (c *compactor) value(depth int) bool {
	switch b := c.peek(); {
	case b == '{':
		return c.object(depth + 1)
	case b == '[':
		return c.array(depth + 1)
	case b == '"':
		return c.string()
	case b == 't':
		return c.literal("true")
	case b == 'f':
		return c.literal("false")
	case b == 'n':
		return c.literal("null")
	case b == '-' || b >= '0' && b <= '9':
		return c.number()
	}
	return false
}

func (c *compactor) object(depth int) bool {
	if depth > maxCompactDepth {
		return false
	}
	c.i++
	c.space()
	if c.peek() == '}' {
		c.i++
		return true
	}
	for {
		if c.peek() != '"' || !c.string() {
			return false
		}
		c.space()
		if c.peek() != ':' {
			return false
		}
		c.i++
		c.space()
		if !c.value(depth) {
			return false
		}
		c.space()
		switch c.peek() {
		case ',':
			c.i++
			c.space()
		case '}':
			c.i++
			return true
		default:
			return false
		}
	}
}

func (c *compactor) array(depth int) bool {
	if depth > maxCompactDepth {
		return false
	}
	c.i++
	c.space()
	if c.peek() == ']' {
		c.i++
		return true
	}
	for {
		if !c.value(depth) {
			return false
		}
		c.space()
		switch c.peek() {
		case ',':
			c.i++
			c.space()
		case ']':
			c.i++
			return true
		default:
			return false
		}
	}
}

// stringStop marks the bytes a string's scan stops at: its end, escapes,
// control characters, and what json.Marshal escapes.
var stringStop = func() (t [256]bool) {
	for b := range 0x20 {
		t[b] = true
	}
	for _, b := range []byte("\"\\<>&\xe2") {
		t[b] = true
	}
	return t
}()

const lowerHex = "0123456789abcdef"

func (c *compactor) string() bool {
	src := c.src
	i := c.i + 1
	for {
		for i < len(src) && !stringStop[src[i]] {
			i++
		}
		if i == len(src) {
			return false
		}
		switch b := src[i]; {
		case b == '"':
			c.i = i + 1
			return true
		case b == '\\':
			if i+1 == len(src) {
				return false
			}
			switch src[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(src) || !isHex(src[i+2]) || !isHex(src[i+3]) || !isHex(src[i+4]) || !isHex(src[i+5]) {
					return false
				}
				i += 6
			default:
				return false
			}
		case b < 0x20:
			return false
		case b == '<' || b == '>' || b == '&':
			c.dst = append(c.dst, src[c.start:i]...)
			c.dst = append(c.dst, '\\', 'u', '0', '0', lowerHex[b>>4], lowerHex[b&0xF])
			i++
			c.start = i
		default: // 0xE2: U+2028 and U+2029 are escaped
			if i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
				c.dst = append(c.dst, src[c.start:i]...)
				c.dst = append(c.dst, '\\', 'u', '2', '0', '2', lowerHex[src[i+2]&0xF])
				i += 3
				c.start = i
			} else {
				i++
			}
		}
	}
}

func isHex(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' }

func (c *compactor) literal(word string) bool {
	if !bytes.HasPrefix(c.src[c.i:], []byte(word)) {
		return false
	}
	c.i += len(word)
	return true
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (c *compactor) number() bool {
	src, i := c.src, c.i
	digits := func() bool {
		j := i
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(src) && src[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	c.i = i
	return true
}

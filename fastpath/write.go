package fastpath

import (
	"context"
	"math"
	"strconv"
	"time"

	"convene/internal/quote"
)

// writer is one execution of a plan: the response's data as it is
// written, and whether the plan has to give the operation back to gqlgen.
type writer struct {
	ctx    context.Context
	ex     *Executor
	vars   map[string]any
	buf    []byte
	failed bool
	// args is the scratch map a field's arguments are decoded from
	// (writer.arguments), kept with the writer between runs.
	args map[string]any
}

// fail abandons the plan: the operation goes to gqlgen, which then
// produces the error (or whatever else) itself.
func (w *writer) fail() { w.failed = true }

func (w *writer) raw(s string) { w.buf = append(w.buf, s...) }

func (w *writer) null() { w.buf = append(w.buf, "null"...) }

// str writes s as gqlgen's graphql.MarshalString does.
func (w *writer) str(s string) { w.buf = appendQuoted(w.buf, s) }

// strings writes a list of strings.
func (w *writer) strings(list []string) {
	w.buf = append(w.buf, '[')
	for i, s := range list {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.str(s)
	}
	w.buf = append(w.buf, ']')
}

// goQuoted writes s as strconv.Quote does: gqlgen's Date and DateTime
// marshalers quote that way.
func (w *writer) goQuoted(s string) { w.buf = quote.Append(w.buf, s) }

func (w *writer) integer(n int) { w.buf = strconv.AppendInt(w.buf, int64(n), 10) }

func (w *writer) boolean(b bool) { w.buf = strconv.AppendBool(w.buf, b) }

// float writes f as graphql.MarshalFloatContext does (fmt's %g); it cannot
// write infinities or NaN, which gqlgen reports as an error.
func (w *writer) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.fail()
		return
	}
	w.buf = strconv.AppendFloat(w.buf, f, 'g', -1, 64)
}

// dateTime writes a non-null DateTime as gqltype.MarshalDateTime does; a
// zero time is null there, an error on a non-null field.
func (w *writer) dateTime(t time.Time) {
	if t.IsZero() {
		w.fail()
		return
	}
	w.optDateTime(t)
}

// optDateTime writes a nullable DateTime (zero is null).
func (w *writer) optDateTime(t time.Time) {
	if t.IsZero() {
		w.null()
		return
	}
	w.buf = append(w.buf, '"')
	w.buf = t.AppendFormat(w.buf, time.RFC3339Nano)
	w.buf = append(w.buf, '"')
}

const hexDigits = "0123456789ABCDEF"

// appendQuoted appends s quoted as gqlgen's writeQuotedString does:
// control characters, backslash and the double quote escaped, everything
// else (invalid UTF-8 included) as it is.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	// Byte by byte: what ranging over runes would copy (every byte of a
	// multi-byte or invalid sequence is at least 0x80) is copied alike.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, `\u00`...)
			b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

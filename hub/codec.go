package hub

import "encoding/binary"

// The compact encodings of histories and progress reports share these:
// varints, and strings as a uvarint length and the bytes.

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// reader decodes what appendString and binary.Append(U)varint wrote. A
// read past the end, or of a malformed varint, clears ok; later reads
// return zero values.
type reader struct {
	raw  []byte
	s    string // raw[base:] as one string, which the decoded strings share
	base int
	i    int
	ok   bool
	skim bool // strings are read past, not made: each reads as ""
}

func newReader(raw []byte) *reader { return &reader{raw: raw, s: string(raw), ok: true} }

func (r *reader) more() bool { return r.ok && r.i < len(r.raw) }

func (r *reader) uvarint() uint64 {
	if !r.ok {
		return 0
	}
	v, n := binary.Uvarint(r.raw[r.i:])
	if n <= 0 {
		r.ok = false
		return 0
	}
	r.i += n
	return v
}

func (r *reader) varint() int64 {
	if !r.ok {
		return 0
	}
	v, n := binary.Varint(r.raw[r.i:])
	if n <= 0 {
		r.ok = false
		return 0
	}
	r.i += n
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if !r.ok || n > uint64(len(r.raw)-r.i) {
		r.ok = false
		return ""
	}
	at := r.i
	r.i += int(n)
	if r.skim {
		return ""
	}
	return r.s[at-r.base : r.i-r.base]
}

func (r *reader) byte() byte {
	if !r.ok || r.i >= len(r.raw) {
		r.ok = false
		return 0
	}
	r.i++
	return r.raw[r.i-1]
}

// left is how many bytes remain.
func (r *reader) left() int { return len(r.raw) - r.i }

// appendBeforeAfter appends a field change's before and after values:
// a byte saying which are present (1 before, 2 after), then each.
func appendBeforeAfter(b []byte, f FieldChange) []byte {
	var flags byte
	if f.Before != nil {
		flags |= 1
	}
	if f.After != nil {
		flags |= 2
	}
	b = append(b, flags)
	if f.Before != nil {
		b = appendString(b, *f.Before)
	}
	if f.After != nil {
		b = appendString(b, *f.After)
	}
	return b
}

// beforeAfter reads what appendBeforeAfter wrote into f.
func (r *reader) beforeAfter(f *FieldChange) {
	flags := r.byte()
	if flags&^3 != 0 {
		r.ok = false
		return
	}
	if flags&1 != 0 {
		v := r.str()
		f.Before = &v
	}
	if flags&2 != 0 {
		v := r.str()
		f.After = &v
	}
}

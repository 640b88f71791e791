package gateway

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"convene/internal/quote"
)

// TextHandler is the binary's log handler: it writes what
// slog.NewTextHandler(w, nil) writes, byte for byte, appending the
// records whose attributes are strings, integers, booleans and durations
// (every line the gateway and the resolvers log about requests) straight
// to a pooled buffer, and handing every other record, and the handlers
// made by WithAttrs and WithGroup, to slog's own text handler.
type TextHandler struct {
	slog *slog.TextHandler
	out  *lineWriter
}

// NewTextHandler returns the text handler writing to w, at level info.
// Lines are written in batches (see lineWriter): call Flush before the
// process exits.
func NewTextHandler(w io.Writer) *TextHandler {
	out := &lineWriter{w: w}
	return &TextHandler{slog: slog.NewTextHandler(out, nil), out: out}
}

// Flush writes the lines not yet written.
func (h *TextHandler) Flush() { h.out.flush() }

// lineWriter lets slog's handler and the fast path write to w one line at
// a time, and batches the lines: a request's log line was a write(2) of
// its own, 6% of an uncached W1 request's CPU. A line is written at most
// lineDelay after it was logged, at once if it is a warning or an error
// (so what goes wrong is never held back), and the buffer is written
// whenever it reaches lineBatch bytes.
type lineWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending *time.Timer // set while buf holds lines waiting for it
}

const (
	lineDelay = 20 * time.Millisecond
	lineBatch = 64 << 10
)

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	if len(l.buf) >= lineBatch {
		return len(b), l.writeLocked()
	}
	if l.pending == nil {
		l.pending = time.AfterFunc(lineDelay, l.flush)
	}
	return len(b), nil
}

// flushIfUrgent writes what is buffered after a line at level, if that is
// a warning or an error.
func (l *lineWriter) flushIfUrgent(level slog.Level) {
	if level >= slog.LevelWarn {
		l.flush()
	}
}

// flush writes what is buffered.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.writeLocked()
}

func (l *lineWriter) writeLocked() error {
	if l.pending != nil {
		l.pending.Stop()
		l.pending = nil
	}
	if len(l.buf) == 0 {
		return nil
	}
	_, err := l.w.Write(l.buf)
	if cap(l.buf) > 4*lineBatch {
		l.buf = nil // a burst grew it: do not keep that much
	} else {
		l.buf = l.buf[:0]
	}
	return err
}

// Enabled reports whether level is logged (info and above).
func (h *TextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.slog.Enabled(ctx, level)
}

// WithAttrs returns slog's text handler with attrs.
func (h *TextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{h.slog.WithAttrs(attrs), h.out}
}

// WithGroup returns slog's text handler with the group.
func (h *TextHandler) WithGroup(name string) slog.Handler {
	return flushing{h.slog.WithGroup(name), h.out}
}

// flushing is one of slog's handlers on a lineWriter, writing warnings
// and errors at once.
type flushing struct {
	slog.Handler
	out *lineWriter
}

func (f flushing) Handle(ctx context.Context, r slog.Record) error {
	err := f.Handler.Handle(ctx, r)
	f.out.flushIfUrgent(r.Level)
	return err
}

func (f flushing) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushing{f.Handler.WithAttrs(attrs), f.out}
}

func (f flushing) WithGroup(name string) slog.Handler {
	return flushing{f.Handler.WithGroup(name), f.out}
}

// Handle writes the record.
func (h *TextHandler) Handle(ctx context.Context, r slog.Record) error {
	b := lineBuffers.Get().(*[]byte)
	defer putLineBuffer(b)
	line := appendLineHead((*b)[:0], r.Time, r.Level, r.Message)
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		line, ok = appendAttr(line, a)
		return ok
	})
	*b = line
	var err error
	if ok {
		*b = append(line, '\n')
		_, err = h.out.Write(*b)
	} else {
		err = h.slog.Handle(ctx, r)
	}
	h.out.flushIfUrgent(r.Level)
	return err
}

// line writes a record of attrs, as Handle would, without making one.
func (h *TextHandler) line(t time.Time, level slog.Level, msg string, attrs []slog.Attr) {
	b := lineBuffers.Get().(*[]byte)
	defer putLineBuffer(b)
	line := appendLineHead((*b)[:0], t, level, msg)
	ok := true
	for _, a := range attrs {
		if line, ok = appendAttr(line, a); !ok {
			break
		}
	}
	*b = line
	if !ok {
		r := slog.NewRecord(t, level, msg, 0)
		r.AddAttrs(attrs...)
		_ = h.slog.Handle(context.Background(), r)
	} else {
		*b = append(line, '\n')
		_, _ = h.out.Write(*b)
	}
	h.out.flushIfUrgent(level)
}

var lineBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// putLineBuffer keeps a buffer for the next line unless a long line grew it.
func putLineBuffer(b *[]byte) {
	if cap(*b) <= 16<<10 {
		lineBuffers.Put(b)
	}
}

// appendLineHead appends time, level and msg as slog's text handler does
// (a zero time is left out).
func appendLineHead(b []byte, t time.Time, level slog.Level, msg string) []byte {
	if !t.IsZero() {
		b = append(b, "time="...)
		b = appendRFC3339Millis(b, t.Round(0))
		b = append(b, ' ')
	}
	b = append(b, "level="...)
	b = appendText(b, level.String())
	b = append(b, " msg="...)
	return appendText(b, msg)
}

// appendRFC3339Millis is slog's text time: RFC 3339 with milliseconds.
// The text of the second and the zone is kept from the last line's, which
// is most often in the same second.
func appendRFC3339Millis(b []byte, t time.Time) []byte {
	st := lastStamp.Load()
	if st == nil || st.sec != t.Unix() || st.loc != t.Location() {
		st = newStamp(t)
		lastStamp.Store(st)
	}
	if st.head == "" {
		return appendRFC3339MillisSlow(b, t)
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	b = append(b, st.head...)
	b = append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	return append(b, st.zone...)
}

// stamp is the text of one second in one location: the date and time
// before the milliseconds, and the zone after them ("" for a year that
// RFC 3339 cannot write as four digits).
type stamp struct {
	sec        int64
	loc        *time.Location
	head, zone string
}

var lastStamp atomic.Pointer[stamp]

func newStamp(t time.Time) *stamp {
	st := &stamp{sec: t.Unix(), loc: t.Location()}
	if y := t.Year(); y >= 0 && y <= 9999 {
		st.head, st.zone = t.Format("2006-01-02T15:04:05"), t.Format("Z07:00")
	}
	return st
}

// appendRFC3339MillisSlow is slog's own way to it.
func appendRFC3339MillisSlow(b []byte, t time.Time) []byte {
	const prefix = len("2006-01-02T15:04:05.000")
	n := len(b)
	// RFC3339Nano trims trailing zeros: a tenth of a millisecond more keeps
	// four digits, of which the fourth is dropped.
	b = t.Truncate(time.Millisecond).Add(time.Millisecond/10).AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefix], b[n+prefix+1:]...)
}

// appendAttr appends " key=value" for the kinds the fast path writes;
// false for any other (the caller hands the record to slog).
func appendAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if a.Key == "" {
		return b, false // slog elides some empty attributes: let it judge
	}
	b = append(b, ' ')
	b = appendText(b, a.Key)
	b = append(b, '=')
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		return appendText(b, v.String()), true
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10), true
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool()), true
	case slog.KindDuration:
		return append(b, v.Duration().String()...), true
	}
	return b, false
}

// appendText appends s, quoted when slog's text handler quotes it.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return quote.Append(b, s)
	}
	return append(b, s...)
}

// needsQuoting is slog's rule: empty, or holding a space, '=', '"', an
// ASCII control character, or a rune that is invalid, a space or not
// printable.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

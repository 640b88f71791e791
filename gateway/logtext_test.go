package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTextHandlerIsSlogs holds TextHandler to slog.NewTextHandler(w, nil):
// the same bytes for every record, written by the fast path or handed on.
func TestTextHandlerIsSlogs(t *testing.T) {
	zone := time.FixedZone("X", -(3*3600 + 30*60))
	times := []time.Time{
		time.Date(2026, 12, 1, 16, 49, 10, 0, time.UTC),
		time.Date(2026, 12, 1, 16, 49, 10, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 999999999, zone),
		time.Date(2026, 1, 2, 3, 4, 5, 100000, zone),
		time.Date(2026, 1, 2, 3, 4, 5, 100000, time.UTC), // the same second elsewhere
		time.Date(2026, 1, 2, 6, 34, 5, 7000000, time.UTC),
		time.Date(2026, 1, 2, 6, 34, 5, 7000000, time.Local),
		time.Date(2026, 1, 2, 6, 34, 5, 7000000, zone),
		time.Date(12026, 1, 2, 6, 34, 5, 7000000, zone),
		time.Date(-1, 1, 2, 6, 34, 5, 7000000, zone),
		{},
	}
	texts := []string{"", "plain", "two words", "a=b", `say "hi"`, `back\slash`, "tab\there", "new\nline",
		"\x7f", "\x01", "é", "日本", "\u00a0nbsp", "\u2028", "bad\xffutf8", "zero\x00", "-", "request_id"}
	var attrs [][]slog.Attr
	for _, s := range texts {
		attrs = append(attrs, []slog.Attr{slog.String("k", s)}, []slog.Attr{slog.String(s, "v")})
	}
	attrs = append(attrs,
		[]slog.Attr{slog.String("method", "POST"), slog.String("transport", "http"), slog.String("operation", ""),
			slog.String("type", "query"), slog.Int("status", 200), slog.String("code", "OK"),
			slog.Duration("duration", 1234567*time.Nanosecond), slog.Int("cost", 3), slog.String("request_id", "abc-1")},
		[]slog.Attr{slog.Int("n", -42), slog.Int64("big", 1<<62), slog.Uint64("u", 1<<63), slog.Bool("yes", true), slog.Bool("no", false)},
		[]slog.Attr{slog.Duration("d", 0), slog.Duration("d", -time.Second), slog.Duration("d", 90*time.Minute)},
		// kinds the fast path hands to slog
		[]slog.Attr{slog.String("a", "b"), slog.Any("err", errors.New("boom \"x\""))},
		[]slog.Attr{slog.Float64("f", 1.5)},
		[]slog.Attr{slog.Time("at", times[1])},
		[]slog.Attr{slog.Group("g", slog.Int("a", 1), slog.String("b", "c d"))},
		[]slog.Attr{slog.Group("empty")},
		[]slog.Attr{{}},
		[]slog.Attr{slog.String("", "")},
		[]slog.Attr{slog.Any("bytes", []byte("x y"))},
		[]slog.Attr{slog.Any("nil", nil)},
		nil,
	)
	levels := []slog.Level{slog.LevelInfo, slog.LevelWarn, slog.LevelError, slog.LevelInfo + 2, slog.LevelDebug}
	msgs := []string{"graphql request", "ok", "", "line\nbreak"}
	ctx := context.Background()
	n := 0
	for _, tm := range times {
		for _, level := range levels {
			for _, msg := range msgs {
				for _, as := range attrs {
					var want, got, gotLine bytes.Buffer
					std := slog.New(slog.NewTextHandler(&want, nil))
					fast := NewTextHandler(&got)
					r := slog.NewRecord(tm, level, msg, 0)
					r.AddAttrs(as...)
					if std.Enabled(ctx, level) != fast.Enabled(ctx, level) {
						t.Fatalf("Enabled(%v) differs", level)
					}
					if !std.Enabled(ctx, level) {
						continue
					}
					_ = std.Handler().Handle(ctx, r)
					if err := fast.Handle(ctx, r); err != nil {
						t.Fatal(err)
					}
					fast.Flush()
					lines := NewTextHandler(&gotLine)
					lines.line(tm, level, msg, as)
					lines.Flush()
					if got.String() != want.String() || gotLine.String() != want.String() {
						t.Fatalf("record %v %v %q %v:\nslog   %q\nHandle %q\nline   %q", tm, level, msg, as, want.String(), got.String(), gotLine.String())
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d records compared", n)
	}

	// Derived handlers are slog's.
	var want, got bytes.Buffer
	slog.New(slog.NewTextHandler(&want, nil)).With("pre", "x y").WithGroup("g").Info("m", "a", 1)
	derived := NewTextHandler(&got)
	slog.New(derived).With("pre", "x y").WithGroup("g").Info("m", "a", 1)
	derived.Flush()
	cut := func(s string) string { _, rest, _ := strings.Cut(s, " "); return rest } // the times differ
	if cut(got.String()) != cut(want.String()) || got.Len() == 0 {
		t.Fatalf("derived: slog %q, ours %q", want.String(), got.String())
	}
}

// TestRequestLineIsSlogs holds the request log line that finish writes
// itself to the line slog writes through the Logger.
func TestRequestLineIsSlogs(t *testing.T) {
	for _, c := range []struct {
		status  int
		info    func() *requestInfo
		comment string
	}{
		{200, func() *requestInfo {
			return &requestInfo{id: "req-1", operation: "W1", opType: "query", cost: 7, hasCost: true}
		}, "a query"},
		{400, func() *requestInfo { return &requestInfo{id: "req-2", code: "GRAPHQL_VALIDATION_FAILED"} }, "refused, no cost"},
		{500, func() *requestInfo {
			return &requestInfo{id: "req 3", operation: "a b", opType: "query", code: "INTERNAL"}
		}, "an error line, quoted values"},
		{200, func() *requestInfo {
			return &requestInfo{id: "req-4", sse: true, operation: "S", opType: "subscription", cost: 1, hasCost: true}
		}, "server-sent events"},
		{101, func() *requestInfo { return &requestInfo{id: "req-5", websocket: true} }, "a WebSocket"},
	} {
		var want, got bytes.Buffer
		for _, out := range []struct {
			buf     *bytes.Buffer
			handler slog.Handler
		}{{&want, slog.NewTextHandler(&want, nil)}, {&got, NewTextHandler(&got)}} {
			g := New(Config{}, Deps{Logger: slog.New(out.handler)})
			info := c.info()
			ctx := context.WithValue(context.Background(), infoKey{}, info)
			g.finish(ctx, "POST", info, c.status, time.Now(), 1500*time.Microsecond)
			if ours, ok := out.handler.(*TextHandler); ok {
				ours.Flush()
			}
		}
		cut := func(s string) string { _, rest, _ := strings.Cut(s, " "); return rest } // the times differ
		if got.Len() == 0 || cut(got.String()) != cut(want.String()) {
			t.Errorf("%s: slog %q, ours %q", c.comment, want.String(), got.String())
		}
	}
}

// lockedBytes is a buffer the line writer's timer may write to while the
// test reads it.
type lockedBytes struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBytes) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBytes) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLinesAreWrittenInBatches: an info line waits for the batch at most
// lineDelay (give or take the scheduler); a warning or an error, from the
// handler or one derived from it, is written at once with the lines
// before it; a full batch is written at once; Flush writes the rest.
func TestLinesAreWrittenInBatches(t *testing.T) {
	var out lockedBytes
	h := NewTextHandler(&out)
	log := slog.New(h)
	log.Info("first")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "msg=first") {
		if time.Now().After(deadline) {
			t.Fatal("an info line was not written within 5 s")
		}
		time.Sleep(time.Millisecond)
	}

	log.Info("before the warning")
	log.Warn("careful")
	if got := out.String(); !strings.Contains(got, `msg="before the warning"`) || !strings.Contains(got, "msg=careful") {
		t.Fatalf("a warning waited for its batch:\n%s", got)
	}
	log.With("who", "derived").Error("broken")
	if !strings.Contains(out.String(), "msg=broken who=derived") {
		t.Fatalf("a derived handler's error waited for its batch:\n%s", out.String())
	}

	before := len(out.String())
	long := strings.Repeat("x", 1000)
	for range lineBatch/1000 + 1 {
		log.Info("long", "text", long)
	}
	if len(out.String())-before < lineBatch {
		t.Fatal("a full batch was not written")
	}
	log.Info("last")
	h.Flush()
	if !strings.Contains(out.String(), "msg=last") {
		t.Fatal("Flush left a line unwritten")
	}
}

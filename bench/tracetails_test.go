package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/trace"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSplitMovesAssistsToTheCollector: a wait is split by what ran, an
// assist inside a request's run is the collector's, and what nothing
// covered is the kernel's.
func TestSplitMovesAssistsToTheCollector(t *testing.T) {
	ms := int64(time.Millisecond)
	tl := &traceTimeline{runs: []interval{
		{0, 4 * ms, causeRequests, ""},
		{1 * ms, 2 * ms, causeMarkAssist, causeRequests},
		{5 * ms, 8 * ms, causeMarkWorker, ""},
	}, long: []interval{{9 * ms, 100 * ms, causeOther, ""}}} // a long run counts where it overlaps
	got := tl.split(0, 10*ms)
	want := map[string]int64{causeRequests: 3 * ms, causeMarkAssist: ms, causeMarkWorker: 3 * ms, causeOther: ms, causeNoGoroutine: 2 * ms}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v (all: %v)", k, time.Duration(got[k]), time.Duration(v), got)
		}
	}
}

// TestSweepAloneEndsAtARequest: a stretch of sweeping counts until a
// request runs, other goroutines and gaps included, and a sweep inside a
// request's run is the request's.
func TestSweepAloneEndsAtARequest(t *testing.T) {
	ms := int64(time.Millisecond)
	tl := &traceTimeline{runs: []interval{
		{0, 1 * ms, causeSweeper, ""},
		{2 * ms, 3 * ms, causeOther, ""},
		{4 * ms, 5 * ms, causeSweeper, ""}, // 0–5 ms: no request
		{6 * ms, 7 * ms, causeRequests, ""},
		{6 * ms, 7 * ms, causeAllocSweep, causeRequests},
		{8 * ms, 10 * ms, causeSweeper, ""},
		{11 * ms, 12 * ms, causeRequests, ""},
	}}
	if got := tl.longestSweepAlone(0, 20*ms); got != 5*time.Millisecond {
		t.Errorf("longest sweep alone %v, want 5ms", got)
	}
	if got := tl.longestSweepAlone(6*ms, 20*ms); got != 2*time.Millisecond {
		t.Errorf("from 6 ms: %v, want 2ms", got)
	}
}

// TestTraceTailsSeeTheCollector traces this process serving HTTP requests
// on one P while another goroutine allocates: the timeline must find the
// requests' goroutines, the collector's mark phases and its worker, and
// lay the requests' wall-clock spans over them.
func TestTraceTailsSeeTheCollector(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 512))
	}))
	defer srv.Close()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // garbage, so that the collector runs during the requests
		defer close(done)
		var keep [][]byte
		for {
			select {
			case <-stop:
				return
			default:
			}
			keep = append(keep, make([]byte, 64<<10))
			if len(keep) > 256 {
				keep = keep[:0]
			}
			runtime.Gosched()
		}
	}()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Skipf("a trace is already running: %v", err)
	}
	var spans []reqSpan
	// A second, or up to five on a loaded machine until 500 requests: with
	// fewer, none may be over the p99 (a CI run once had 95).
	begun := time.Now()
	for d := time.Since(begun); d < time.Second || len(spans) < 500 && d < 5*time.Second; d = time.Since(begun) {
		out := time.Now()
		resp, err := http.Get(srv.URL)
		if err != nil {
			trace.Stop()
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		spans = append(spans, reqSpan{out.UnixNano(), time.Now().UnixNano()})
	}
	trace.Stop()
	close(stop)
	<-done

	tl, err := readTimeline(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.marks) == 0 {
		t.Fatal("no mark phase in a second of allocation")
	}
	tt := tl.attribute("T", loadResult{Spans: spans, Handed: sortedSpans(spans)})
	if tt.slow == 0 || len(tt.all) == 0 {
		t.Fatalf("no requests attributed: %+v", tt)
	}
	t.Logf("%d requests, %d mark phases; over p99: %s; all: %s", len(spans), len(tl.marks), tt.cause(), tt.shares(tt.all))
	if tt.all[causeRequests] <= 0 {
		t.Errorf("the requests' goroutines were not found: %s", tt.shares(tt.all))
	}
	if tt.all[causeNoGoroutine] > 0.9 {
		t.Errorf("the spans do not meet the trace's goroutines (clocks apart?): %s", tt.shares(tt.all))
	}
	if tt.all[causeMarkWorker]+tt.all[causeMarkAssist]+tt.all[causeAllocSweep]+tt.all[causeSweeper] <= 0 {
		t.Errorf("no collector work under %d requests across %d mark phases: %s", len(spans), len(tl.marks), tt.shares(tt.all))
	}
	var b strings.Builder
	(&results{traceTails: []*tailTrace{tt}}).renderTraceTails(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) })
	header := -1
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if header < 0 {
			header = strings.Count(line, "|")
		} else if strings.Count(line, "|") != header {
			t.Fatalf("a row as wide as the header:\n%s", b.String())
		}
	}
}

func sortedSpans(spans []reqSpan) []time.Duration {
	var out []time.Duration
	for _, s := range spans {
		out = append(out, time.Duration(s.end-s.out))
	}
	slices.Sort(out)
	return out
}

// TestGCScanLineReadsTheEndpoint: the line is built from what
// /debug/gcscan writes.
func TestGCScanLineReadsTheEndpoint(t *testing.T) {
	got := gcScanLine([]byte("/gc/scan/heap:bytes 6371136\n/gc/scan/stack:bytes 32840\n/gc/scan/globals:bytes 412442\n/gc/heap/live:bytes 64347672\n/gc/heap/objects:objects 158191\n"))
	want := "a forced collection scanned 6.4 MB of heap, 33 KB of stacks and 412 KB of globals, of 64.3 MB live in 158191 objects"
	if got != want {
		t.Fatalf("%q\nwant %q", got, want)
	}
}

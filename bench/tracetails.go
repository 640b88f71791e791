package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

// The tails, traced: each uncached workload's fixed-rate phase again on the
// in-process server (Convene's handler, same data shape) while its
// /debug/pprof/trace records the runtime. Every request's hand-out and
// answer are wall-clock times in the generator; the trace's clock snapshot
// maps its own times to the same wall clock, so each request that set the
// tail can be laid over what the server's goroutines were doing while it
// waited.

// Causes a slow request's wait is split into: what held the server's Ps.
const (
	causeRequests    = "requests"     // the handler's own goroutines (net/http connections)
	causeMarkWorker  = "mark worker"  // runtime.gcBgMarkWorker
	causeMarkAssist  = "mark assist"  // a request goroutine marking for the collector
	causeSweeper     = "sweeper"      // runtime.bgsweep
	causeAllocSweep  = "alloc sweep"  // a request goroutine sweeping before it allocates
	causeOther       = "other"        // any other goroutine (the hub, the store, FerretDB, timers)
	causeNoGoroutine = "no goroutine" // no goroutine ran: the kernel, the network, another process
)

var causes = []string{causeRequests, causeMarkWorker, causeMarkAssist, causeSweeper, causeAllocSweep, causeOther, causeNoGoroutine}

// reqSpan is one request of a fixed-rate phase: when the pacer handed it
// out and when its answer had been read, in wall-clock nanoseconds.
type reqSpan struct{ out, end int64 }

// tailTrace is one workload's traced phase.
type tailTrace struct {
	wl     string
	fixed  loadResult
	err    string
	slow   int     // requests slower than the phase's p99, counted from the hand-out
	inMark int     // of those, how many overlapped a collector's mark phase
	markOf float64 // the share of the phase's wall time in mark phases
	// share is the slow requests' summed wait split by cause; all is the
	// same over every request of the phase, for comparison.
	share, all map[string]float64
	// longest is the longest stretch one non-request goroutine ran
	// without a break, and what it was.
	longest     time.Duration
	longestKind string
	// sweepAlone is the longest stretch in which the background sweeper
	// ran and no request did: what internal/sweeppoll keeps short.
	sweepAlone time.Duration
}

// interval is one stretch of trace time, wall-clock nanoseconds.
type interval struct {
	from, to int64
	cause    string
	within   string // an assist's or a sweep's: the cause of the goroutine it ran in
}

// goRun is one goroutine's stretch in trace time; cause is set for an
// assist or sweep range inside it.
type goRun struct {
	g        trace.GoID
	from, to trace.Time
	cause    string
}

// traceTimeline is what a runtime trace says the process ran, as wall
// clock intervals by cause, and its collector's mark phases.
type traceTimeline struct {
	runs  []interval // goroutines running or in a syscall, by cause, sorted by start
	long  []interval // those of runs longer than longRun, apart so split stays a short scan
	marks []interval // "GC concurrent mark phase"
}

// longRun bounds how far back split looks among runs.
const longRun = int64(50 * time.Millisecond)

// readTimeline parses a runtime trace (the format of runtime/trace, read
// with golang.org/x/exp/trace) into a timeline. Goroutines are told apart
// by the functions on their stacks; one seen with no stack that says what
// it is counts as "other".
func readTimeline(r io.Reader) (*traceTimeline, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	var (
		snap     *trace.ClockSnapshot
		kinds    = map[trace.GoID]string{}
		running  = map[trace.GoID]trace.Time{}
		ranges   = map[string]trace.Time{} // open ranges: name + scope
		runs     []goRun
		assists  []goRun
		marks    [][2]trace.Time
		first    trace.Time
		haveTime bool
	)
	learn := func(g trace.GoID, st trace.Stack) {
		if g == trace.NoGoroutine || kinds[g] != "" {
			return
		}
		for f := range st.Frames() {
			switch {
			case f.Func == "runtime.gcBgMarkWorker":
				kinds[g] = causeMarkWorker
			case f.Func == "runtime.bgsweep":
				kinds[g] = causeSweeper
			case strings.HasPrefix(f.Func, "net/http.(*conn).serve"):
				kinds[g] = causeRequests
			}
		}
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		now := ev.Time()
		if !haveTime {
			first, haveTime = now, true
		}
		learn(ev.Goroutine(), ev.Stack())
		switch ev.Kind() {
		case trace.EventSync:
			if s := ev.Sync(); s.ClockSnapshot != nil && snap == nil {
				snap = s.ClockSnapshot
			}
		case trace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != trace.ResourceGoroutine {
				continue
			}
			g := st.Resource.Goroutine()
			learn(g, st.Stack)
			from, to := st.Goroutine()
			on := func(s trace.GoState) bool { return s == trace.GoRunning || s == trace.GoSyscall }
			switch {
			case !on(from) && on(to):
				running[g] = now
			case on(from) && !on(to):
				start, ok := running[g]
				if !ok {
					start = first // running since before the trace began
				}
				delete(running, g)
				runs = append(runs, goRun{g, start, now, ""})
			}
		case trace.EventRangeBegin, trace.EventRangeActive:
			rg := ev.Range()
			start := now
			if ev.Kind() == trace.EventRangeActive {
				start = first
			}
			ranges[rg.Name+"/"+rg.Scope.String()] = start
		case trace.EventRangeEnd:
			rg := ev.Range()
			key := rg.Name + "/" + rg.Scope.String()
			start, ok := ranges[key]
			if !ok {
				start = first
			}
			delete(ranges, key)
			switch {
			case rg.Name == "GC concurrent mark phase":
				marks = append(marks, [2]trace.Time{start, now})
			case rg.Name == "GC mark assist" && rg.Scope.Kind == trace.ResourceGoroutine:
				assists = append(assists, goRun{rg.Scope.Goroutine(), start, now, causeMarkAssist})
			case rg.Name == "GC incremental sweep" && rg.Scope.Kind == trace.ResourceGoroutine:
				assists = append(assists, goRun{rg.Scope.Goroutine(), start, now, causeAllocSweep})
			}
		}
	}
	if snap == nil {
		return nil, fmt.Errorf("the trace has no clock snapshot (it needs Go 1.25 or later)")
	}
	wall := func(t trace.Time) int64 { return snap.Wall.UnixNano() + int64(t.Sub(snap.Trace)) }
	tl := &traceTimeline{}
	kindOf := func(g trace.GoID) string {
		if k := kinds[g]; k != "" {
			return k
		}
		return causeOther
	}
	for _, r := range runs {
		tl.runs = append(tl.runs, interval{wall(r.from), wall(r.to), kindOf(r.g), ""})
	}
	// An assist or a sweep inside a goroutine's run is the collector's
	// time, not the goroutine's: split moves it from one to the other.
	for _, a := range assists {
		tl.runs = append(tl.runs, interval{wall(a.from), wall(a.to), a.cause, kindOf(a.g)})
	}
	for _, m := range marks {
		tl.marks = append(tl.marks, interval{wall(m[0]), wall(m[1]), "mark", ""})
	}
	slices.SortStableFunc(tl.runs, func(a, b interval) int { return int(a.from - b.from) })
	short := tl.runs[:0:0]
	for _, iv := range tl.runs {
		if iv.to-iv.from > longRun {
			tl.long = append(tl.long, iv)
		} else {
			short = append(short, iv)
		}
	}
	tl.runs = short
	return tl, nil
}

// split is what ran over [from, to): nanoseconds by cause, an assist's or
// a sweep's taken from the goroutine it ran in; what no goroutine covered
// is causeNoGoroutine.
func (tl *traceTimeline) split(from, to int64) map[string]int64 {
	out := map[string]int64{}
	var covered int64
	// The short runs that can overlap start within longRun before from
	// and before to.
	end, _ := slices.BinarySearchFunc(tl.runs, to, func(iv interval, t int64) int { return cmp.Compare(iv.from, t) })
	begin, _ := slices.BinarySearchFunc(tl.runs, from-longRun, func(iv interval, t int64) int { return cmp.Compare(iv.from, t) })
	for _, runs := range [][]interval{tl.runs[begin:end], tl.long} {
		for _, iv := range runs {
			lo, hi := max(iv.from, from), min(iv.to, to)
			if hi <= lo {
				continue
			}
			d := hi - lo
			out[iv.cause] += d
			if iv.within != "" {
				out[iv.within] -= d
			} else {
				covered += d
			}
		}
	}
	for k, v := range out {
		if v < 0 {
			out[k] = 0
		}
	}
	if idle := (to - from) - covered; idle > 0 {
		out[causeNoGoroutine] = idle
	}
	return out
}

// overlapsMark tells whether [from, to) met a mark phase.
func (tl *traceTimeline) overlapsMark(from, to int64) bool {
	for _, m := range tl.marks {
		if m.from < to && m.to > from {
			return true
		}
	}
	return false
}

// attribute lays a phase's requests over the timeline: those slower than
// its p99 (from the hand-out), and all of them, by cause.
func (tl *traceTimeline) attribute(wl string, fixed loadResult) *tailTrace {
	tt := &tailTrace{wl: wl, fixed: fixed, share: map[string]float64{}, all: map[string]float64{}}
	if len(fixed.Spans) == 0 {
		return tt
	}
	p99 := int64(percentile(fixed.Handed, 99))
	sum := func(into map[string]float64, parts map[string]int64) {
		for k, v := range parts {
			into[k] += float64(v)
		}
	}
	lo, hi := fixed.Spans[0].out, fixed.Spans[0].end
	for _, s := range fixed.Spans {
		lo, hi = min(lo, s.out), max(hi, s.end)
		parts := tl.split(s.out, s.end)
		sum(tt.all, parts)
		if s.end-s.out > p99 {
			tt.slow++
			sum(tt.share, parts)
			if tl.overlapsMark(s.out, s.end) {
				tt.inMark++
			}
		}
	}
	normalize(tt.share)
	normalize(tt.all)
	var inMark int64
	for _, m := range tl.marks {
		inMark += max(0, min(m.to, hi)-max(m.from, lo))
	}
	if hi > lo {
		tt.markOf = float64(inMark) / float64(hi-lo)
	}
	for _, iv := range slices.Concat(tl.runs, tl.long) {
		if iv.from >= lo && iv.to <= hi && iv.cause != causeRequests && iv.to-iv.from > int64(tt.longest) {
			tt.longest, tt.longestKind = time.Duration(iv.to-iv.from), iv.cause
		}
	}
	tt.sweepAlone = tl.longestSweepAlone(lo, hi)
	return tt
}

// longestSweepAlone is the longest stretch of [lo, hi) from a run of the
// background sweeper to the end of its last run before a request ran.
func (tl *traceTimeline) longestSweepAlone(lo, hi int64) time.Duration {
	var longest, from, last int64
	sweeping := false
	for _, iv := range tl.runs { // sorted by start
		if iv.from < lo || iv.to > hi || iv.within != "" {
			continue
		}
		switch iv.cause {
		case causeSweeper:
			if !sweeping {
				sweeping, from = true, iv.from
			}
			last = iv.to
		case causeRequests:
			if sweeping {
				longest, sweeping = max(longest, last-from), false
			}
		}
	}
	if sweeping {
		longest = max(longest, last-from)
	}
	return time.Duration(longest)
}

func normalize(m map[string]float64) {
	var total float64
	for _, v := range m {
		total += v
	}
	if total <= 0 {
		return
	}
	for k := range m {
		m[k] /= total
	}
}

// runTraceTails runs each uncached phase at its row's rate on the
// in-process server while tracing it, and attributes its slow requests.
func runTraceTails(cfg *config, res *results, ip *inprocServer, token string, phases []uncachedPhase) []*tailTrace {
	res.gcScan = ip.gcScan()
	logf("in-process server before the traced phases: %s", res.gcScan)
	var out []*tailTrace
	for _, ph := range phases {
		rs := &reqSet{addr: ip.addr, pid: ip.pid(), reqs: posts(ip.addr, ph.bodies, "Authorization", "Bearer "+token), check: ph.check, spans: true}
		closedLoop(rs, cfg.conns, min(cfg.warm, 2*time.Second))
		secs := int(cfg.dur.Seconds()) + 2
		got := make(chan []byte, 1)
		go func() {
			status, body, err := fetch(ip.addr, httpRequest(ip.addr, "GET", fmt.Sprintf("/debug/pprof/trace?seconds=%d", secs), nil))
			if err != nil || status != 200 {
				body = nil
			}
			got <- body
		}()
		time.Sleep(500 * time.Millisecond) // the trace has started
		fixed := fixedRate(rs, cfg.conns, ph.row.fixed.Rate, cfg.dur)
		body := <-got
		tt := &tailTrace{wl: ph.row.wl, fixed: fixed}
		if body == nil {
			tt.err = "no trace"
		} else if tl, err := readTimeline(bytes.NewReader(body)); err != nil {
			tt.err = err.Error()
		} else {
			tt = tl.attribute(ph.row.wl, fixed)
		}
		tt.fixed.Spans = nil // attributed: the spans are not kept for the report
		logf("%s traced at %6.0f req/s: p99 %7s | %d requests over p99, %d in a mark phase | %s | sweep alone %s", tt.wl, fixed.Rate,
			fmtDur(percentile(fixed.Handed, 99)), tt.slow, tt.inMark, tt.shares(tt.share), fmtDur(tt.sweepAlone))
		out = append(out, tt)
	}
	return out
}

// cause names the two largest shares of the slow requests' wait.
func (tt *tailTrace) cause() string {
	if tt.err != "" {
		return "(" + tt.err + ")"
	}
	ranked := slices.Clone(causes)
	slices.SortStableFunc(ranked, func(a, b string) int { return cmp.Compare(tt.share[b], tt.share[a]) })
	return fmt.Sprintf("%s %.0f%%, %s %.0f%%; %d of %d over p99 met a mark phase, which covered %.0f%% of the time", ranked[0], 100*tt.share[ranked[0]], ranked[1], 100*tt.share[ranked[1]], tt.inMark, tt.slow, 100*tt.markOf)
}

func (tt *tailTrace) shares(m map[string]float64) string {
	var parts []string
	for _, c := range causes {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", c, 100*m[c]))
	}
	return strings.Join(parts, ", ")
}

// gcScanLine says what /debug/gcscan reported a forced collection scanned.
func gcScanLine(body []byte) string {
	v := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		var name string
		var n float64
		if _, err := fmt.Sscan(line, &name, &n); err == nil {
			v[name] = n
		}
	}
	return fmt.Sprintf("a forced collection scanned %.1f MB of heap, %.0f KB of stacks and %.0f KB of globals, of %.1f MB live in %.0f objects",
		v["/gc/scan/heap:bytes"]/1e6, v["/gc/scan/stack:bytes"]/1e3, v["/gc/scan/globals:bytes"]/1e3, v["/gc/heap/live:bytes"]/1e6, v["/gc/heap/objects:objects"])
}

// renderTraceTails writes the traced phases' table.
func (r *results) renderTraceTails(p func(string, ...any)) {
	if len(r.traceTails) == 0 {
		return
	}
	p("\nThe same uncached phases on the in-process server (Convene's handler), traced (`/debug/pprof/trace`, read with\n")
	p("golang.org/x/exp/trace). Each request slower than its phase's p99 (from the hand-out) is laid over what the server's\n")
	p("goroutines ran while it waited, by the trace's clock snapshot; its wait is split by cause, summed over those requests,\n")
	p("and beside it the same split over every request. \"mark phases\": the share of the phase's wall time the collector was\n")
	p("marking; \"longest\": the longest stretch one goroutine other than a request ran unbroken; \"sweep alone\": the longest\n")
	p("stretch in which the background sweeper ran and no request did. \"no goroutine\": no goroutine ran (the kernel, the\n")
	p("network, another process).")
	if r.gcScan != "" {
		p(" Before the phases, on the same server, %s.", r.gcScan)
	}
	p("\n\n")
	p("| workload | rate | p99 | over p99 | in a mark phase | mark phases |")
	for _, c := range causes {
		p(" %s |", c)
	}
	p(" longest | sweep alone |\n|---|--:|--:|--:|--:|--:|%s--:|--:|\n", strings.Repeat("--:|", len(causes)))
	for _, tt := range r.traceTails {
		if tt.err != "" {
			p("| %s | %.0f | %s | (%s) |%s|\n", tt.wl, tt.fixed.Rate, fmtDur(percentile(tt.fixed.Handed, 99)), tt.err, strings.Repeat(" |", len(causes)+4))
			continue
		}
		p("| %s | %.0f | %s | %d | %d | %.0f%% |", tt.wl, tt.fixed.Rate, fmtDur(percentile(tt.fixed.Handed, 99)), tt.slow, tt.inMark, 100*tt.markOf)
		for _, c := range causes {
			p(" %.0f%% (%.0f%%) |", 100*tt.share[c], 100*tt.all[c])
		}
		p(" %s %s | %s |\n", fmtDur(tt.longest), tt.longestKind, fmtDur(tt.sweepAlone))
	}
	p("\nEach cause cell: the slow requests' share (every request's share in brackets).\n")
}

package main

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// The tails' control experiment: each uncached workload's fixed-rate phase
// again, at the same rate, on a second start of the same binary on the same
// data whose garbage collector is off (GOGC=off, a memory limit standing
// in). Both servers' collector cycles are counted over each phase from
// /metrics. Whatever tail the first server has and the second has not is
// the collector's, measured in the same run.

// gcOffEnv is the control server's environment: no collection until the
// heap reaches the limit, far above what a phase allocates.
var gcOffEnv = []string{"GOGC=off", "GOMEMLIMIT=8GiB"}

// gcPhase is one workload's phase on the control server.
type gcPhase struct {
	row   *readRow // the same workload on the server as it ships
	fixed loadResult
	gcs   int // the control server's collections during the phase (-1: unknown)
}

// uncachedPhase is what the control needs of an uncached row: its
// requests (without the address) and their check.
type uncachedPhase struct {
	row    *readRow
	bodies [][]byte
	check  func(int, []byte) bool
}

// gcCycles reads the number of completed collections from the server's
// /metrics (the Go collector's go_gc_duration_seconds_count); -1 when it
// cannot be read.
func gcCycles(addr string) int {
	status, body, err := fetch(addr, httpRequest(addr, "GET", "/metrics", nil))
	if err != nil || status != 200 {
		return -1
	}
	for _, line := range bytes.Split(body, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("go_gc_duration_seconds_count ")); ok {
			if n, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64); err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// runGCControl starts the binary with its collector off, runs each phase at
// its row's rate, and stops it.
func runGCControl(cfg *config, res *results, bin, dataDir, token string, phases []uncachedPhase) []gcPhase {
	logf("starting the control server (%v) on the same data", gcOffEnv)
	off, err := startConveneEnv(cfg, bin, dataDir, "", token, "convene-gc-off", gcOffEnv)
	if err != nil {
		res.warn("the garbage-collector control: %v", err)
		return nil
	}
	defer off.stop()
	var out []gcPhase
	for _, ph := range phases {
		rs := &reqSet{addr: off.addr, pid: off.pid(), reqs: posts(off.addr, ph.bodies, "Authorization", "Bearer "+token), check: ph.check}
		closedLoop(rs, cfg.conns, min(cfg.warm, 2*time.Second))
		before := gcCycles(off.addr)
		fixed := fixedRate(rs, cfg.conns, ph.row.fixed.Rate, cfg.dur)
		gcs := -1
		if after := gcCycles(off.addr); before >= 0 && after >= 0 {
			gcs = after - before
		}
		// The server's CPU a request, beside the shipped one's in its own
		// fixed-rate phase: without collections every allocation takes
		// memory the process has not touched yet, which costs page faults.
		logf("%s %-26s GC off, at %6.0f req/s: p50 %7s p99 %7s | collections %d (shipped: %d) | server CPU a request %s (shipped: %s) | errors %d",
			ph.row.wl, convUncached, fixed.Rate, fmtDur(fixed.pct(50)), fmtDur(fixed.pct(99)), gcs, ph.row.gcs,
			fmtDur(fixed.cpuPerRequest()), fmtDur(ph.row.fixed.cpuPerRequest()), fixed.Errors)
		out = append(out, gcPhase{row: ph.row, fixed: fixed, gcs: gcs})
	}
	return out
}

// renderGCControl writes the control's table.
func (r *results) renderGCControl(p func(string, ...any)) {
	if len(r.gcControl) == 0 {
		return
	}
	p("\nThe same fixed-rate phases on a second start of the binary with its garbage collector off (`%s %s`; same\n", gcOffEnv[0], gcOffEnv[1])
	p("data, rate, connections and cores), the servers' collections during each phase counted from `/metrics`; \"busy\": the\n")
	p("server's CPU time over the phase's wall time, the share of its core the fixed rate kept busy (a request that arrives\n")
	p("alone costs more than one of a closed loop's, so half of the peak rate is more than half of the core):\n\n")
	p("| workload | rate | p50 | p99 | p99.9 | collections | busy | GC off: p50 | p99 | p99.9 | collections | busy |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range r.gcControl {
		w := c.row.fixed
		p("| %s uncached | %.0f | %s | %s | %s | %s | %.0f%% | %s | %s | %s | %s | %.0f%% |\n", c.row.wl, w.Rate,
			fmtDur(w.pct(50)), fmtDur(w.pct(99)), fmtDur(w.pct(99.9)), countOrUnknown(c.row.gcs), 100*w.busy(),
			fmtDur(c.fixed.pct(50)), fmtDur(c.fixed.pct(99)), fmtDur(c.fixed.pct(99.9)), countOrUnknown(c.gcs), 100*c.fixed.busy())
	}
}

func countOrUnknown(n int) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestGCControlTableSaysHowBusy: the control's table gives each phase's
// share of the server's core, its CPU time over its wall time, for the
// shipped server and the one without a collector.
func TestGCControlTableSaysHowBusy(t *testing.T) {
	lat := []time.Duration{time.Millisecond, 2 * time.Millisecond, 40 * time.Millisecond}
	shipped := &readRow{wl: "W3", gcs: 2, fixed: loadResult{Requests: 1000, Wall: time.Second, ServerCPU: 940 * time.Millisecond, Rate: 1000, Lat: lat}}
	r := &results{gcControl: []gcPhase{{row: shipped, gcs: 0,
		fixed: loadResult{Requests: 1000, Wall: 2 * time.Second, ServerCPU: time.Second, Rate: 1000, Lat: lat}}}}
	var b strings.Builder
	r.renderGCControl(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) })
	want := "| W3 uncached | 1000 | 2.00ms | 40.0ms | 40.0ms | 2 | 94% | 2.00ms | 40.0ms | 40.0ms | 0 | 50% |"
	if !strings.Contains(b.String(), want) {
		t.Fatalf("the control's table:\n%s\nwant the row\n%s", b.String(), want)
	}
}

// TestPacerTableSplitsTheGeneratorsLateness: the fixed-rate check gives,
// for the uncached rows and B1's, how late the harness's own pacer was
// and the latencies counted from its hand-out, with hey's columns where
// hey ran, every row as wide as the header.
func TestPacerTableSplitsTheGeneratorsLateness(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		var out []time.Duration
		for _, f := range v {
			out = append(out, time.Duration(f*float64(time.Millisecond)))
		}
		return out
	}
	fixed := loadResult{Rate: 1000, Lat: ms(1, 2, 30), PacerLate: ms(0.5, 0.6, 0.9), Handed: ms(0.7, 1.5, 20),
		Requests: 1000, Wall: time.Second, ServerCPU: 600 * time.Millisecond}
	r := &results{reads: []*readRow{
		{wl: "W1", target: convUncached, fixed: fixed, peak: loadResult{Requests: 2000, Wall: time.Second, ServerCPU: 800 * time.Millisecond}, hey: &heyResult{rate: 990, p50: time.Millisecond, p99: 3 * time.Millisecond, max: 9 * time.Millisecond}},
		{wl: "A", target: convUncached, fixed: fixed},
		{wl: "W1", target: b1Name, fixed: fixed},
		{wl: "W1", target: "Convene", fixed: fixed},
	}}
	var b strings.Builder
	r.renderHey(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) })
	var header int
	rows := 0
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		if header == 0 {
			header = strings.Count(line, "|")
		}
		if n := strings.Count(line, "|"); n != header {
			t.Fatalf("a row of %d cells in a table of %d:\n%s", n-1, header-1, b.String())
		}
		rows++
	}
	for _, want := range []string{"| W1 uncached | 1000 | 60% | 600µs (400µs) | 2.00ms | 30.0ms | 600µs | 900µs | 1.50ms | 20.0ms | 990 | 1.00ms | 3.00ms | 9.00ms |", "| A uncached |", "| W1 B1 |"} {
		if !strings.Contains(b.String(), want) {
			t.Fatalf("the pacer's table:\n%s\nwant %s", b.String(), want)
		}
	}
	if rows != 2+3 {
		t.Fatalf("%d table lines, want a header, its rule and three rows:\n%s", rows, b.String())
	}
}

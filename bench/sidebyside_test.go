package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSideBySideMedians: each round's ratio compares the servers of that
// round, so a round the machine slowed for all three (the second) moves
// neither median, and the targets read the medians, not the rows.
func TestSideBySideMedians(t *testing.T) {
	phase := func(reqs int, cpu time.Duration) loadResult {
		return loadResult{Requests: reqs, Wall: time.Second, ServerCPU: cpu * time.Duration(reqs)}
	}
	sb := &sideBySide{wl: "W1", names: []string{convUncached, b1Name, b2Name}, rounds: [][]loadResult{
		{phase(30000, 33*time.Microsecond), phase(50000, 20*time.Microsecond), phase(6000, 160*time.Microsecond)},
		{phase(15000, 66*time.Microsecond), phase(25000, 40*time.Microsecond), phase(3000, 320*time.Microsecond)},
		{phase(28000, 35*time.Microsecond), phase(50000, 20*time.Microsecond), phase(5000, 190*time.Microsecond)},
	}}
	if got := median(sb.ratios(0, 2)); got != 5 { // 5.0, 5.0, 5.6
		t.Fatalf("median rate ratio to B2 %.3f, want 5", got)
	}
	if got := median(sb.ratios(0, 1)); got != 0.6 { // 0.6, 0.6, 0.56
		t.Fatalf("median rate ratio to B1 %.3f, want 0.6", got)
	}
	if got := median(sb.cpuRatios(0, 2)); got < 4.84 || got > 4.86 { // 4.85, 4.85, 5.43
		t.Fatalf("median CPU ratio to B2 %.3f, want 4.85", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 3 {
		t.Fatalf("median of an even count %.2f, want the upper middle, 3", got)
	}

	// The rows alone would miss W1 against B2 (25,000 vs 6,000 req/s);
	// the rounds' median meets it.
	r := &results{cfg: &config{conns: 32}, sideBySide: []*sideBySide{sb}, reads: []*readRow{
		{wl: "W1", target: convUncached, peak: phase(25000, 40*time.Microsecond)},
		{wl: "W1", target: b1Name, peak: phase(50000, 20*time.Microsecond)},
		{wl: "W1", target: b2Name, peak: phase(6000, 160*time.Microsecond)},
	}}
	var verdict [3]string
	for _, tg := range r.targets() {
		if strings.HasPrefix(tg[0], "W1 without the response cache") {
			verdict = tg
		}
	}
	if !strings.Contains(verdict[1], "median of 3 rounds: 0.60× B1, 5.00× B2") || verdict[2] != "met" {
		t.Fatalf("W1 target %q", verdict)
	}
	var out strings.Builder
	r.renderSideBySide(func(f string, a ...any) { fmt.Fprintf(&out, f, a...) })
	if !strings.Contains(out.String(), "| median | 28000 | 35µs | 50000 | 20µs | 5000 | 190µs | **0.60×** | 0.61× | **5.00×** | 4.85× |") {
		t.Fatalf("table:\n%s", out.String())
	}
}

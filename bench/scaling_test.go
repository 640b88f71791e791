package main

import (
	"testing"
	"time"
)

// TestScalingMedians: a cell is the median round at one size, and a ratio
// the median of the ratios within a round, so one disturbed round (here
// the third, slow at both sizes) moves neither.
func TestScalingMedians(t *testing.T) {
	round := func(reqs int, cpu time.Duration) loadResult {
		return loadResult{Requests: reqs, Wall: time.Second, ServerCPU: cpu * time.Duration(reqs)}
	}
	small := []loadResult{round(1000, 500*time.Microsecond), round(1100, 480*time.Microsecond), round(200, 2*time.Millisecond),
		round(1050, 490*time.Microsecond), round(990, 510*time.Microsecond)}
	large := []loadResult{round(900, 550*time.Microsecond), round(1000, 530*time.Microsecond), round(180, 2200*time.Microsecond),
		round(950, 540*time.Microsecond), round(900, 560*time.Microsecond)}
	if c := cellOf(small); c.rate != 1000 || c.cpu != 500*time.Microsecond {
		t.Fatalf("cell %+v, want the median round's 1000 req/s and 500µs", c)
	}
	r := ratiosOf([][]loadResult{small, large})
	if r.rate < 0.899 || r.rate > 0.91 { // the rounds: 0.900, 0.909, 0.900, 0.905, 0.909
		t.Fatalf("rate ratio %.3f, want about 0.90", r.rate)
	}
	if r.cpu < 0.905 || r.cpu > 0.915 { // 0.909, 0.906, 0.909, 0.907, 0.911
		t.Fatalf("CPU ratio %.3f, want about 0.91", r.cpu)
	}
	if r := ratiosOf([][]loadResult{{{}}, {{}}}); r.rate != 0 || r.cpu != 0 {
		t.Fatalf("ratios of empty rounds %+v, want none", r)
	}
}

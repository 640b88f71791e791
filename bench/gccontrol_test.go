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

package app

import (
	"encoding/json"
	"testing"

	"convene/hub"
)

// TestSeriesWithoutTheFigures: commitmentStats asked for its progressSeries
// alone skips rolling up the figures; the series is the same as beside
// them, at now and asOf, and a bad filter or instant is still refused.
func TestSeriesWithoutTheFigures(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	const series = `progressSeries(interval: QUARTER, from: "2011-01-01", to: "2015-12-31") { start end progress commitments reports }`
	for _, args := range []string{`(filter: {sectors: [CIVIL_SOCIETY]})`, `(filter: {statuses: [DELAYED, AT_RISK]}, asOf: "2014-06-30T12:00:00Z")`, ``} {
		alone := s.do(true, `{ commitmentStats`+args+` { `+series+` } }`, nil)
		beside := s.do(true, `{ commitmentStats`+args+` { total byStatus { status count } `+series+` } }`, nil)
		var a, b struct {
			CommitmentStats struct{ ProgressSeries json.RawMessage }
		}
		s.mustDecode(alone, &a)
		s.mustDecode(beside, &b)
		if len(a.CommitmentStats.ProgressSeries) < 100 || string(a.CommitmentStats.ProgressSeries) != string(b.CommitmentStats.ProgressSeries) {
			t.Errorf("commitmentStats%s: the series alone\n%s\ndiffers from the series beside the figures\n%s", args, alone.body, beside.body)
		}
	}
	for _, args := range []string{`(filter: {pillarIds: ["not an id"]})`, `(asOf: "2999-01-01T00:00:00Z")`} {
		if r := s.do(true, `{ commitmentStats`+args+` { `+series+` } }`, nil); r.code() != "BAD_USER_INPUT" {
			t.Errorf("commitmentStats%s, the series alone: %s, want BAD_USER_INPUT", args, r.body)
		}
	}
}

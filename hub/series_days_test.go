package hub

import (
	"testing"
	"time"
)

// TestSeriesDaysAsTimeReadsThem holds dayOf to DateOf and dayMillis to
// time.Parse, on every day of several years (a leap year among them),
// the first and last years a date can hold, and strings that are no day.
func TestSeriesDaysAsTimeReadsThem(t *testing.T) {
	var days []time.Time
	for _, y := range []int{0, 1, 999, 1900, 2000, 2015, 2016, 2100, 9999} {
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			days = append(days, d)
		}
	}
	days = append(days, time.Date(-1, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, d := range days {
		if got, want := dayOf(d), DateOf(d); got != want {
			t.Fatalf("dayOf(%v) = %q, want %q", d, got, want)
		}
	}
	dates := []Date{"2015-02-29", "2016-02-29", "2015-04-31", "2015-13-01", "2015-00-10", "2015-01-00", "2015-1-01",
		"2015-01-1x", "20150101", "", "+015-01-01", "2015-01-01T00:00:00Z", "0000-01-01", "9999-12-31"}
	for _, d := range days {
		dates = append(dates, DateOf(d))
	}
	for _, d := range dates {
		p, _ := time.Parse(time.DateOnly, string(d))
		if got, want := dayMillis(d), p.UnixMilli(); got != want {
			t.Fatalf("dayMillis(%q) = %d, want %d", d, got, want)
		}
	}
}

package hub

import (
	"reflect"
	"testing"
	"time"
)

func TestReportsRoundTrip(t *testing.T) {
	var full []ProgressReport
	fill(t, reflect.ValueOf(&full).Elem(), 5)
	cases := [][]ProgressReport{
		nil,
		full,
		{{Progress: 0, Status: NotStarted, ReportedAt: time.UnixMilli(5).UTC()}},
		{{Progress: 100, Status: Completed, Note: "done", ReportedBy: SystemActor, ReportedAt: time.UnixMilli(1_700_000_000_123).UTC()}},
	}
	for _, want := range cases {
		got, err := ReportsOf(want).First(len(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
	enc := ReportsOf(full)
	if got, err := enc.First(1); err != nil || !reflect.DeepEqual(got, full[:1]) {
		t.Fatalf("First(1) = %+v, %v", got, err)
	}
	if got, err := enc.First(9); err != nil || len(got) != 2 {
		t.Fatalf("First beyond the end: %d reports, %v", len(got), err)
	}
	// Appending leaves the bytes an earlier Reports holds as they were.
	r := ReportsOf(full[:1])
	kept := append(Reports(nil), r...)
	if r2 := r.Append(full[1]); !reflect.DeepEqual(r, kept) || len(r2) <= len(r) {
		t.Fatal("Append changed the reports it appended to")
	}
	for _, bad := range []Reports{{1}, enc[:10], append(append(Reports(nil), enc...), 4)} {
		if _, err := bad.First(3); err == nil {
			t.Fatalf("decoded malformed reports %v", bad)
		}
	}
}

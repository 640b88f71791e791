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
	for _, bad := range []Reports{{1}, enc[:10], append(append(Reports(nil), enc...), 4), {1, 3}, {3, 0}} {
		if _, err := bad.First(3); err == nil {
			t.Fatalf("decoded malformed reports %v", bad)
		}
	}
}

// Verdicts interleave with reports in log order; a state's counts of
// each name the prefix its events wrote, and reports written before
// actuals and verdicts existed read as they did.
func TestReportsWithVerdicts(t *testing.T) {
	var full []ProgressReport
	fill(t, reflect.ValueOf(&full).Elem(), 7)
	var verdicts []Verification
	fill(t, reflect.ValueOf(&verdicts).Elem(), 2)
	plain := ProgressReport{Progress: 40, Status: OnTrack, Note: "plain", ReportedAt: time.UnixMilli(9).UTC()}
	// report, verdict, report (with actuals), verdict, plain report
	r := Reports(nil).Append(full[0]).AppendVerdict(verdicts[0]).Append(full[1]).AppendVerdict(verdicts[1]).Append(plain)
	for _, c := range []struct{ n, k, wantN, wantK int }{
		{0, 0, 0, 0}, {1, 0, 1, 0}, {1, 1, 1, 1}, {2, 1, 2, 1}, {2, 2, 2, 2}, {3, 2, 3, 2}, {9, 9, 3, 2},
	} {
		reports, vs, err := r.Upto(c.n, c.k)
		if err != nil || len(reports) != c.wantN || len(vs) != c.wantK {
			t.Fatalf("Upto(%d, %d): %d reports, %d verdicts, %v", c.n, c.k, len(reports), len(vs), err)
		}
	}
	reports, vs, err := r.Upto(3, 2)
	if err != nil || !reflect.DeepEqual(reports, append(full[:2:2], plain)) || !reflect.DeepEqual(vs, verdicts) {
		t.Fatalf("round trip:\n got %+v %+v\nwant %+v %+v", reports, vs, full, verdicts)
	}
	// A plain report is encoded as before actuals existed.
	if !reflect.DeepEqual(ReportsOf([]ProgressReport{plain})[0], byte(80)) {
		t.Fatalf("a plain report starts with %d, want its progress's varint", ReportsOf([]ProgressReport{plain})[0])
	}
}

// A window decodes what the whole list holds at its numbers, and the
// verdicts on them, for every window of every prefix; malformed bytes
// fail a window as they fail the whole.
func TestReportsWindowAgreesWithUpto(t *testing.T) {
	var full []ProgressReport
	fill(t, reflect.ValueOf(&full).Elem(), 3)
	plain := ProgressReport{Progress: 40, Status: OnTrack, Note: "plain", ReportedAt: time.UnixMilli(9).UTC()}
	var r Reports
	var n, k int
	for i := range 8 {
		if i%3 == 0 {
			r = r.Append(full[i%len(full)])
		} else {
			r = r.Append(plain)
		}
		n++
		if i%2 == 1 {
			r = r.AppendVerdict(Verification{Report: n - i%3, Verdict: Verified, Note: "seen", At: time.UnixMilli(int64(i)).UTC()})
			k++
		}
	}
	for pn := 0; pn <= n+1; pn++ {
		for pk := 0; pk <= k; pk++ {
			all, allVerdicts, err := r.Upto(pn, pk)
			if err != nil {
				t.Fatal(err)
			}
			for from := 0; from <= len(all); from++ {
				for to := from; to <= len(all)+1; to++ {
					reports, verdicts, total, err := r.Window(pn, pk, from, to)
					if err != nil || total != len(all) {
						t.Fatalf("Window(%d, %d, %d, %d): total %d, %v; want %d", pn, pk, from, to, total, err, len(all))
					}
					var want []Verification
					for _, v := range allVerdicts {
						if from < v.Report && v.Report <= to {
							want = append(want, v)
						}
					}
					if got := all[from:min(to, len(all))]; len(got)+len(reports) > 0 && !reflect.DeepEqual(reports, got) || !reflect.DeepEqual(verdicts, want) {
						t.Fatalf("Window(%d, %d, %d, %d):\n got %+v %+v\nwant %+v %+v", pn, pk, from, to, reports, verdicts, got, want)
					}
				}
			}
		}
	}
	for _, bad := range []Reports{{1}, r[:10], append(append(Reports(nil), r...), 4), {1, 3}, {3, 0}} {
		if _, _, _, err := bad.Window(9, 9, 1, 2); err == nil {
			t.Fatalf("a window of malformed reports %v decoded", bad)
		}
	}
}

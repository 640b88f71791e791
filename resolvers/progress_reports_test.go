package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
	"convene/seed"
)

// ProgressReports decodes only its page's reports. This pages the whole
// list the way it was paged before (every report decoded, then cut) and
// requires the same connection for every window the arguments can ask:
// first, last, after and before each report, verdicts on some reports.
func TestProgressReportsPagesAsTheWholeList(t *testing.T) {
	ctx := context.Background()
	h, err := hub.OpenInMemory(ctx, hub.Options{Logger: slog.New(slog.DiscardHandler), SnapshotInterval: -1, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	if err := seed.Load(ctx, h); err != nil {
		t.Fatal(err)
	}
	c := h.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "2026-01-01")[0]
	onTrack := hub.OnTrack
	for i := range 9 {
		in := hub.ReportProgressInput{CommitmentID: c.ID, Progress: 10 * i, Status: &onTrack, Note: fmt.Sprintf("report %d", i)}
		if _, _, err := h.ReportProgress(ctx, hub.SystemActor, in); err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 {
			c = hub.Commitments.Get(h.Model(), c.ID)
			v := hub.VerifyReportInput{CommitmentID: c.ID, Report: c.ReportCount - 1, Verdict: hub.Verified, Note: fmt.Sprintf("verdict %d", i)}
			if _, _, err := h.VerifyProgressReport(ctx, hub.SystemActor, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	c = hub.Commitments.Get(h.Model(), c.ID)
	r := &commitmentResolver{&Resolver{Hub: h}}
	n := c.ReportCount
	if n < 9 {
		t.Fatalf("the commitment has %d reports", n)
	}

	// The whole list, paged as before.
	reports, verdicts, err := h.Model().ReportsAndVerdicts(c)
	if err != nil {
		t.Fatal(err)
	}
	items := make([]*gqltype.ProgressReport, len(reports))
	index := map[*gqltype.ProgressReport]int{}
	for i := range reports {
		v := &gqltype.ProgressReport{ProgressReport: &reports[i], CommitmentID: c.ID, Number: i + 1, Verification: hub.VerdictOn(verdicts, i+1)}
		items[len(items)-1-i], index[v] = v, i
	}
	key := func(v *gqltype.ProgressReport) string { return fmt.Sprintf("%06d", index[v]) }

	cursors := []*string{nil}
	for _, v := range items {
		s := opaque.ListCursor(key(v))
		cursors = append(cursors, &s)
	}
	sizes := []*int{nil}
	for k := range n + 2 {
		sizes = append(sizes, &k)
	}
	asked := 0
	for _, size := range sizes {
		for _, after := range cursors {
			for _, before := range cursors {
				for _, last := range []bool{false, true} {
					a := pageArgs{after: after, before: before}
					if last {
						a.last = size
					} else {
						a.first = size
					}
					want, wantErr := connection[model.ProgressReportConnection, model.ProgressReportEdge](items, key, true, a, asIs)
					got, gotErr := r.ProgressReports(ctx, &gqltype.Commitment{Commitment: c}, a.first, a.after, a.last, a.before)
					if (wantErr == nil) != (gotErr == nil) {
						t.Fatalf("%+v: error %v, want %v", a, gotErr, wantErr)
					}
					w, _ := json.Marshal(want)
					g, _ := json.Marshal(got)
					if string(w) != string(g) {
						t.Fatalf("%+v:\n got %s\nwant %s", a, g, w)
					}
					asked++
				}
			}
		}
	}
	t.Logf("%d windows of %d reports", asked, n)
}

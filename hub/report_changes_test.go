package hub_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"convene/hub"
)

// TestReportAndVerdictChanges: a progress report's and a verdict's
// recorded changes are every field they move, as the commitment stands
// after them, the completion dated at the report.
func TestReportAndVerdictChanges(t *testing.T) {
	st, _ := openStore(t)
	w := newVerifyWorld(t, st)
	at := time.Date(2013, 6, 1, 9, 30, 0, 0, time.UTC)
	done := hub.Completed
	if _, _, err := w.h.ReportProgress(context.Background(), w.lead, hub.ReportProgressInput{CommitmentID: w.id, Progress: 100, Status: &done, Note: "finished", At: at}); err != nil {
		t.Fatal(err)
	}
	if err := w.verify(w.ngo, 2, hub.Verified); err != nil {
		t.Fatal(err)
	}
	h, err := w.h.Model().History(hub.TypeCommitment, w.id)
	if err != nil {
		t.Fatal(err)
	}
	fields := func(c hub.Change) map[string]string {
		out := map[string]string{}
		for _, f := range c.Fields {
			out[f.Field] = "-"
			if f.After != nil {
				out[f.Field] = *f.After
			}
		}
		return out
	}
	report, verdict := fields(h[len(h)-2]), fields(h[len(h)-1])
	if want := map[string]string{"progress": "100", "status": `"COMPLETED"`, "completedAt": `"2013-06-01T09:30:00Z"`}; !maps.Equal(report, want) {
		t.Errorf("the report changed %v, want %v", report, want)
	}
	if verdict["verification"] != `"VERIFIED"` || verdict["verifiedProgress"] != "100" || verdict["verdict"] == "" || len(verdict) != 3 {
		t.Errorf("the verdict changed %v", verdict)
	}
}

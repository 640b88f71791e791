package hub_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"convene/hub"
)

// TestProgressSeriesOfIsTheSeriesOfItsIDs holds the series over the rows
// a filter selects to the series over the IDs it selects: on the seeded
// hub, after a commitment is created and reported on, after a restart
// (the timelines rebuilt from the histories), and on a view of the past.
func TestProgressSeriesOfIsTheSeriesOfItsIDs(t *testing.T) {
	h, log, _ := seeded(t)
	ctx := context.Background()
	m := h.Model()
	pillar := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")[0].PillarID
	yes := true
	filters := map[string]hub.CommitmentFilter{
		"all":     {},
		"sector":  {Sectors: []hub.Sector{hub.AllSectors[0]}},
		"pillar":  {PillarIDs: []string{pillar}},
		"status":  {Statuses: []hub.CommitmentStatus{hub.OnTrack, hub.Delayed}},
		"overdue": {Overdue: &yes},
		"none":    {PillarIDs: []string{"no-such-pillar"}},
	}
	periods, err := hub.SeriesPeriods(hub.Quarter, "2010-10-01", "2016-12-31")
	if err != nil {
		t.Fatal(err)
	}
	same := func(when string, m *hub.ReadModel, today hub.Date) {
		t.Helper()
		for name, f := range filters {
			got, err := m.ProgressSeriesOf(f, today, periods)
			if err != nil {
				t.Fatal(err)
			}
			want, err := m.ProgressSeries(m.CommitmentIDs(f, today), periods)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, %s: the rows' series\n%+v\nthe IDs' series\n%+v", when, name, got, want)
			}
			if name == "all" && got[len(got)-1].Commitments == 0 {
				t.Fatalf("%s: no commitment in the series", when)
			}
		}
	}
	today := h.Today()
	same("seeded", m, today)

	c := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")[0]
	created, err := h.CreateCommitment(ctx, hub.SystemActor, hub.CreateCommitmentInput{ObjectiveID: c.ObjectiveID, LeadID: c.LeadID,
		Title: "A commitment made after the seed", StartDate: "2014-01-01", DueDate: "2015-06-30", At: time.Date(2014, 2, 1, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	onTrack := hub.OnTrack
	if _, _, err := h.ReportProgress(ctx, hub.SystemActor, hub.ReportProgressInput{CommitmentID: created.ID, Progress: 40, Status: &onTrack,
		Note: "Under way", At: time.Date(2014, 8, 1, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	same("after a new commitment", m, today)

	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := hub.Open(ctx, log, hub.Options{SnapshotInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	same("after a restart", again.Model(), today)

	v, err := again.Model().At(time.Date(2013, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	same("at the end of 2013", v, today)
}

package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"convene/hub"
)

// asOfReplay is the model at t by its definition: each entity's events
// replayed while their time, and every earlier one's of the entity, is at
// or before t. The kept events are renumbered, so a batch's positions no
// longer hold: each is applied on its own.
func asOfReplay(t *testing.T, events []*hub.Event, at time.Time) *hub.ReadModel {
	t.Helper()
	latest := map[string]time.Time{}
	stopped := map[string]bool{}
	m := hub.NewReadModel()
	var seq int64
	for _, e := range events {
		s := e.Stream()
		if e.At.After(latest[s]) {
			latest[s] = e.At
		}
		if stopped[s] || latest[s].After(at) {
			stopped[s] = true
			continue
		}
		seq++
		c := *e
		c.Seq = seq
		c.Batch = nil // atomicity is the readers'; the definition replays each event on its own
		if err := m.Apply(&c); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// figures is what the tests compare of a model: every commitment as JSON
// with its hidden fields, the stakeholders, and the roll-up.
func figures(t *testing.T, m *hub.ReadModel, today hub.Date) string {
	t.Helper()
	type row struct {
		C                    *hub.Commitment
		Version, ReportCount int
		Updated              time.Time
		Reports              []hub.ProgressReport
	}
	var rows []row
	for _, c := range m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, today) {
		reports, err := m.ProgressReports(c)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row{c, c.Version, c.ReportCount, c.UpdatedAt, reports})
	}
	out, err := json.Marshal(map[string]any{"commitments": rows, "stakeholders": m.Stakeholders(hub.StakeholderFilter{}),
		"stats": m.Stats(hub.CommitmentFilter{}, today), "overdue": m.Stats(hub.CommitmentFilter{Overdue: ptr(true)}, today)})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestAsOfIsTheReplayUpToThen: on the demo data, whose times are the
// plan's own and come in no order, the view at each instant equals
// replaying what had happened by then; after a restart (the timelines
// rebuilt from the histories) too.
func TestAsOfIsTheReplayUpToThen(t *testing.T) {
	h, log, _ := seeded(t)
	events, err := log.ReadAfter(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// The instants: before anything, around every report of a few
	// commitments and every parent's roll-up, the end of each year, and now.
	instants := []time.Time{time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC), time.Now()}
	for y := 2011; y <= 2016; y++ {
		instants = append(instants, time.Date(y, 12, 31, 23, 59, 59, 0, time.UTC))
	}
	rollUps := 0
	for i, e := range events {
		if e.Kind == hub.KindProgressRolledUp {
			rollUps++
		}
		if i%40 == 0 || e.Kind == hub.KindProgressRolledUp {
			instants = append(instants, e.At, e.At.Add(-time.Millisecond))
		}
	}
	if rollUps == 0 {
		t.Fatal("the demo has no roll-up of a parent's progress")
	}
	live := map[time.Time]string{}
	for _, at := range instants {
		v, err := h.Model().At(at)
		if err != nil {
			t.Fatal(err)
		}
		today := hub.DateOf(at)
		got, want := figures(t, v, today), figures(t, asOfReplay(t, events, at), today)
		if got != want {
			t.Fatalf("at %v:\n got %.600s\nwant %.600s", at, got, want)
		}
		live[at] = got
	}
	if v, _ := h.Model().At(time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)); v.Stats(hub.CommitmentFilter{}, "2009-01-01").Total != 0 {
		t.Error("before the plan, the hub held commitments")
	}

	// A restart loads the checkpoint: the timelines come from the histories.
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(context.Background())
	for _, at := range instants {
		v, err := again.Model().At(at)
		if err != nil {
			t.Fatal(err)
		}
		if got := figures(t, v, hub.DateOf(at)); got != live[at] {
			t.Fatalf("after a restart, at %v:\n got %.600s\nwant %.600s", at, got, live[at])
		}
	}
}

// TestAsOfKeepsTodaysPolicy: a meeting made private after t is hidden in
// the view at t from those who may not see it now.
func TestAsOfKeepsTodaysPolicy(t *testing.T) {
	h, _, _ := seeded(t)
	m := h.Model()
	var public *hub.Meeting
	for _, mt := range m.Meetings(hub.MeetingFilter{}) {
		if !mt.Private {
			public = mt
			break
		}
	}
	if public == nil {
		t.Fatal("the demo has no public meeting")
	}
	then := time.Now()
	time.Sleep(2 * time.Millisecond) // event times hold milliseconds: the change comes after then
	private := true
	if _, err := h.UpdateMeeting(context.Background(), hub.SystemActor, hub.UpdateMeetingInput{ID: public.ID, Private: &private}); err != nil {
		t.Fatal(err)
	}
	v, err := m.At(then)
	if err != nil {
		t.Fatal(err)
	}
	if got := hub.Meetings.Get(v, public.ID); got == nil || got.Private {
		t.Fatalf("the view holds the meeting as %+v, want it public as it was", got)
	}
	anonymous := v.Meetings(hub.MeetingFilter{})
	if slices.ContainsFunc(anonymous, func(mt *hub.Meeting) bool { return mt.ID == public.ID }) || v.CanSee(hub.Viewer{}, hub.TypeMeeting, public.ID) {
		t.Error("the view shows an anonymous caller a meeting that is private now")
	}
	if !v.CanSee(hub.Viewer{Role: hub.RoleAdmin}, hub.TypeMeeting, public.ID) {
		t.Error("the view hides the meeting from an admin")
	}
}

// TestProgressSeriesIsTheViewAtEachPeriodsEnd: each point of a series is
// what the view at its period's end says, and counts the reports made in
// the period.
func TestProgressSeriesIsTheViewAtEachPeriodsEnd(t *testing.T) {
	h, _, _ := seeded(t)
	m := h.Model()
	all := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")
	var ids []string
	reportsAt := map[hub.Date]int{} // by the month's first day
	for _, c := range all {
		ids = append(ids, c.ID)
		reports, err := m.ProgressReports(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reports {
			reportsAt[hub.DateOf(r.ReportedAt.UTC())[:7]+"-01"]++
		}
	}
	periods, err := hub.SeriesPeriods(hub.Month, "2010-11-15", "2016-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if len(periods) != 68 || periods[0].Start != "2010-11-01" || periods[0].End != "2010-11-30" || periods[67].End != "2016-06-30" {
		t.Fatalf("periods %v … %v (%d)", periods[0], periods[len(periods)-1], len(periods))
	}
	series, err := m.ProgressSeries(ids, periods)
	if err != nil {
		t.Fatal(err)
	}
	moved := false
	for i, p := range series {
		end, _ := time.Parse(time.DateOnly, string(p.End))
		v, err := m.At(end.AddDate(0, 0, 1).Add(-time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		s := v.Stats(hub.CommitmentFilter{}, p.End)
		if p.Commitments != s.Total || p.Progress != s.AverageProgress || p.Reports != reportsAt[p.Start] {
			t.Errorf("%s–%s: %+v; the view then: %d commitments at %.2f, %d reports", p.Start, p.End, p, s.Total, s.AverageProgress, reportsAt[p.Start])
		}
		moved = moved || (i > 0 && p.Progress != series[i-1].Progress)
	}
	if !moved {
		t.Error("the demo's progress never moved")
	}
}

func TestSeriesPeriodsBounds(t *testing.T) {
	for _, c := range []struct {
		interval hub.SeriesInterval
		from, to hub.Date
		n        int
		first    hub.Date
		last     hub.Date
	}{
		{hub.Quarter, "2013-02-10", "2013-11-30", 4, "2013-01-01", "2013-12-31"},
		{hub.Year, "2011-06-01", "2015-01-01", 5, "2011-01-01", "2015-12-31"},
		{hub.Month, "2024-02-29", "2024-02-29", 1, "2024-02-01", "2024-02-29"},
		{hub.Month, "2000-01-01", "2019-12-31", 240, "2000-01-01", "2019-12-31"},
	} {
		got, err := hub.SeriesPeriods(c.interval, c.from, c.to)
		if err != nil || len(got) != c.n || got[0].Start != c.first || got[len(got)-1].End != c.last {
			t.Errorf("%s %s–%s: %v, %v", c.interval, c.from, c.to, got, err)
		}
	}
	for _, c := range []struct {
		interval hub.SeriesInterval
		from, to hub.Date
	}{
		{hub.Month, "2000-01-01", "2020-01-01"}, // 241 points
		{hub.Year, "2015-01-01", "2014-12-31"},
		{hub.Year, "2015-02-30", "2016-01-01"},
		{"WEEK", "2015-01-01", "2016-01-01"},
	} {
		if _, err := hub.SeriesPeriods(c.interval, c.from, c.to); !errors.Is(err, hub.ErrSeries) {
			t.Errorf("%s %s–%s: %v", c.interval, c.from, c.to, err)
		}
	}
}

// TestAsOfWhileWriting: views are built and read while reports apply
// (run with -race).
func TestAsOfWhileWriting(t *testing.T) {
	h, _, id := seeded(t)
	done := make(chan error, 1)
	go func() {
		onTrack := hub.OnTrack // the largest commitment may be completed: a report reopens it
		for i := range 40 {
			if _, _, err := h.ReportProgress(context.Background(), hub.SystemActor, hub.ReportProgressInput{CommitmentID: id, Progress: 1 + i, Status: &onTrack, Note: "concurrent"}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 40; i++ {
		at := time.Now()
		v, err := h.Model().At(at)
		if err != nil {
			t.Fatal(err)
		}
		if s := v.Stats(hub.CommitmentFilter{Search: "a"}, hub.DateOf(at)); s.Total == 0 {
			t.Fatal("an empty view of now")
		}
		v.CommitmentPage(hub.CommitmentFilter{Statuses: []hub.CommitmentStatus{hub.OnTrack}}, hub.CommitmentOrder{Field: hub.OrderByTitle}, hub.DateOf(at), hub.Window{Count: true})
		if _, err := hub.Commitments.At(h.Model(), id, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestAsOfViewsAreKeptUntilAWrite: the same instant asked again is the
// same view, until the log moves on.
func TestAsOfViewsAreKeptUntilAWrite(t *testing.T) {
	h, _, id := seeded(t)
	m := h.Model()
	at := time.Date(2013, 12, 31, 23, 59, 59, 0, time.UTC)
	a, _ := m.At(at)
	if b, _ := m.At(at); a != b {
		t.Error("the same instant built twice")
	}
	if _, _, err := h.ReportProgress(context.Background(), hub.SystemActor, hub.ReportProgressInput{CommitmentID: id, Progress: 42, Status: ptr(hub.OnTrack), Note: "later"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := m.At(at); c == a {
		t.Error("a view kept across a write")
	}
}

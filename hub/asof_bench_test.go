package hub_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// Time travel on the harness's default dataset: 10,000 commitments and
// 100,000 events (the commitments' creation and nine progress reports
// each, spread over five years). Each iteration asks for another instant,
// so no view is reused from the cache.

var (
	historyOnce  sync.Once
	historyModel *hub.ReadModel
	historyStart = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
)

const historyReports = 9

// historyEvents is benchEvents with the progress reports.
func historyEvents() []*hub.Event {
	events := benchEvents()
	var reports []*hub.Event
	for _, e := range events {
		c := hub.Commitments.Of(e.State)
		if c == nil {
			continue
		}
		prev := c
		for k := 1; k <= historyReports; k++ {
			next := *prev
			next.Version, next.ReportCount = prev.Version+1, prev.ReportCount+1
			next.Progress = min(100, k*11)
			next.Status = hub.OnTrack
			if k%4 == 0 {
				next.Status = hub.AtRisk
			}
			at := historyStart.Add(time.Duration(k) * 200 * 24 * time.Hour).Add(time.Duration(len(reports)%1000) * time.Minute)
			next.UpdatedAt = at
			r := &hub.ProgressReport{Progress: next.Progress, Status: next.Status, Note: "Delivered as planned.", ReportedBy: hub.SystemActor, ReportedAt: at}
			before, after := "0", "0"
			reports = append(reports, &hub.Event{Type: hub.TypeCommitment, EntityID: c.ID, Version: next.Version, Kind: hub.KindProgressReported,
				Actor: hub.SystemActor, At: at, State: hub.StateOf(&next), Report: r,
				Changes: []hub.FieldChange{{Field: "progress", Before: &before, After: &after}}})
			prev = &next
		}
	}
	events = append(events, reports...)
	for i, e := range events {
		e.Seq = int64(i + 1)
	}
	return events
}

func historyModelOf(b *testing.B) *hub.ReadModel {
	b.Helper()
	historyOnce.Do(func() {
		historyModel = hub.NewReadModel()
		if err := historyModel.Apply(historyEvents()...); err != nil {
			panic(err)
		}
	})
	return historyModel
}

// instant is the i-th instant asked: a different one each time, within
// the dataset's five years.
func instant(i int) time.Time {
	return historyStart.Add(time.Duration(i*397%1826)*24*time.Hour + time.Duration(i)*time.Second)
}

// BenchmarkAsOfStats is `commitmentStats(asOf:)`: the view at an instant
// and its roll-up, overdue judged then.
func BenchmarkAsOfStats(b *testing.B) {
	m := historyModelOf(b)
	b.ResetTimer()
	for i := range b.N {
		at := instant(i)
		v, err := m.At(at)
		if err != nil {
			b.Fatal(err)
		}
		if s := v.Stats(hub.CommitmentFilter{}, hub.DateOf(at)); s.Total != benchCommitments {
			b.Fatalf("%d commitments at %v", s.Total, at)
		}
	}
}

// BenchmarkAsOfCommitmentsPage is `commitments(asOf:, filter:, first: 20)`.
func BenchmarkAsOfCommitmentsPage(b *testing.B) {
	m := historyModelOf(b)
	first := 20
	f := hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}, Statuses: []hub.CommitmentStatus{hub.OnTrack}}
	b.ResetTimer()
	for i := range b.N {
		at := instant(i)
		v, err := m.At(at)
		if err != nil {
			b.Fatal(err)
		}
		v.CommitmentPage(f, hub.CommitmentOrder{Field: hub.OrderByDueDate}, hub.DateOf(at), hub.Window{First: &first, Count: true})
	}
}

// BenchmarkAsOfCommitment is `commitment(id:, asOf:)`: one entity's
// version at an instant.
func BenchmarkAsOfCommitment(b *testing.B) {
	m := historyModelOf(b)
	b.ResetTimer()
	for i := range b.N {
		if c, err := hub.Commitments.At(m, "C-1.1-001", instant(i)); c == nil || err != nil {
			b.Fatal("no commitment", err)
		}
	}
}

// BenchmarkProgressSeries is `commitmentStats { progressSeries(interval:
// MONTH) }` over five years: every commitment, 60 points.
func BenchmarkProgressSeries(b *testing.B) {
	m := historyModelOf(b)
	all := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, benchToday)
	ids := make([]string, len(all))
	for i, c := range all {
		ids[i] = c.ID
	}
	periods, err := hub.SeriesPeriods(hub.Month, "2024-01-01", "2028-12-31")
	if err != nil || len(periods) != 60 {
		b.Fatal(len(periods), err)
	}
	b.ResetTimer()
	for range b.N {
		s, err := m.ProgressSeries(ids, periods)
		if err != nil || s[59].Commitments != benchCommitments {
			b.Fatal(err)
		}
	}
}

// BenchmarkProgressSeriesOf is BenchmarkProgressSeries over the rows a
// filter (here every commitment) selects, as commitmentStats and the
// pillars and objectives ask for it: no list of IDs, no look-up by id.
func BenchmarkProgressSeriesOf(b *testing.B) {
	m := historyModelOf(b)
	periods, err := hub.SeriesPeriods(hub.Month, "2024-01-01", "2028-12-31")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		s, err := m.ProgressSeriesOf(hub.CommitmentFilter{}, benchToday, periods)
		if err != nil || s[59].Commitments != benchCommitments {
			b.Fatal(err)
		}
	}
}

// BenchmarkAsOfFirstAfterRestart is the first `asOf` after a restart,
// which rebuilds every timeline from the checkpoint's histories (a
// restart loads the latest states only) under the model's write lock.
func BenchmarkAsOfFirstAfterRestart(b *testing.B) {
	// The checkpoint of the dataset: each entity's last state, history
	// and reports, complete up to the last event.
	events := historyEvents()
	last := map[string]*hub.Event{}
	changes := map[string][]hub.Change{}
	reports := map[string][]hub.ProgressReport{}
	var order []string
	for _, e := range events {
		s := e.Stream()
		if last[s] == nil {
			order = append(order, s)
		}
		last[s] = e
		changes[s] = append(changes[s], e.Change())
		if e.Report != nil {
			reports[s] = append(reports[s], *e.Report)
		}
	}
	log := &memoryLog{watermark: int64(len(events))}
	for _, s := range order {
		log.snaps = append(log.snaps, hub.Snapshot{State: last[s].State, History: hub.HistoryOf(changes[s]), Reports: hub.ReportsOf(reports[s])})
	}
	for range len(events) { // the log itself: positions only, read past by the restart
		log.events = append(log.events, nil)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		h, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: -1, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := h.Model().At(instant(i)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		h.Close(context.Background())
		b.StartTimer()
	}
}

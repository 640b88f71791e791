package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"convene/hub"
	"convene/seed"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// memoryLog is an event log with its checkpoints in memory. It keeps
// events as a store does: as Event.Stored gives them.
type memoryLog struct {
	mu        sync.Mutex
	events    []*hub.Event
	snaps     []hub.Snapshot
	watermark int64
}

func (l *memoryLog) Append(_ context.Context, e *hub.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Seq != int64(len(l.events))+1 {
		return fmt.Errorf("%w: seq %d", hub.ErrDuplicate, e.Seq)
	}
	s := *e.Stored()
	l.events = append(l.events, &s)
	return nil
}

func (l *memoryLog) ReadAfter(_ context.Context, seq int64) ([]*hub.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*hub.Event
	for _, e := range l.events[min(seq, int64(len(l.events))):] {
		c := *e // a copy, as a store decodes one
		out = append(out, &c)
	}
	return out, nil
}

func (l *memoryLog) LoadSnapshots(context.Context) ([]hub.Snapshot, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snaps, l.watermark, nil
}

func (l *memoryLog) SaveSnapshots(_ context.Context, snaps []hub.Snapshot, from, to int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if from == 0 {
		l.snaps = nil
	}
	l.snaps, l.watermark = append(l.snaps, snaps...), to
	return nil
}

// seeded is a hub on an in-memory log holding the demo data, and the
// demo commitment whose state is largest.
func seeded(tb testing.TB) (*hub.Hub, *memoryLog, string) {
	tb.Helper()
	log := &memoryLog{}
	h, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: time.Hour, // a checkpoint at Close
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { h.Close(context.Background()) })
	if err := seed.Load(context.Background(), h); err != nil {
		tb.Fatal(err)
	}
	largest, size := "", 0
	for _, c := range h.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "") {
		if n := bsonSize(tb, c); n > size {
			largest, size = c.ID, n
		}
	}
	return h, log, largest
}

func bsonSize(tb testing.TB, v any) int {
	tb.Helper()
	raw, err := bson.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return len(raw)
}

// report records a progress report, ON_TRACK, with an indicator value
// when the commitment has an indicator, and returns the event as the log
// keeps it.
func report(tb testing.TB, h *hub.Hub, log *memoryLog, id string, i int) *hub.Event {
	tb.Helper()
	onTrack := hub.OnTrack // the largest commitment may be completed: a report reopens it
	in := hub.ReportProgressInput{CommitmentID: id, Progress: 1 + i%99, Status: &onTrack, Note: fmt.Sprintf("Progress report %d: work goes on as planned.", i)}
	if c := hub.Commitments.Get(h.Model(), id); len(c.Indicators) > 0 {
		in.IndicatorValues = []hub.IndicatorValue{{Name: c.Indicators[0].Name, Value: float64(i)}}
	}
	if _, _, err := h.ReportProgress(context.Background(), hub.SystemActor, in); err != nil {
		tb.Fatal(err)
	}
	return log.events[len(log.events)-1]
}

// TestProgressReportEventSize: a progress report's event holds the one
// report it adds, so its size does not grow with the reports before it.
func TestProgressReportEventSize(t *testing.T) {
	h, log, id := seeded(t)
	first := bsonSize(t, report(t, h, log, id, 10))
	for i := 11; i < 300; i++ {
		report(t, h, log, id, i)
	}
	e := report(t, h, log, id, 300)
	last := bsonSize(t, e)
	// The event holds the indicators it changed, before and after, with
	// their periods and breakdowns: the commitment's own size, not its past.
	if last > 4096 || last > first+16 {
		t.Fatalf("a progress report's event: %d bytes at first, %d after 300 reports; want at most 4 KB, independent of the count", first, last)
	}
	c := hub.Commitments.Get(h.Model(), id)
	if e.Report == nil || e.Report.Note != "Progress report 300: work goes on as planned." || hub.Commitments.Of(e.State) != nil || c.ReportCount < 290 {
		t.Fatalf("the event's report %+v, state %+v, count %d", e.Report, e.State, c.ReportCount)
	}
	reports, err := h.Model().ProgressReports(c)
	if err != nil || len(reports) != c.ReportCount || !reflect.DeepEqual(reports[len(reports)-1], *e.Report) {
		t.Fatalf("the model's reports: %d, %v; want %d ending with the event's", len(reports), err, c.ReportCount)
	}
}

// BenchmarkProgressReportEvent reports the BSON size of a progress
// report's event on the demo commitment with the largest state, after as
// many reports as the benchmark runs.
func BenchmarkProgressReportEvent(b *testing.B) {
	h, log, id := seeded(b)
	var e *hub.Event
	i := 0
	for b.Loop() {
		e = report(b, h, log, id, i)
		i++
	}
	b.ReportMetric(float64(bsonSize(b, e)), "B/event")
	b.ReportMetric(float64(hub.Commitments.Get(h.Model(), id).ReportCount), "reports")
}

package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"convene/hub"
)

// heapLog is an event log that starts with given events and keeps no
// event appended after them, only its checkpoints: the heap then holds
// the hub alone.
type heapLog struct {
	memoryLog
	seq int64
}

func (l *heapLog) Append(_ context.Context, e *hub.Event) error {
	if e.Seq != l.seq+1 {
		return fmt.Errorf("%w: seq %d", hub.ErrDuplicate, e.Seq)
	}
	l.seq = e.Seq
	return nil
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkHeapAfterEvents builds the synthetic model of 10,000
// commitments, then records progress reports on 200 of them until the
// log holds 100,000 events (W4's writes), and reports the heap in use
// with the hub's in-memory events, and that of the same model reopened
// from its checkpoint (no events in memory): the read model's own size.
// Run it once: -benchtime 1x.
func BenchmarkHeapAfterEvents(b *testing.B) {
	for b.Loop() {
		base := heapInUse()
		log := &heapLog{memoryLog: memoryLog{events: benchEvents()}}
		log.seq = int64(len(log.events))
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		h, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: time.Hour, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		log.events = nil
		targets := h.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")[:200]
		for i := 0; h.Model().Seq() < 100_000; i++ {
			in := hub.ReportProgressInput{CommitmentID: targets[i%len(targets)].ID, Progress: 1 + i%99,
				Status: ptr(hub.OnTrack), Note: fmt.Sprintf("Benchmark report %d", i)}
			if _, _, err := h.ReportProgress(context.Background(), hub.SystemActor, in); err != nil {
				b.Fatal(err)
			}
		}
		withEvents := heapInUse() - base
		if err := h.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
		h = nil
		h2, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: -1, Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		log.snaps = nil
		model := heapInUse() - base
		if h2.Model().Seq() != 100_000 {
			b.Fatalf("reopened at %d", h2.Model().Seq())
		}
		b.ReportMetric(float64(withEvents)/(1<<20), "MB-heap")
		b.ReportMetric(float64(model)/(1<<20), "MB-model")
		b.ReportMetric(float64(withEvents)/float64(model), "heap/model")
		h2.Close(context.Background())
	}
}

func ptr[T any](v T) *T { return &v }

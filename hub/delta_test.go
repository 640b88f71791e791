package hub_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"convene/hub"
)

// follow collects the events after seq, up to the model's position now.
func follow(t *testing.T, h *hub.Hub, seq int64) []*hub.Event {
	t.Helper()
	end := h.Model().Seq()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*hub.Event
	done := errors.New("done")
	err := h.Follow(ctx, seq, func(*hub.Event) bool { return true }, func(e *hub.Event) error {
		out = append(out, e)
		if e.Seq == end {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) {
		t.Fatalf("following from %d: %v after %d events", seq, err, len(out))
	}
	return out
}

// TestStoredEventsRebuildTheirState: progress reports are stored without
// the commitment's state; applied from the log, and replayed from it to a
// subscriber, each has the state it made, as the writer had it.
func TestStoredEventsRebuildTheirState(t *testing.T) {
	h, log, id := seeded(t)
	other := "C-2.1-004" // ON_TRACK in the demo: it takes reports without a status
	seq0 := h.Model().Seq()
	title := "Renamed between reports"
	for i := range 12 {
		report(t, h, log, id, i)
		if i%3 == 0 {
			report(t, h, log, other, 50+i)
		}
		if i == 5 {
			if _, err := h.UpdateCommitment(context.Background(), hub.SystemActor, hub.UpdateCommitmentInput{ID: id, Title: &title}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := h.ReportProgress(context.Background(), hub.SystemActor, hub.ReportProgressInput{CommitmentID: other, Progress: 100, Status: ptr(hub.Completed), Note: "Done."}); err != nil {
		t.Fatal(err) // completes it: completedAt changes too
	}
	written := follow(t, h, seq0) // from memory: the writer's own events
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A reopened hub, from the checkpoint its Close wrote, holds none of
	// them in memory: it reads them back from the log and rebuilds their
	// states from its model.
	if _, watermark, _ := log.LoadSnapshots(context.Background()); watermark != h.Model().Seq() {
		t.Fatalf("checkpoint at %d, want %d", watermark, h.Model().Seq())
	}
	h2, err := hub.Open(context.Background(), log, hub.Options{SnapshotInterval: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close(context.Background())
	replayed := follow(t, h2, seq0)
	if len(replayed) != len(written) || len(written) != 18 {
		t.Fatalf("%d events replayed, %d written, want 18", len(replayed), len(written))
	}
	for i, w := range written {
		r := replayed[i]
		if !reflect.DeepEqual(r.State, w.State) || !reflect.DeepEqual(r.Changes, w.Changes) || !reflect.DeepEqual(r.Report, w.Report) {
			t.Fatalf("event %d (%s@%d) replayed as\n%+v\nwritten as\n%+v", r.Seq, r.Stream(), r.Version, *hub.Commitments.Of(r.State), *hub.Commitments.Of(w.State))
		}
	}
	if w := hub.Commitments.Of(written[len(written)-1].State); w.CompletedAt == nil || w.ReportCount == 0 {
		t.Fatalf("the last event's commitment: %+v", w)
	}

	// A model built from the log alone ends where the writer's did.
	events, _ := log.ReadAfter(context.Background(), 0)
	m := hub.NewReadModel()
	if err := m.Apply(events...); err != nil {
		t.Fatal(err)
	}
	for _, cid := range []string{id, other} {
		want, got := hub.Commitments.Get(h.Model(), cid), hub.Commitments.Get(m, cid)
		wantReports, _ := h.Model().ProgressReports(want)
		gotReports, err := m.ProgressReports(got)
		if err != nil || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotReports, wantReports) {
			t.Fatalf("%s from the log: %+v with %d reports (%v), want %+v with %d", cid, got, len(gotReports), err, want, len(wantReports))
		}
	}
}

package hub_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"convene/hub"
)

// forkBatch builds n communities on a fork of h and returns its events.
func forkBatch(t *testing.T, h *hub.Hub, prefix string, n int) []*hub.Event {
	t.Helper()
	ctx := context.Background()
	f, err := h.Fork(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close(ctx)
	for i := range n {
		id := fmt.Sprint(prefix, i)
		if err := f.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: id}, Name: id}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if hub.Communities.Get(h.Model(), prefix+"0") != nil {
		t.Fatal("a fork's command changed the hub it was forked from")
	}
	return f.Batch()
}

// TestBatchIsAllOrNothing: a batch shows once its last event is in the
// log, to its writer and to another instance; one cut short is never
// seen, and a restart voids it so that writing goes on.
func TestBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, uri := openStore(t)
	a := openHub(t, st)
	b := openHub(t, connect(t, uri))

	events := forkBatch(t, a, "whole-", 5)
	var seen []int
	if err := a.AppendBatch(ctx, events, func(done int) { seen = append(seen, done) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 || seen[len(seen)-1] != 5 || hub.Communities.Get(a.Model(), "whole-4") == nil {
		t.Fatalf("after the batch: progress %v, last community %v", seen, hub.Communities.Get(a.Model(), "whole-4"))
	}
	eventually(t, "the other instance to apply the batch", func() bool { return hub.Communities.Get(b.Model(), "whole-0") != nil })

	// A batch built before another write is refused, changing nothing.
	stale := forkBatch(t, a, "stale-", 2)
	if err := a.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "between"}, Name: "between"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := a.AppendBatch(ctx, stale, nil); !errors.Is(err, hub.ErrMoved) {
		t.Fatalf("a stale batch: %v", err)
	}

	// A writer that dies after three of six events: nobody sees any.
	cut := forkBatch(t, a, "cut-", 6)
	first := cut[0].Seq
	for i, e := range cut[:3] {
		e.Batch = &hub.Batch{ID: "dead-writer", First: first, Last: i == len(cut)-1}
		if err := st.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // ten polls of b's tailer
	if err := b.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if hub.Communities.Get(b.Model(), "cut-0") != nil || b.Model().Seq() != first-1 {
		t.Fatalf("an unfinished batch is visible: at %d", b.Model().Seq())
	}

	// A restart voids it; then the log goes on, seen alike by both.
	c := openHub(t, connect(t, uri))
	if hub.Communities.Get(c.Model(), "cut-0") != nil || c.Model().Seq() != first+2 {
		t.Fatalf("after a restart: cut-0 %v, at %d (want %d)", hub.Communities.Get(c.Model(), "cut-0"), c.Model().Seq(), first+2)
	}
	if err := c.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "after"}, Name: "after"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*hub.Hub{a, b} {
		eventually(t, "the write after the voided batch", func() bool { return hub.Communities.Get(h.Model(), "after") != nil })
		if hub.Communities.Get(h.Model(), "cut-0") != nil {
			t.Fatal("a voided event was applied")
		}
	}
	var replayed []string
	ctx2, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	stop := errors.New("enough")
	err := c.Follow(ctx2, 0, func(*hub.Event) bool { return true }, func(e *hub.Event) error {
		replayed = append(replayed, e.EntityID)
		if e.EntityID == "after" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(replayed) != 7 {
		t.Fatalf("replay from 0: %v %v", replayed, err)
	}
}

// TestDeletedStaysDeletedAcrossCheckpoints: a deleted community is gone
// after a restart from a checkpoint, and its history is still audited.
func TestDeletedStaysDeletedAcrossCheckpoints(t *testing.T) {
	ctx := context.Background()
	st, uri := openStore(t)
	a, err := hub.Open(ctx, st, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "typo"}, Name: "Colet"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteCommunity(ctx, hub.SystemActor, hub.DeleteInput{ID: "typo"}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteCommunity(ctx, hub.Actor{Name: "an editor", Role: hub.ActorEditor}, hub.DeleteInput{ID: "typo"}); !errors.As(err, new(*hub.ForbiddenError)) {
		t.Fatalf("an editor deleting: %v", err)
	}
	if err := a.Close(ctx); err != nil { // writes the checkpoint
		t.Fatal(err)
	}
	b := openHub(t, connect(t, uri))
	if hub.Communities.Get(b.Model(), "typo") != nil || len(b.Model().Communities()) != 0 {
		t.Fatal("a deleted community came back")
	}
	audit, err := b.Model().AuditLog(hub.AuditFilter{})
	if err != nil || len(audit) != 2 || audit[0].Kind != "CommunityDeleted" {
		t.Fatalf("audit after the restart: %v %v", audit, err)
	}
}

// TestBatchLosingAPositionMidwayVoidsOnlyItsOwn: a batch written a block
// at a time that finds a position taken in its second block voids the
// events it wrote, and only those, and says the log moved.
func TestBatchLosingAPositionMidwayVoidsOnlyItsOwn(t *testing.T) {
	ctx := context.Background()
	st, uri := openStore(t)
	a := openHub(t, st)
	events := forkBatch(t, a, "race-", 300)
	first := events[0].Seq
	taken := first + 256 + 10 // in the second block of the batch
	if err := st.Append(ctx, community(taken, "other-writer")); err != nil {
		t.Fatal(err)
	}
	if err := a.AppendBatch(ctx, events, nil); !errors.Is(err, hub.ErrMoved) {
		t.Fatalf("a batch that loses a position: %v", err)
	}
	for seq := first; seq < taken; seq++ {
		e, err := st.ReadEvent(ctx, seq)
		if err != nil || e == nil || !e.IsVoid() {
			t.Fatalf("event %d after the lost batch: %+v %v", seq, e, err)
		}
	}
	if e, err := st.ReadEvent(ctx, taken); err != nil || e == nil || e.EntityID != "other-writer" {
		t.Fatalf("the other writer's event: %+v %v", e, err)
	}
	b := openHub(t, connect(t, uri))
	for _, h := range []*hub.Hub{a, b} {
		if err := h.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if hub.Communities.Get(h.Model(), "other-writer") == nil || hub.Communities.Get(h.Model(), "race-0") != nil || h.Model().Seq() != taken {
			t.Fatalf("after the lost batch: at %d, race-0 %v", h.Model().Seq(), hub.Communities.Get(h.Model(), "race-0"))
		}
	}
}

package hub_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

// These tests run the hub on the real store: an embedded FerretDB.

func openStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	uri := startDatabase(t)
	return connect(t, uri), uri
}

func connect(t *testing.T, uri string) *store.Store {
	t.Helper()
	s, err := store.Connect(context.Background(), uri, testDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func openHub(t *testing.T, log hub.EventLog) *hub.Hub {
	t.Helper()
	h, err := hub.Open(context.Background(), log, hub.Options{PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func community(seq int64, id string) *hub.Event {
	return &hub.Event{Seq: seq, Type: hub.TypeCommunity, EntityID: id, Version: 1, Kind: "CommunityCreated",
		Actor: hub.SystemActor, At: time.Now().UTC().Truncate(time.Millisecond),
		State: hub.StateOf(&hub.Community{Meta: hub.Meta{ID: id, Version: 1}, Name: id, Area: "test"})}
}

// eventually polls cond for up to two seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestApplySkipsDuplicatesAndStopsAtGaps(t *testing.T) {
	m := hub.NewReadModel()
	if err := m.Apply(community(1, "a"), community(2, "b")); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(community(2, "b")); err != nil || m.Seq() != 2 {
		t.Fatalf("re-applying an event: %v at %d", err, m.Seq())
	}
	err := m.Apply(community(3, "c"), community(5, "e"), community(6, "f"))
	if !errors.Is(err, hub.ErrLogGap) || m.Seq() != 3 || hub.Communities.Get(m, "e") != nil {
		t.Fatalf("gap: err %v, position %d, e applied: %v", err, m.Seq(), hub.Communities.Get(m, "e") != nil)
	}
}

func TestTailerAppliesAnotherInstancesEvents(t *testing.T) {
	st, uri := openStore(t)
	a, b := openHub(t, st), openHub(t, connect(t, uri))
	if err := a.CreateCommunity(context.Background(), hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "lake-i"}, Name: "Lake Independence"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "instance B to see A's write", func() bool { return hub.Communities.Get(b.Model(), "lake-i") != nil })
	// B writes next: it must take the sequence number after A's event.
	if err := b.CreateCommunity(context.Background(), hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "collet"}, Name: "Collet"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "instance A to see B's write", func() bool { return hub.Communities.Get(a.Model(), "collet") != nil && a.Model().Seq() == 2 })
}

// TestTailerWaitsForAnEventCommittedLate: sequence number 2 is committed
// after 3. The tailer must not apply 3 first, nor skip 2 once it appears.
func TestTailerWaitsForAnEventCommittedLate(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	if err := st.Append(ctx, community(1, "a")); err != nil {
		t.Fatal(err)
	}
	h := openHub(t, st)
	if err := st.Append(ctx, community(3, "c")); err != nil {
		t.Fatal(err)
	}
	if err := st.SetHead(ctx, 3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // ten polls
	if h.Model().Seq() != 1 || hub.Communities.Get(h.Model(), "c") != nil {
		t.Fatalf("applied past a gap: position %d", h.Model().Seq())
	}
	if err := st.Append(ctx, community(2, "b")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both events, in order", func() bool {
		return h.Model().Seq() == 3 && hub.Communities.Get(h.Model(), "b") != nil && hub.Communities.Get(h.Model(), "c") != nil
	})
}

// TestTailerReadsAnUnannouncedEvent: an event whose writer never
// announced it (stopped between its append and its announcement, or its
// announcement failed) is applied all the same, by the tailer's sweep.
func TestTailerReadsAnUnannouncedEvent(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	if err := st.Append(ctx, community(1, "a")); err != nil {
		t.Fatal(err)
	}
	if err := st.SetHead(ctx, 1); err != nil {
		t.Fatal(err)
	}
	h := openHub(t, st)
	if err := st.Append(ctx, community(2, "b")); err != nil { // no SetHead
		t.Fatal(err)
	}
	eventually(t, "the unannounced event", func() bool { return h.Model().Seq() == 2 && hub.Communities.Get(h.Model(), "b") != nil })
}

// TestFollowReplaysThenGoesLive: a follower from an old position gets the
// logged events, then live ones, each once and in order; after a restart,
// positions older than memory are read from the log.
func TestFollowReplaysThenGoesLive(t *testing.T) {
	st, uri := openStore(t)
	ctx := context.Background()
	h := openHub(t, st)
	create := func(h *hub.Hub, i int) {
		t.Helper()
		if err := h.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: fmt.Sprint("c", i)}, Name: fmt.Sprint("C", i)}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		create(h, i)
	}
	follow := func(h *hub.Hub, from int64, replayed int) []int64 {
		want := replayed + 2
		t.Helper()
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		got := make(chan int64, 100)
		go h.Follow(fctx, from, func(e *hub.Event) bool { return e.Type == hub.TypeCommunity }, func(e *hub.Event) error {
			got <- e.Seq
			return nil
		})
		var seqs []int64
		for len(seqs) < want {
			select {
			case s := <-got:
				seqs = append(seqs, s)
				if len(seqs) == replayed {
					create(h, 100+len(seqs)) // live events after the replay
					create(h, 200+len(seqs))
				}
			case <-fctx.Done():
				t.Fatalf("got %v, want %d events", seqs, want)
			}
		}
		select {
		case extra := <-got:
			t.Fatalf("an extra event %d after %v", extra, seqs)
		case <-time.After(100 * time.Millisecond):
		}
		return seqs
	}
	seqs := follow(h, 1, 4) // events 2..5 replayed, then 6 and 7 live
	for i, s := range seqs {
		if s != int64(i+2) {
			t.Fatalf("followed %v, want 2..7 in order", seqs)
		}
	}
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}

	restarted := openHub(t, connect(t, uri)) // memory holds nothing older than the restart
	if err := restarted.Follow(ctx, 99, nil, nil); !errors.Is(err, hub.ErrCursorAhead) {
		t.Fatalf("a cursor beyond the log: %v", err)
	}
	seqs = follow(restarted, 0, 7)
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("after restart followed %v, want 1..9 in order", seqs)
		}
	}
}

// TestCheckpointCoversWhatItsRangeReplayed: a state loaded from a
// checkpoint ahead of the watermark (past a hole in the chain) is written
// again by the next checkpoint whose range covers its event, so that
// compaction may drop the one ahead.
func TestCheckpointCoversWhatItsRangeReplayed(t *testing.T) {
	st, _ := openStore(t)
	ctx := context.Background()
	a, b := community(1, "a"), community(2, "b")
	for _, e := range []*hub.Event{a, b} {
		if err := st.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SaveSnapshots(ctx, []hub.Snapshot{{State: a.State}}, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSnapshots(ctx, []hub.Snapshot{{State: b.State}}, 5, 6); err != nil { // (1, 5] is missing
		t.Fatal(err)
	}
	h := openHub(t, st)
	if err := h.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: "c"}, Name: "C"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	snaps, wm, err := st.LoadSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bs := 0
	for _, s := range snaps {
		if hub.Communities.Of(s.State) != nil && hub.Communities.Of(s.State).ID == "b" {
			bs++
		}
	}
	if wm != 3 || bs != 2 {
		t.Fatalf("watermark %d, b stored %d times; want 3 and 2 (the checkpoint ahead and the one of (1, 3])", wm, bs)
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// open starts an embedded FerretDB in a temporary directory (or opens
// the test's backend) and connects.
func open(t *testing.T) *Store {
	t.Helper()
	uri, database := startDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Connect(ctx, uri, database)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func event(seq int64, id string, version int) *hub.Event {
	return &hub.Event{
		Seq: seq, Type: hub.TypeCommunity, EntityID: id, Version: version, Kind: "CommunityCreated",
		Actor: hub.SystemActor, At: time.Now().UTC().Truncate(time.Millisecond),
		State: hub.StateOf(&hub.Community{Meta: hub.Meta{ID: id, Version: version}, Name: id}),
	}
}

func TestAppendGuardsSequenceAndVersion(t *testing.T) {
	s, ctx := open(t), context.Background()
	if err := s.Append(ctx, event(1, "a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, event(1, "b", 1)); !errors.Is(err, hub.ErrDuplicate) {
		t.Fatalf("same seq: got %v, want ErrDuplicate", err)
	}
	if err := s.Append(ctx, event(2, "a", 1)); !errors.Is(err, hub.ErrDuplicate) {
		t.Fatalf("same stream and version: got %v, want ErrDuplicate", err)
	}
	if err := s.Append(ctx, event(2, "a", 2)); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentAppendsOfOneVersionHaveOneWinner(t *testing.T) {
	s, ctx := open(t), context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.Append(ctx, event(int64(i+1), "same", 1)) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d appends of one version succeeded, want exactly 1", wins)
	}
}

func TestReadAfterReturnsTheTailInOrder(t *testing.T) {
	s, ctx := open(t), context.Background()
	for i := int64(1); i <= 600; i++ {
		if err := s.Append(ctx, event(i, "c", int(i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, after := range []int64{0, 1, 300, 599, 600} {
		got, err := s.ReadAfter(ctx, after)
		if err != nil {
			t.Fatal(err)
		}
		if want := int(600 - after); len(got) != want {
			t.Fatalf("after %d: %d events, want %d", after, len(got), want)
		}
		for i, e := range got {
			if e.Seq != after+int64(i)+1 || hub.Communities.Of(e.State) == nil || hub.Communities.Of(e.State).Name != "c" {
				t.Fatalf("after %d: event %d is %+v", after, i, e)
			}
		}
	}
}

func TestSnapshotsRoundTrip(t *testing.T) {
	s, ctx := open(t), context.Background()
	due := hub.Date("2013-06-30")
	latest := 12.5
	snaps := []hub.Snapshot{
		{State: hub.StateOf(&hub.Commitment{
			Meta:  hub.Meta{ID: "C-1.1-001", Version: 3, CreatedAt: time.Date(2012, 1, 2, 3, 4, 5, 0, time.UTC)},
			Title: "T", Status: hub.OnTrack, Progress: 40, DueDate: due,
			Participants: []hub.Participant{{StakeholderID: "x", Role: hub.RoleLead}},
			Indicators:   []hub.Indicator{{Name: "n", Unit: "u", Target: 10, LatestValue: &latest}},
		}), History: hub.HistoryOf([]hub.Change{{Seq: 7, Kind: "ProgressReported", Version: 3}})},
		{State: hub.StateOf(&hub.MeetingOutcome{Meta: hub.Meta{ID: "o1", Version: 1}, DueDate: &due})},
	}
	if err := s.SaveSnapshots(ctx, snaps, 0, 42); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveSnapshots(ctx, snaps[:1], 42, 43); err != nil {
		t.Fatal(err)
	}
	got, wm, err := s.LoadSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if wm != 43 || len(got) != 3 {
		t.Fatalf("watermark %d, %d snapshots; want 43 and 3", wm, len(got))
	}
	for _, sn := range got {
		if c := hub.Commitments.Of(sn.State); c != nil {
			h, err := sn.History.Changes()
			if err != nil || c.Progress != 40 || *c.Indicators[0].LatestValue != 12.5 || len(h) != 1 || h[0].Seq != 7 || !c.CreatedAt.Equal(hub.Commitments.Of(snaps[0].State).CreatedAt) {
				t.Fatalf("commitment came back as %+v with history %+v (%v)", c, h, err)
			}
		}
		if o := hub.Outcomes.Of(sn.State); o != nil && (o.DueDate == nil || *o.DueDate != due) {
			t.Fatalf("outcome came back as %+v", o)
		}
	}
	// A full checkpoint supersedes the older ones.
	if err := s.SaveSnapshots(ctx, snaps, 0, 44); err != nil {
		t.Fatal(err)
	}
	if got, wm, err = s.LoadSnapshots(ctx); err != nil || wm != 44 || len(got) != 2 {
		t.Fatalf("after a full checkpoint: watermark %d, %d snapshots, %v; want 44 and 2", wm, len(got), err)
	}
}

// TestCheckpointsSplitAndChain: a large checkpoint is stored in parts,
// and the watermark stops at the first hole in the chain of checkpoints.
func TestCheckpointsSplitAndChain(t *testing.T) {
	s, ctx := open(t), context.Background()
	long := string(make([]byte, 2000))
	var snaps []hub.Snapshot
	for i := range 1200 { // about 2.4 MB before deflation: three parts
		id := fmt.Sprintf("c%04d", i)
		snaps = append(snaps, hub.Snapshot{State: hub.StateOf(&hub.Community{Meta: hub.Meta{ID: id, Version: 1}, Name: long})})
	}
	if err := s.SaveSnapshots(ctx, snaps, 0, 10); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.checkpoints.CountDocuments(ctx, bson.D{}); n < 3 {
		t.Fatalf("%d checkpoint documents, want parts", n)
	}
	if err := s.SaveSnapshots(ctx, snaps[:1], 12, 15); err != nil { // (10, 12] is missing
		t.Fatal(err)
	}
	got, wm, err := s.LoadSnapshots(ctx)
	if err != nil || wm != 10 || len(got) != 1201 {
		t.Fatalf("watermark %d, %d snapshots, %v; want 10 and 1201", wm, len(got), err)
	}
}

func TestWatermark(t *testing.T) {
	for _, c := range []struct {
		ranges [][2]int64
		want   int64
	}{
		{nil, 0},
		{[][2]int64{{0, 5}}, 5},
		{[][2]int64{{5, 9}, {0, 5}}, 9},
		{[][2]int64{{0, 5}, {6, 9}}, 5},
		{[][2]int64{{0, 5}, {3, 7}, {7, 7}, {7, 12}}, 12},
		{[][2]int64{{2, 5}}, 0},
	} {
		if got := watermark(c.ranges); got != c.want {
			t.Errorf("watermark(%v) = %d, want %d", c.ranges, got, c.want)
		}
	}
}

// TestOldFormatIsRefused: a database from before checkpoints (events keyed
// by stream and version, no format record) fails clearly.
func TestOldFormatIsRefused(t *testing.T) {
	uri, fresh := startDatabase(t)
	ctx := context.Background()
	s, err := Connect(ctx, uri, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.client.Database("old").Collection("events").InsertOne(ctx, bson.D{{Key: "_id", Value: "Community:a@1"}}); err != nil {
		t.Fatal(err)
	}
	s.Close(ctx)
	if _, err := Connect(ctx, uri, "old"); !errors.Is(err, ErrFormat) {
		t.Fatalf("connecting to an old database: %v, want ErrFormat", err)
	}
	if s, err := Connect(ctx, uri, fresh); err != nil {
		t.Fatalf("reconnecting to a current database: %v", err)
	} else {
		s.Close(ctx)
	}
}

func TestHeads(t *testing.T) {
	s, ctx := open(t), context.Background()
	if head, err := s.Head(ctx); err != nil || head != 0 {
		t.Fatalf("empty: %d %v", head, err)
	}
	for _, seq := range []int64{5, 9, 7} { // announcements from several instances, out of order
		if err := s.SetHead(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	if head, err := s.Head(ctx); err != nil || head != 9 {
		t.Fatalf("head %d %v, want 9", head, err)
	}
	// The tailer's poll reads both records at once, as Head and Contention.
	if head, by, turn, n, err := s.Poll(ctx); err != nil || head != 9 || by != "" || turn != 0 || n != 0 {
		t.Fatalf("poll before a lost race: %d %q %v %d %v", head, by, turn, n, err)
	}
	for range 2 {
		if err := s.Contend(ctx, "instance-b", 1500*time.Microsecond); err != nil {
			t.Fatal(err)
		}
	}
	by, turn, n, err := s.Contention(ctx)
	if err != nil || by != "instance-b" || turn != 1500*time.Microsecond || n != 2 {
		t.Fatalf("contention %q %v %d %v", by, turn, n, err)
	}
	if head, pby, pturn, pn, err := s.Poll(ctx); err != nil || head != 9 || pby != by || pturn != turn || pn != n {
		t.Fatalf("poll %d %q %v %d %v, want 9 and Contention's %q %v %d", head, pby, pturn, pn, err, by, turn, n)
	}
}

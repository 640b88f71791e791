package hub

import (
	"reflect"
	"testing"
	"time"
)

// TestFeedKeepsEventsCompactly: the feed gives back each event as the log
// stores it, with the state it held, across a compaction.
func TestFeedKeepsEventsCompactly(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000).UTC()
	before, after := "40", `"ON_TRACK"`
	cm := &Commitment{Meta: Meta{ID: "C-1", Version: 3}, Title: "t", Progress: 50}
	report := &ProgressReport{Progress: 50, Status: OnTrack, Note: "n", ReportedBy: SystemActor, ReportedAt: at}
	mk := func(seq int64) []*Event {
		return []*Event{
			{Seq: seq, Type: TypeCommunity, EntityID: "a", Version: 1, Kind: "CommunityCreated", Actor: SystemActor, At: at,
				Changes: []FieldChange{{Field: "name", After: &after}}, State: StateOf(&Community{Meta: Meta{ID: "a", Version: 1}, Name: "A"})},
			{Seq: seq + 1, Type: TypeCommitment, EntityID: "C-1", Version: 3, Kind: KindProgressReported,
				Actor: Actor{Name: "tok", Role: ActorEditor, StakeholderID: "s", TokenID: "k"}, At: at,
				Changes: []FieldChange{{Field: "progress", Before: &before, After: &after}, {Field: "completedAt"}}, State: StateOf(cm), Report: report},
		}
	}
	f := newFeed()
	f.reset(6)
	var want []*Event
	for seq := int64(7); len(want) < 2*feedSize+4; seq += 2 {
		for _, e := range mk(seq) {
			f.push(e)
			want = append(want, e.Stored())
		}
	}
	if f.first != 7+int64(len(want)-len(f.ends)) || len(f.ends) >= 2*feedSize || len(f.ends) < feedSize {
		t.Fatalf("feed of %d events from %d after %d pushed", len(f.ends), f.first, len(want))
	}
	want = want[len(want)-len(f.ends):]
	for i, w := range want {
		got, err := f.event(i)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if Commitments.Of(want[1].State) != nil || want[1].Report == nil {
		t.Fatal("a progress report's event kept its state in memory")
	}
}

// TestCompleteAheadOfTheModel: an event read back from the log before the
// model applied it gets its state from the model's current one.
func TestCompleteAheadOfTheModel(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000).UTC()
	c := &Commitment{Meta: Meta{ID: "C-1", Version: 1, CreatedAt: at, UpdatedAt: at}, Title: "t", Status: NotStarted}
	m := NewReadModel()
	if err := m.Apply(&Event{Seq: 1, Type: TypeCommitment, EntityID: c.ID, Version: 1, Kind: "CommitmentCreated", At: at,
		Changes: diff(nil, c), State: StateOf(c)}); err != nil {
		t.Fatal(err)
	}
	next := *c
	next.Version, next.Progress, next.Status, next.ReportCount = 2, 30, OnTrack, 1
	e := &Event{Seq: 2, Type: TypeCommitment, EntityID: c.ID, Version: 2, Kind: KindProgressReported, At: at, Changes: diff(c, &next),
		Report: &ProgressReport{Progress: 30, Status: OnTrack, Note: "n", ReportedBy: SystemActor, ReportedAt: at}}
	if err := m.complete([]*Event{e}, map[string]*Commitment{}); err != nil || !reflect.DeepEqual(Commitments.Of(e.State), &next) {
		t.Fatalf("completed as %+v (%v), want %+v", Commitments.Of(e.State), err, next)
	}
}

package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// listPageEvents are the events of meetings and outcomes for the page
// tests and benchmarks: n meetings over six years, ten outcomes each
// (kinds, statuses and due dates drawn), some meetings private, with
// instants that tie so the ids decide.
func listPageEvents(n int, seed uint64) []*Event {
	rng := rand.New(rand.NewPCG(seed, 13))
	base := time.Date(2014, 1, 1, 9, 0, 0, 0, time.UTC)
	var out []*Event
	add := func(t EntityType, id string, at time.Time, st State) {
		out = append(out, &Event{Seq: int64(len(out) + 1), Type: t, EntityID: id, Version: 1,
			Kind: string(t) + "Created", Actor: SystemActor, At: at, State: st})
	}
	statuses := []MeetingStatus{Scheduled, Held, MeetingCanceled}
	kinds := []OutcomeKind{Decision, ActionItem, Agreement, Recommendation}
	outcomeStatuses := []OutcomeStatus{OutcomeOpen, OutcomeInProgress, OutcomeDone, OutcomeDropped}
	for i := range n {
		id := fmt.Sprintf("mt-%05d", i)
		starts := base.AddDate(0, 0, rng.IntN(6*365)).Add(time.Duration(rng.IntN(3)) * time.Hour)
		updated := base.Add(time.Duration(rng.IntN(50)) * time.Hour)
		mt := &Meeting{Meta: Meta{ID: id, Version: 1, CreatedAt: updated, UpdatedAt: updated}, Title: fmt.Sprintf("Meeting %d", rng.IntN(n)),
			StartsAt: starts, EndsAt: starts.Add(time.Hour), ConvenerID: fmt.Sprintf("s%02d", rng.IntN(20)),
			Participants: []MeetingParticipant{{StakeholderID: fmt.Sprintf("s%02d", rng.IntN(20)), Attendance: Invited}},
			Status:       statuses[rng.IntN(len(statuses))], Private: rng.IntN(5) == 0}
		add(TypeMeeting, id, updated, StateOf(mt))
		for j := range 10 {
			oid := fmt.Sprintf("oc-%05d-%d", i, j)
			recorded := starts.Add(time.Duration(rng.IntN(3)) * time.Minute)
			oc := &MeetingOutcome{Meta: Meta{ID: oid, Version: 1, CreatedAt: recorded, UpdatedAt: recorded.Add(time.Duration(rng.IntN(2)) * time.Hour)},
				MeetingID: id, Kind: kinds[rng.IntN(len(kinds))], Summary: "Outcome " + oid, OwnerID: fmt.Sprintf("s%02d", rng.IntN(20)),
				Status: outcomeStatuses[rng.IntN(len(outcomeStatuses))], RecordedAt: recorded}
			if rng.IntN(3) > 0 {
				d := DateOf(starts.AddDate(0, 2, rng.IntN(3)))
				oc.DueDate = &d
			}
			add(TypeOutcome, oid, recorded, StateOf(oc))
		}
	}
	return out
}

// pageByPositions cuts w out of a sorted list by positions, as Relay's
// paging algorithm describes it.
func pageByPositions[T any](list []*T, key func(*T) string, desc bool, w Window) ListPage[T] {
	beyond := func(k, c string) bool { return (k > c) != desc && k != c }
	start, end := 0, len(list)
	if w.After != nil {
		for start < len(list) && !beyond(key(list[start]), *w.After) {
			start++
		}
	}
	if w.Before != nil {
		end = 0
		for end < len(list) && !(key(list[end]) == *w.Before || beyond(key(list[end]), *w.Before)) {
			end++
		}
	}
	end = max(end, start)
	switch {
	case w.First != nil:
		end = min(end, start+*w.First)
	case w.Last != nil:
		start = max(start, end-*w.Last)
	}
	return ListPage[T]{Items: list[start:end], HasPrevious: start > 0, HasNext: end < len(list), Total: len(list)}
}

// randomWindow is a window of the first or last few, or of both, or of
// neither, with cursors (keys of the list, or between them) now and then.
func randomWindow[T any](rng *rand.Rand, list []*T, key func(*T) string) Window {
	var w Window
	n := []int{0, 1, 3, 20, 100}[rng.IntN(5)]
	switch rng.IntN(4) {
	case 0:
		w.First = &n
	case 1:
		w.Last = &n
	case 2:
		m := rng.IntN(5)
		w.First, w.Last = &n, &m
	}
	cursor := func() *string {
		if len(list) == 0 || rng.IntN(3) > 0 {
			return nil
		}
		k := key(list[rng.IntN(len(list))])
		if rng.IntN(2) == 0 {
			k += "~" // between two keys
		}
		return &k
	}
	w.After, w.Before = cursor(), cursor()
	return w
}

func samePage[T any](t *testing.T, what string, got, want ListPage[T]) {
	t.Helper()
	if !slices.Equal(got.Items, want.Items) || got.HasPrevious != want.HasPrevious || got.HasNext != want.HasNext || got.Total != want.Total {
		t.Fatalf("%s: got %d items (previous %v, next %v, total %d), want %d (previous %v, next %v, total %d)", what,
			len(got.Items), got.HasPrevious, got.HasNext, got.Total, len(want.Items), want.HasPrevious, want.HasNext, want.Total)
	}
}

// TestListPagesArePagedLists holds MeetingPage and OutcomePage, which
// select a window of the first or last items without sorting the rest,
// to paging the sorted list by positions: every order and direction,
// filters through each index and none, viewers that see all or some,
// windows with and without cursors, and, in a second model, a time no
// key's parts stand for (where the page sorts everything).
func TestListPagesArePagedLists(t *testing.T) {
	for _, far := range []bool{false, true} {
		m := NewReadModel()
		events := listPageEvents(60, 7)
		if far { // a meeting and an outcome in a year no timeKey of four digits holds
			mt := *Meetings.Of(events[0].State)
			mt.StartsAt = mt.StartsAt.AddDate(9000, 0, 0)
			events[0].State = StateOf(&mt)
			oc := *Outcomes.Of(events[1].State)
			oc.RecordedAt = oc.RecordedAt.AddDate(9000, 0, 0)
			events[1].State = StateOf(&oc)
		}
		if err := m.Apply(events...); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		viewers := []Viewer{{Role: RoleAdmin}, {}, {Role: RoleEditor, StakeholderID: "s03"}}
		from, to := time.Date(2015, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
		after, before := Date("2015-01-01"), Date("2017-06-30")
		yes := true
		for round := range 400 {
			v := viewers[round%len(viewers)]
			mf := []MeetingFilter{{Viewer: v}, {Statuses: []MeetingStatus{Held}, Viewer: v}, {From: &from, Viewer: v},
				{From: &from, To: &to, StakeholderIDs: []string{"s01", "s02"}, Viewer: v}}[rng.IntN(4)]
			mo := MeetingOrder{Field: []MeetingOrderField{MeetingsByStartsAt, MeetingsByUpdatedAt, MeetingsByTitle}[rng.IntN(3)], Descending: rng.IntN(2) == 0}
			list := m.MeetingsInOrder(mf, mo)
			w := randomWindow(rng, list, mo.Key)
			samePage(t, fmt.Sprintf("far %v, round %d, meetings by %v", far, round, mo), m.MeetingPage(mf, mo, w), pageByPositions(list, mo.Key, mo.Descending, w))

			of := []OutcomeFilter{{Viewer: v}, {Kinds: []OutcomeKind{ActionItem}, Statuses: []OutcomeStatus{OutcomeOpen, OutcomeInProgress}, Viewer: v},
				{DueAfter: &after, DueBefore: &before, Viewer: v}, {OwnerIDs: []string{"s04"}, Overdue: &yes, Today: "2016-01-01", Viewer: v},
				{MeetingIDs: []string{"mt-00003", "mt-00007"}, Viewer: v}}[rng.IntN(5)]
			oo := OutcomeOrder{Field: []OutcomeOrderField{OutcomesByRecordedAt, OutcomesByUpdatedAt, OutcomesByDueDate}[rng.IntN(3)], Descending: rng.IntN(2) == 0}
			olist := m.OutcomesInOrder(of, oo)
			if want := outcomesByScan(m, of, oo); !slices.Equal(olist, want) {
				t.Fatalf("far %v, round %d: the outcomes the indexes select are not those a scan of every row selects", far, round)
			}
			ow := randomWindow(rng, olist, oo.Key)
			samePage(t, fmt.Sprintf("far %v, round %d, outcomes by %v", far, round, oo), m.OutcomePage(of, oo, ow), pageByPositions(olist, oo.Key, oo.Descending, ow))
		}
	}
}

// outcomesByScan is OutcomesInOrder without any index: every outcome
// tested against the filter's fields that the test sets.
func outcomesByScan(m *ReadModel, f OutcomeFilter, o OutcomeOrder) []*MeetingOutcome {
	m.mu.RLock()
	var out []*MeetingOutcome
	for _, oc := range Outcomes.all(m) {
		due := f.DueAfter == nil || (oc.DueDate != nil && *oc.DueDate >= *f.DueAfter && *oc.DueDate <= *f.DueBefore)
		if among(f.MeetingIDs, oc.MeetingID) && among(f.OwnerIDs, oc.OwnerID) && among(f.Kinds, oc.Kind) && among(f.Statuses, oc.Status) &&
			due && (f.Overdue == nil || oc.IsOverdue(f.Today) == *f.Overdue) && canSeeOutcome(m, f.Viewer, oc) {
			out = append(out, oc)
		}
	}
	m.mu.RUnlock()
	return inOrder(out, o.Key, o.Descending)
}

package hub

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestKeptOutcomePagesAgreeWithScan holds OutcomePage answered from the
// kept lists to paging a full scan's list by positions, for every window
// from every cursor (each outcome's key, and a key between two), both
// directions, filters by kinds and statuses (none, one, several, a value
// no outcome holds), viewers that see all or some private meetings; and
// again after outcomes change kind and status, are deleted and recorded
// (the lists kept as they change; some of a meeting not applied) and a
// meeting turns private (the lists built again).
func TestKeptOutcomePagesAgreeWithScan(t *testing.T) {
	m := NewReadModel()
	if err := m.Apply(listPageEvents(6, 3)...); err != nil {
		t.Fatal(err)
	}
	apply := func(e entity) {
		t.Helper()
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: m.Seq() + 1, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	viewers := []Viewer{{Role: RoleAdmin}, {}, {Role: RoleEditor, StakeholderID: "s03"}}
	filters := []OutcomeFilter{{}, {Kinds: []OutcomeKind{ActionItem}, Statuses: []OutcomeStatus{OutcomeOpen, OutcomeInProgress}},
		{Kinds: []OutcomeKind{Decision, Agreement}}, {Statuses: []OutcomeStatus{OutcomeDone}}, {Kinds: []OutcomeKind{"NO_SUCH_KIND"}},
		{Statuses: []OutcomeStatus{}}}
	counts := []int{0, 2, 50}
	check := func(when string) {
		t.Helper()
		windows := 0
		for vi, v := range viewers {
			for fi, f := range filters {
				f.Viewer = v
				for _, desc := range []bool{true, false} {
					o := OutcomeOrder{Field: OutcomesByRecordedAt, Descending: desc}
					list := outcomesByScan(m, f, o)
					all := outcomesByScan(m, OutcomeFilter{Viewer: Viewer{Role: RoleAdmin}}, o)
					keys := map[*MeetingOutcome]string{} // the scan's keys, made once
					for _, oc := range all {
						keys[oc] = o.Key(oc)
					}
					key := func(oc *MeetingOutcome) string { return keys[oc] }
					cursors := []*string{nil}
					for _, oc := range all {
						k := o.Key(oc)
						between := k + "~"
						cursors = append(cursors, &k, &between)
					}
					samePage(t, when+": OutcomePage", m.OutcomePage(f, o, Window{First: &counts[1]}), pageByPositions(list, o.Key, desc, Window{First: &counts[1]}))
					for ci, c := range cursors {
						for _, n := range counts {
							for _, w := range []Window{{First: &n, After: c}, {Last: &n, Before: c}, {First: &n, Before: c}, {Last: &n, After: c},
								{After: c, Before: cursors[(ci*7)%len(cursors)], First: &n}} {
								windows++
								got, ok := func() (ListPage[MeetingOutcome], bool) {
									m.mu.RLock()
									defer m.mu.RUnlock()
									return m.keptOutcomePage(f, o, w)
								}()
								if !ok {
									t.Fatalf("%s: the kept lists do not answer %+v", when, f)
								}
								samePage(t, fmt.Sprintf("%s: viewer %d, filter %d, descending %v, window %+v", when, vi, fi, desc, w), got, pageByPositions(list, key, desc, w))
							}
						}
					}
				}
			}
		}
		if windows == 0 {
			t.Fatal("no window checked")
		}
	}
	check("at first")

	rng := rand.New(rand.NewPCG(9, 9))
	kinds := []OutcomeKind{Decision, ActionItem, Agreement, Recommendation}
	statuses := []OutcomeStatus{OutcomeOpen, OutcomeInProgress, OutcomeDone, OutcomeDropped}
	for i := range 30 {
		all := Outcomes.all(m)
		oc := *all[rng.IntN(len(all))]
		oc.Version++
		switch i % 3 {
		case 0:
			oc.Kind, oc.Status = kinds[rng.IntN(4)], statuses[rng.IntN(4)]
		case 1:
			oc.Deleted = true
		default:
			oc = MeetingOutcome{Meta: Meta{ID: fmt.Sprintf("new-%02d", i), Version: 1}, MeetingID: oc.MeetingID, Kind: kinds[rng.IntN(4)],
				Status: statuses[rng.IntN(4)], RecordedAt: oc.RecordedAt.Add(time.Duration(rng.IntN(3)-1) * time.Minute)}
			if i%4 == 0 { // of a meeting not applied, which nobody sees
				oc.MeetingID = "mt-missing"
			}
		}
		apply(&oc)
	}
	if m.commitmentIndex.kept.outcomes.orders.Load() == nil {
		t.Fatal("outcome puts dropped the kept lists; they should keep them")
	}
	check("after outcomes changed")

	var public *Meeting
	for _, mt := range Meetings.all(m) {
		if !mt.Private {
			public = mt
			break
		}
	}
	turned := *public
	turned.Version++
	turned.Private = true
	apply(&turned)
	if m.commitmentIndex.kept.outcomes.orders.Load() != nil {
		t.Fatal("a meeting put kept the lists; it should drop them")
	}
	check("after a meeting turned private")
}

// TestKeptOutcomePageDeclines: a filter naming more than kinds and
// statuses, or another order, is not answered from the kept lists.
func TestKeptOutcomePageDeclines(t *testing.T) {
	m := NewReadModel()
	if err := m.Apply(listPageEvents(3, 1)...); err != nil {
		t.Fatal(err)
	}
	yes, d := true, Date("2015-01-01")
	for _, c := range []struct {
		f OutcomeFilter
		o OutcomeOrder
	}{
		{OutcomeFilter{MeetingIDs: []string{"mt-00001"}}, NewestOutcomesFirst},
		{OutcomeFilter{OwnerIDs: []string{"s01"}}, NewestOutcomesFirst},
		{OutcomeFilter{PillarIDs: []string{"p"}}, NewestOutcomesFirst},
		{OutcomeFilter{DueAfter: &d}, NewestOutcomesFirst},
		{OutcomeFilter{Overdue: &yes, Today: d}, NewestOutcomesFirst},
		{OutcomeFilter{Search: "outcome"}, NewestOutcomesFirst},
		{OutcomeFilter{}, OutcomeOrder{Field: OutcomesByDueDate}},
		{OutcomeFilter{}, OutcomeOrder{Field: OutcomesByUpdatedAt, Descending: true}},
	} {
		m.mu.RLock()
		_, ok := m.keptOutcomePage(c.f, c.o, Window{})
		m.mu.RUnlock()
		if ok {
			t.Errorf("the kept lists answered %+v in order %+v", c.f, c.o)
		}
	}
}

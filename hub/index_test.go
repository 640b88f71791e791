package hub

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIndexedFiltersAgreeWithScan: a filter answered through a registry
// index or a kept order
// index (commitments by stakeholder, objective, pillar, status, community
// and due date; meetings by stakeholder, status and date; outcomes by
// meeting, owner and status) returns what a scan of every row returns,
// also after changes that move entities between keys.
func TestIndexedFiltersAgreeWithScan(t *testing.T) {
	m := NewReadModel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	apply := applier(t, m)
	for s := range 6 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s%4]})
	}
	commitment := func(c, version int) *Commitment {
		due := Date(fmt.Sprintf("2024-%02d-%02d", c%12+1, version))
		if c%17 == 5 {
			due = "2024-06-15" // the day checked
		}
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-1.%d-%03d", c%3+1, c), Version: version, UpdatedAt: at.Add(time.Duration(c%5+version) * time.Hour)},
			Title: fmt.Sprintf("T%d", (c+version)%7), Description: []string{"water", "roads", "Schools"}[(c*version)%3],
			Progress: (c*13 + version*7) % 101, ObjectiveID: fmt.Sprintf("o%d", c%3), PillarID: fmt.Sprintf("p%d", c%2),
			LeadID: fmt.Sprintf("s%d", c%6), Participants: []Participant{{StakeholderID: fmt.Sprintf("s%d", c%6), Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", (c+version)%6), Role: RoleFunding}},
			Status: AllCommitmentStatuses[(c+version)%6], DueDate: due,
			CommunityIDs: []string{fmt.Sprintf("k%d", (c+version)%4)}}
	}
	meeting := func(i, version int) *Meeting {
		return &Meeting{Meta: Meta{ID: fmt.Sprintf("m%d", i), Version: version}, ConvenerID: fmt.Sprintf("s%d", i%6),
			Participants: []MeetingParticipant{{StakeholderID: fmt.Sprintf("s%d", (i+version)%6)}},
			Status:       []MeetingStatus{Scheduled, Held, MeetingCanceled}[(i+version)%3], StartsAt: at.Add(time.Duration(i*version) * 20 * time.Hour)}
	}
	outcome := func(i, version int) *MeetingOutcome {
		return &MeetingOutcome{Meta: Meta{ID: fmt.Sprintf("o%d", i), Version: version}, MeetingID: fmt.Sprintf("m%d", i%5),
			OwnerID: fmt.Sprintf("s%d", (i+version)%6), Kind: Decision, Status: []OutcomeStatus{OutcomeOpen, OutcomeDone}[(i+version)%2],
			RecordedAt: at.Add(time.Duration(i) * time.Hour)}
	}
	for i := range 40 {
		apply(commitment(i, 1))
	}
	for i := range 10 {
		apply(meeting(i, 1))
	}
	for i := range 20 {
		apply(outcome(i, 1))
	}

	check := func(when string) {
		t.Helper()
		// Every index of every kind lists each entity under its current
		// keys and nowhere else.
		for i, k := range kinds {
			tb := m.tables[i]
			for j, name := range k.indexes {
				listed := 0
				for key, nums := range tb.indexes[name] {
					if !slices.IsSorted(nums) || len(slices.Compact(slices.Clone(nums))) != len(nums) {
						t.Errorf("%s: %s index %s lists %v under %q: not ascending, or twice", when, k.Type, name, nums, key)
					}
					for _, n := range nums {
						id := tb.id(n)
						listed++
						if !slices.Contains(k.keys(tb.get(id), j, nil), key) {
							t.Errorf("%s: %s index %s lists %s under %q, a key it no longer has", when, k.Type, name, id, key)
						}
					}
				}
				want := 0
				tb.each(func(e entity) {
					for _, key := range slices.Compact(slices.Sorted(slices.Values(k.keys(e, j, nil)))) {
						if key != "" {
							want++
						}
					}
				})
				if listed != want {
					t.Errorf("%s: %s index %s holds %d entries, want %d", when, k.Type, name, listed, want)
				}
			}
		}
		checkCommitments(t, m, when)
		admin := Viewer{Role: RoleAdmin}
		from, to := at.Add(40*time.Hour), at.Add(200*time.Hour)
		for _, f := range []MeetingFilter{{StakeholderIDs: []string{"s2"}}, {Statuses: []MeetingStatus{Held}}, {From: &from}, {From: &from, To: &to}, {To: &from}} {
			f.Viewer = admin
			var want []*Meeting
			for _, mt := range m.Meetings(MeetingFilter{Viewer: admin}) {
				ok := among(f.Statuses, mt.Status) && (f.From == nil || !mt.StartsAt.Before(*f.From)) && (f.To == nil || mt.StartsAt.Before(*f.To))
				if len(f.StakeholderIDs) > 0 {
					ok = ok && mt.Invites(f.StakeholderIDs[0])
				}
				if ok {
					want = append(want, mt)
				}
			}
			if got := m.Meetings(f); !slices.Equal(got, want) {
				t.Errorf("%s: Meetings(%+v): %d, a scan %d", when, f, len(got), len(want))
			}
		}
		for _, f := range []OutcomeFilter{{MeetingIDs: []string{"m1", "m3"}}, {OwnerIDs: []string{"s4"}}, {Statuses: []OutcomeStatus{OutcomeDone}}} {
			f.Viewer = admin
			var want []*MeetingOutcome
			for _, o := range m.Outcomes(OutcomeFilter{Viewer: admin}) {
				if among(f.MeetingIDs, o.MeetingID) && among(f.OwnerIDs, o.OwnerID) && among(f.Statuses, o.Status) {
					want = append(want, o)
				}
			}
			if got := m.Outcomes(f); !slices.Equal(got, want) {
				t.Errorf("%s: Outcomes(%+v): %d, a scan %d", when, f, len(got), len(want))
			}
		}
	}
	check("after creation")
	for i := range 40 { // new statuses, partners, due dates and communities
		apply(commitment(i, 2))
	}
	for i := range 10 {
		apply(meeting(i, 2))
	}
	for i := range 20 {
		apply(outcome(i, 2))
	}
	if !m.commitmentIndex.sorted.Load() {
		t.Error("the kept orders were given up rather than kept")
	}
	check("after every entity changed its keys")
}

// checkCommitments: every filter in every order, whole and in windows,
// answers as a scan of every row sorted does, and counts as it does.
func checkCommitments(t *testing.T, m *ReadModel, when string) {
	t.Helper()
	const today = "2024-06-15"
	date := func(s string) *Date { d := Date(s); return &d }
	yes, no := true, false
	filters := []CommitmentFilter{
		{}, {Sectors: []Sector{CivilSociety}}, {Sectors: []Sector{Government, PrivateSector}, Statuses: []CommitmentStatus{OnTrack, Delayed}},
		{StakeholderIDs: []string{"s1"}}, {StakeholderIDs: []string{"s1", "s2"}, Sectors: []Sector{CivilSociety}},
		{ObjectiveIDs: []string{"o1"}}, {PillarIDs: []string{"p0"}}, {PillarIDs: []string{"p0"}, Statuses: []CommitmentStatus{OnTrack, AtRisk}},
		{Statuses: []CommitmentStatus{Completed}}, {Statuses: []CommitmentStatus{Completed, Completed}}, {CommunityIDs: []string{"k2"}}, {CommunityIDs: []string{"k2", "k3"}},
		{DueBefore: date("2024-06-01")}, {DueAfter: date("2024-03-02"), DueBefore: date("2024-09-01")}, {DueAfter: date("2024-06-15")},
		{DueAfter: date("2030-01-01")}, {PillarIDs: []string{"none"}}, {StakeholderIDs: []string{"nobody"}},
		{Overdue: &yes}, {Overdue: &no}, {Overdue: &yes, DueAfter: date("2024-03-01")}, {Overdue: &yes, Sectors: []Sector{Government}},
		{Search: "water"}, {Search: " SCHOOL "}, {Search: "c-1.2"}, {Search: "t3", Statuses: []CommitmentStatus{OnTrack, NotStarted}},
		{Search: "nothing like it"},
		{LeadSectors: []Sector{CivilSociety}}, {LeadSectors: []Sector{Government, PrivateSector}}, {LeadSectors: []Sector{InternationalPartner}, PillarIDs: []string{"p0"}},
		{LeadSectors: []Sector{Government}, Statuses: []CommitmentStatus{OnTrack, Delayed}}, {LeadSectors: []Sector{CivilSociety}, Sectors: []Sector{Government}},
	}
	var orders []CommitmentOrder
	for _, f := range orderFields {
		orders = append(orders, CommitmentOrder{Field: f}, CommitmentOrder{Field: f, Descending: true})
	}
	orders = append(orders, CommitmentOrder{})
	n := func(k int) *int { return &k }
	for _, f := range filters {
		m.mu.RLock()
		match := m.commitmentMatcher(f, today)
		var scan []commitmentRow
		for i := range m.commitmentIndex.rows {
			if r := &m.commitmentIndex.rows[i]; match(r) {
				scan = append(scan, *r)
			}
		}
		m.mu.RUnlock()
		if f.Search != "" && slices.Equal(f.Statuses, nil) { // search as the plain scan reads it
			needle, n := strings.ToLower(strings.TrimSpace(f.Search)), 0
			for _, c := range Commitments.all(m) {
				if containsFold(needle, c.ID, c.Title, c.Description) {
					n++
				}
			}
			if n != len(scan) {
				t.Errorf("%s: search %q selects %d, a scan of the fields %d", when, f.Search, len(scan), n)
			}
		}
		for _, o := range orders {
			want := sortedCommitments(scan, o)
			if got := m.Commitments(f, o, today); !slices.Equal(got, want) {
				t.Errorf("%s: Commitments(%+v, %+v): %d, a scan %d", when, f, o, len(got), len(want))
			}
			// Windows around the scan's own keys, and keys between them.
			var keys []string
			for _, c := range want {
				keys = append(keys, o.Key(c))
			}
			keys = append(keys, "", "\xff", o.Key(&Commitment{Meta: Meta{ID: "C-1.2-015"}, Title: "T3", DueDate: "2024-05-03"}))
			for _, w := range []Window{{First: n(3)}, {First: n(0)}, {Last: n(4)}, {Last: n(0)}, {First: n(100)}, {}} {
				for _, after := range append([]string{"-"}, keys[max(0, len(keys)-6):]...) {
					for _, before := range []string{"-", keys[len(keys)/2], keys[0]} {
						w := w
						w.After, w.Before, w.Count = nil, nil, true
						if after != "-" {
							w.After = &after
						}
						if before != "-" {
							w.Before = &before
						}
						got, exp := m.CommitmentPage(f, o, today, w), windowOf(want, o, w)
						if !slices.Equal(got.Items, exp.Items) || got.HasPrevious != exp.HasPrevious || got.HasNext != exp.HasNext || got.Total != exp.Total {
							t.Errorf("%s: CommitmentPage(%+v, %+v, after %q before %q first %v last %v): %d items, previous %v, next %v, total %d; a scan's window %d, %v, %v, %d",
								when, f, o, after, before, derefInt(w.First), derefInt(w.Last), len(got.Items), got.HasPrevious, got.HasNext, got.Total,
								len(exp.Items), exp.HasPrevious, exp.HasNext, exp.Total)
						}
					}
				}
			}
		}
	}
}

func derefInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// windowOf cuts w out of a sorted list by positions, as Relay's paging
// algorithm describes it.
func windowOf(list []*Commitment, o CommitmentOrder, w Window) CommitmentPage {
	beyond := func(k, c string) bool { return (k > c) != o.Descending && k != c }
	start, end := 0, len(list)
	if w.After != nil {
		for start < len(list) && !beyond(o.Key(list[start]), *w.After) {
			start++
		}
	}
	if w.Before != nil {
		end = 0
		for end < len(list) && !(o.Key(list[end]) == *w.Before || beyond(o.Key(list[end]), *w.Before)) {
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
	return CommitmentPage{Items: list[start:end], HasPrevious: start > 0, HasNext: end < len(list), Total: len(list)}
}

func rowsOf(cs []*Commitment) []commitmentRow {
	out := make([]commitmentRow, len(cs))
	for i, c := range cs {
		out[i] = commitmentRow{c: c, refKey: naturalKey(c.ID)}
	}
	return out
}

// TestKeptOrdersWhileWritten: readers page through the kept orders (the
// first of them sorting them under the read lock) while events move
// commitments between keys and places; afterwards every order still
// answers as a scan does. Run with -race.
func TestKeptOrdersWhileWritten(t *testing.T) {
	m := NewReadModel()
	var snaps []Snapshot
	for s := range 4 {
		snaps = append(snaps, Snapshot{State: StateOf(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s]})})
	}
	commitment := func(c, version int) *Commitment {
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-1.1-%03d", c), Version: version}, Title: fmt.Sprintf("T%d", (c*version)%9),
			LeadID: fmt.Sprintf("s%d", c%4), Participants: []Participant{{StakeholderID: fmt.Sprintf("s%d", (c+version)%4), Role: RoleLead}},
			Status: AllCommitmentStatuses[(c+version)%6], Progress: (c * version) % 101, DueDate: Date(fmt.Sprintf("2024-%02d-01", (c+version)%12+1))}
	}
	for c := range 60 {
		snaps = append(snaps, Snapshot{State: StateOf(commitment(c, 1))})
	}
	m.restore(snaps, 0)
	m.commitmentIndex.sorted.Store(false) // as after a bulk load read first by concurrent readers
	done := make(chan struct{})
	errs := make(chan string, 4)
	for r := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			first := 7
			for i := range 200 {
				o := CommitmentOrder{Field: orderFields[(r+i)%len(orderFields)], Descending: i%2 == 0}
				f := CommitmentFilter{Statuses: []CommitmentStatus{AllCommitmentStatuses[i%6]}}
				p := m.CommitmentPage(f, o, "2024-06-15", Window{First: &first})
				for j := 1; j < len(p.Items); j++ {
					if o.Key(p.Items[j-1]) == o.Key(p.Items[j]) || (o.Key(p.Items[j-1]) > o.Key(p.Items[j])) != o.Descending {
						errs <- fmt.Sprintf("a page out of order %+v", o)
						return
					}
				}
			}
		}()
	}
	for v := 2; v <= 5; v++ {
		for c := range 60 {
			if err := m.Apply(&Event{Seq: m.Seq() + 1, Type: TypeCommitment, EntityID: fmt.Sprintf("C-1.1-%03d", c), Version: v, State: StateOf(commitment(c, v))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	checkCommitments(t, m, "after concurrent reads and writes")
}

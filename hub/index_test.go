package hub

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestIndexedFiltersAgreeWithScan: a filter answered through a registry
// index (commitments by stakeholder, objective, pillar, status, community
// and due date; meetings by stakeholder, status and date; outcomes by
// meeting, owner and status) returns what a scan of every row returns,
// also after changes that move entities between keys.
func TestIndexedFiltersAgreeWithScan(t *testing.T) {
	m := NewReadModel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var seq int64
	apply := func(e entity) {
		t.Helper()
		seq++
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: seq, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, State: st}); err != nil {
			t.Fatal(err)
		}
	}
	for s := range 6 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s%4]})
	}
	commitment := func(c, version int) *Commitment {
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-1.%d-%03d", c%3+1, c), Version: version},
			ObjectiveID: fmt.Sprintf("o%d", c%3), PillarID: fmt.Sprintf("p%d", c%2),
			LeadID: fmt.Sprintf("s%d", c%6), Participants: []Participant{{StakeholderID: fmt.Sprintf("s%d", c%6), Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", (c+version)%6), Role: RoleFunding}},
			Status: AllCommitmentStatuses[(c+version)%6], DueDate: Date(fmt.Sprintf("2024-%02d-%02d", c%12+1, version)),
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
				for key, ids := range tb.indexes[name] {
					for id := range ids {
						listed++
						if !slices.Contains(k.keys(tb.rows[id], j, nil), key) {
							t.Errorf("%s: %s index %s lists %s under %q, a key it no longer has", when, k.Type, name, id, key)
						}
					}
				}
				want := 0
				for _, e := range tb.rows {
					for _, key := range slices.Compact(slices.Sorted(slices.Values(k.keys(e, j, nil)))) {
						if key != "" {
							want++
						}
					}
				}
				if listed != want {
					t.Errorf("%s: %s index %s holds %d entries, want %d", when, k.Type, name, listed, want)
				}
			}
		}
		date := func(s string) *Date { d := Date(s); return &d }
		for _, f := range []CommitmentFilter{
			{StakeholderIDs: []string{"s1"}}, {StakeholderIDs: []string{"s1", "s2"}, Sectors: []Sector{CivilSociety}},
			{ObjectiveIDs: []string{"o1"}}, {PillarIDs: []string{"p0"}, Statuses: []CommitmentStatus{OnTrack, AtRisk}},
			{Statuses: []CommitmentStatus{Completed}}, {CommunityIDs: []string{"k2", "k3"}},
			{DueBefore: date("2024-06-01")}, {DueAfter: date("2024-03-02"), DueBefore: date("2024-09-01")},
			{DueAfter: date("2030-01-01")}, {PillarIDs: []string{"none"}},
		} {
			m.mu.RLock()
			match := m.commitmentMatcher(f, "2024-06-15")
			var want []*Commitment
			for i := range m.commitmentIndex.rows {
				if r := &m.commitmentIndex.rows[i]; match(r) {
					want = append(want, r.c)
				}
			}
			m.mu.RUnlock()
			want = sortedCommitments(rowsOf(want), CommitmentOrder{})
			if got := m.Commitments(f, CommitmentOrder{}, "2024-06-15"); !slices.Equal(got, want) {
				t.Errorf("%s: Commitments(%+v): %d, a scan %d", when, f, len(got), len(want))
			}
		}
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
	check("after every entity changed its keys")
}

func rowsOf(cs []*Commitment) []commitmentRow {
	out := make([]commitmentRow, len(cs))
	for i, c := range cs {
		out[i] = commitmentRow{c: c, refKey: naturalKey(c.ID)}
	}
	return out
}

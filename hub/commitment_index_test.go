package hub

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// The commitment index must answer as a scan of the commitments and their
// stakeholders would, however the states arrive: snapshots restore in any
// order (a commitment before its stakeholders), and a stakeholder's sector
// or a commitment's status may change afterwards.
func TestCommitmentIndexAgreesWithScan(t *testing.T) {
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var states []State
	states = append(states, StateOf(&Pillar{Meta: Meta{ID: "p1"}, PlanID: "plan", Code: "1"}),
		StateOf(&Pillar{Meta: Meta{ID: "p2"}, PlanID: "plan", Code: "2"}))
	for c := range 60 {
		lead := fmt.Sprintf("s%d", c%7)
		states = append(states, StateOf(&Commitment{Meta: Meta{ID: fmt.Sprintf("C-%d.1-%03d", c%2+1, c), Version: 1, UpdatedAt: at.Add(time.Duration(c%5) * time.Hour)},
			Title: fmt.Sprintf("T%d", c%9), PillarID: fmt.Sprintf("p%d", c%2+1), LeadID: lead,
			Participants: []Participant{{StakeholderID: lead, Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", (c+3)%7), Role: RoleFunding}},
			Status:       AllCommitmentStatuses[c%len(AllCommitmentStatuses)], Progress: c * 7 % 101, DueDate: Date(fmt.Sprintf("2024-%02d-01", c%12+1))}))
	}
	for s := range 7 {
		states = append(states, StateOf(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s%4]}))
	}
	m := NewReadModel()
	var snaps []Snapshot
	for _, s := range states {
		snaps = append(snaps, Snapshot{State: s})
	}
	m.restore(snaps, 0)
	check := func(when string) {
		t.Helper()
		for _, today := range []Date{"2024-06-15", "2030-01-01", "2024-06-15"} { // the same day on both sides of a change
			for _, f := range []CommitmentFilter{{}, {Sectors: []Sector{CivilSociety}}, {Sectors: []Sector{Government, PrivateSector}, Statuses: []CommitmentStatus{OnTrack, Delayed}}} {
				want := scanStats(m, f, today)
				if got := m.Stats(f, today); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: Stats(%+v, %s) = %+v, want %+v", when, f, today, got, want)
				}
			}
		}
		for _, o := range []CommitmentOrder{{}, {Field: OrderByTitle}, {Field: OrderByProgress, Descending: true}, {Field: OrderByUpdatedAt}, {Field: OrderByDueDate, Descending: true}} {
			f := CommitmentFilter{Sectors: []Sector{InternationalPartner}}
			got, want := m.Commitments(f, o, "2024-06-15"), scanCommitments(m, f, o)
			if !slices.Equal(got, want) {
				t.Errorf("%s: Commitments(%+v, %+v) differ from a scan", when, f, o)
			}
		}
	}
	check("after restore")

	s0 := *Stakeholders.Get(m, "s0")
	s0.Version, s0.Sector = 2, InternationalPartner
	c5 := *Commitments.Get(m, "C-2.1-005")
	c5.Version, c5.Status, c5.Progress = 2, Completed, 100
	c1 := *Commitments.Get(m, "C-2.1-001") // open and overdue on the first day checked
	c1.Version, c1.Status = 2, Completed
	if err := m.Apply(&Event{Seq: 1, Type: TypeStakeholder, EntityID: "s0", Version: 2, State: StateOf(&s0)},
		&Event{Seq: 2, Type: TypeCommitment, EntityID: c5.ID, Version: 2, State: StateOf(&c5)},
		&Event{Seq: 3, Type: TypeCommitment, EntityID: c1.ID, Version: 2, State: StateOf(&c1)}); err != nil {
		t.Fatal(err)
	}
	check("after a sector and a status changed")
}

// scanStats is Stats computed the plain way, from the commitments.
func scanStats(m *ReadModel, f CommitmentFilter, today Date) CommitmentStats {
	var all []*Commitment
	for _, c := range Commitments.all(m) {
		if matchesByScan(m, f, c) {
			all = append(all, c)
		}
	}
	var total acc
	var overdue int
	late := map[string]int{} // overdue by "status", "sector" or "pillar" and its key
	byStatus := map[CommitmentStatus]int{}
	bySector := map[Sector]*acc{}
	byPillar := map[string]*acc{}
	for _, s := range AllSectors {
		bySector[s] = &acc{}
	}
	for _, c := range all {
		total.count++
		total.progress += c.Progress
		if c.IsOverdue(today) {
			overdue++
			late["status"+string(c.Status)]++
			late["pillar"+c.PillarID]++
			if lead := Stakeholders.get(m, c.LeadID); lead != nil {
				late["sector"+string(lead.Sector)]++
			}
		}
		byStatus[c.Status]++
		if lead := Stakeholders.get(m, c.LeadID); lead != nil {
			bySector[lead.Sector].count++
			bySector[lead.Sector].progress += c.Progress
		}
		if byPillar[c.PillarID] == nil {
			byPillar[c.PillarID] = &acc{}
		}
		byPillar[c.PillarID].count++
		byPillar[c.PillarID].progress += c.Progress
	}
	out := CommitmentStats{Total: total.count, AverageProgress: total.average(), VerifiedProgress: total.averageVerified(), Overdue: overdue, model: m, filter: f, today: today}
	for _, s := range AllCommitmentStatuses {
		out.ByStatus = append(out.ByStatus, StatusCount{Status: s, Count: byStatus[s], Overdue: late["status"+string(s)]})
	}
	for _, s := range AllSectors {
		out.BySector = append(out.BySector, SectorStats{Sector: s, Count: bySector[s].count, AverageProgress: bySector[s].average(), Overdue: late["sector"+string(s)]})
	}
	for _, id := range []string{"p1", "p2"} {
		a := acc{}
		if byPillar[id] != nil {
			a = *byPillar[id]
		}
		out.ByPillar = append(out.ByPillar, PillarStats{Pillar: Pillars.get(m, id), Count: a.count, AverageProgress: a.average(), Overdue: late["pillar"+id]})
	}
	return out
}

func matchesByScan(m *ReadModel, f CommitmentFilter, c *Commitment) bool {
	if !among(f.Statuses, c.Status) {
		return false
	}
	if len(f.Sectors) == 0 {
		return true
	}
	for _, p := range c.Participants {
		if s := Stakeholders.get(m, p.StakeholderID); s != nil && among(f.Sectors, s.Sector) {
			return true
		}
	}
	return false
}

func scanCommitments(m *ReadModel, f CommitmentFilter, o CommitmentOrder) []*Commitment {
	var out []*Commitment
	for _, c := range Commitments.all(m) {
		if matchesByScan(m, f, c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *Commitment) int {
		ka, kb := o.Key(a), o.Key(b)
		if o.Descending {
			ka, kb = kb, ka
		}
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	return out
}

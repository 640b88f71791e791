package hub

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// scannedStats is Stats of f rolled up afresh from every row, without
// the kept answer or the kept roll-up.
func scannedStats(m *ReadModel, f CommitmentFilter, today Date) CommitmentStats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	match := m.commitmentMatcher(f, today)
	scan := newRollup()
	scan.tally = newTally(statsDims, &today)
	for i := range m.commitmentIndex.rows {
		if r := &m.commitmentIndex.rows[i]; match(r) {
			scan.add(r, 1)
		}
	}
	return m.statsOf(&scan, f, today)
}

// TestKeptStatsAgreeWithScan: the kept figures of every commitment, asked
// once and again on each day, equal a scan's after creations, changes,
// progress reports and verdicts, a lead's new sector, pillars renamed,
// reordered and added, and a meeting made private; and byPillar lists
// every pillar as it now is, by plan and then by code in natural order.
func TestKeptStatsAgreeWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	m := NewReadModel()
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan", Version: 1}})
	apply(&StrategicPlan{Meta: Meta{ID: "plan2", Version: 1}})
	pillars := map[string]*Pillar{}
	pillar := func(id, plan, code, title string) {
		p := &Pillar{Meta: Meta{ID: id, Version: 1}, PlanID: plan, Code: code, Title: title}
		if old := pillars[id]; old != nil {
			p.Version = old.Version + 1
		}
		pillars[id] = p
		apply(p)
	}
	pillar("p0", "plan", "10", "Ten")
	pillar("p1", "plan", "9", "Nine")
	pillar("p2", "plan2", "1", "One")
	for s := range 6 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s%4]})
	}
	commitments := map[string]*Commitment{}
	put := func(c *Commitment) {
		if old := commitments[c.ID]; old != nil {
			c.Version = old.Version + 1
		} else {
			c.Version = 1
		}
		commitments[c.ID] = c
		apply(c)
	}
	fresh := func(n int) *Commitment {
		lead := fmt.Sprintf("s%d", rng.IntN(6))
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-%03d", n)}, PillarID: fmt.Sprintf("p%d", rng.IntN(3)), LeadID: lead,
			Participants: []Participant{{StakeholderID: lead, Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", rng.IntN(6)), Role: RoleFunding}},
			Status:       AllCommitmentStatuses[rng.IntN(len(AllCommitmentStatuses))], Progress: rng.IntN(101),
			DueDate: Date(fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))}
	}
	for c := range 120 {
		put(fresh(c))
	}
	check := func(when string) {
		t.Helper()
		for _, today := range []Date{"2024-06-15", "2030-01-01", "2024-06-15"} { // the same day on both sides of a change
			for _, f := range []CommitmentFilter{{}, {PlanIDs: []string{"plan"}}} {
				want := scannedStats(m, f, today)
				for ask := range 2 { // the second answers from what the first kept
					got := m.Stats(f, today)
					if d := statsDiff(got, want); d != "" {
						t.Fatalf("%s: Stats(%+v, %s), ask %d, differs from a scan's: %s", when, f, today, ask+1, d)
					}
					var order []*Pillar
					for _, p := range pillars {
						if among(f.PlanIDs, p.PlanID) {
							order = append(order, p)
						}
					}
					slices.SortFunc(order, func(a, b *Pillar) int {
						return cmp.Or(cmp.Compare(a.PlanID, b.PlanID), cmp.Compare(naturalKey(a.Code), naturalKey(b.Code)))
					})
					if len(got.ByPillar) != len(order) {
						t.Fatalf("%s: %d pillars, want %d", when, len(got.ByPillar), len(order))
					}
					for i, p := range order {
						if g := got.ByPillar[i].Pillar; *g != *p {
							t.Fatalf("%s: byPillar[%d] is %+v, want %+v", when, i, *g, *p)
						}
					}
				}
			}
		}
	}
	check("after creation")

	for c := range 120 {
		switch cm := *commitments[fmt.Sprintf("C-%03d", c)]; c % 4 {
		case 0: // a progress report
			cm.Progress, cm.Status = min(100, cm.Progress+10), OnTrack
			put(&cm)
		case 1: // its verdict
			cm.Verification, cm.VerifiedProgress = Verified, cm.Progress
			put(&cm)
		case 2: // an edit: another pillar and due date
			cm.PillarID, cm.DueDate = "p2", "2030-06-01"
			put(&cm)
		}
	}
	put(fresh(120))
	check("after reports, verdicts, edits and a creation")

	apply(&Stakeholder{Meta: Meta{ID: "s1", Version: 2}, Sector: InternationalPartner})
	check("after a lead's sector changed")

	pillar("p1", "plan", "11", "Eleven") // now after p0
	pillar("p0", "plan", "10", "Ten, renamed")
	pillar("p3", "plan", "2", "Two")
	check("after pillars changed and one was added")

	at := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	apply(&Meeting{Meta: Meta{ID: "mt", Version: 1}, StartsAt: at, EndsAt: at.Add(time.Hour), ConvenerID: "s0"})
	apply(&Meeting{Meta: Meta{ID: "mt", Version: 2}, StartsAt: at, EndsAt: at.Add(time.Hour), ConvenerID: "s0", Private: true})
	check("after a meeting was made private")
}

// TestKeptStatsAreEveryones: the kept figures are shared by every
// viewer, which holds while the read policy hides no commitment, no
// pillar and no stakeholder, nor the fields the figures read. A kind
// that gains a rule must key the kept figures by audience first.
func TestKeptStatsAreEveryones(t *testing.T) {
	for _, k := range []*kind{Commitments.kind, Pillars.kind, Objectives.kind, Stakeholders.kind} {
		if k.ruled {
			t.Errorf("%s has a visibility rule: the kept figures (stats_kept.go) would show what some viewers may not see", k.Type)
		}
	}
	if p := Commitments.kind.Private; len(p) > 0 {
		t.Errorf("commitments have private fields %v: the kept figures would count them for anonymous viewers", p)
	}
	for _, f := range Stakeholders.kind.Private {
		if f == "sector" {
			t.Error("a stakeholder's sector is private: bySector would show it")
		}
	}
}

// TestKeptStatsConcurrentReaders: readers asking for the figures on days
// that change, while a writer applies events, all end with a scan's
// figures (run it with -race).
func TestKeptStatsConcurrentReaders(t *testing.T) {
	m := NewReadModel()
	apply := applier(t, m)
	apply(&Pillar{Meta: Meta{ID: "p", Version: 1}, PlanID: "plan", Code: "1"})
	for s := range 4 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s]})
	}
	commitment := func(c, v int) *Commitment {
		s := fmt.Sprintf("s%d", c%4)
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-%03d", c), Version: v}, PillarID: "p", LeadID: s,
			Participants: []Participant{{StakeholderID: s, Role: RoleLead}},
			Status:       AllCommitmentStatuses[(c+v)%6], Progress: (c * v) % 101, DueDate: Date(fmt.Sprintf("2024-%02d-%02d", 1+c%12, 1+(c+v)%28))}
	}
	for c := range 100 {
		apply(commitment(c, 1))
	}
	done := make(chan struct{})
	for r := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				if s := m.Stats(CommitmentFilter{}, Date(fmt.Sprintf("2024-%02d-15", 1+(r+i/50)%12))); s.Total < 100 || len(s.ByPillar) != 1 {
					t.Errorf("figures of %d commitments, %d pillars", s.Total, len(s.ByPillar))
					return
				}
			}
		}()
	}
	for v := 2; v <= 4; v++ {
		for c := range 100 {
			apply(commitment(c, v))
		}
	}
	for range 4 {
		<-done
	}
	for _, today := range []Date{"2024-07-01", "2024-07-01", "2024-01-15"} {
		if d := statsDiff(m.Stats(CommitmentFilter{}, today), scannedStats(m, CommitmentFilter{}, today)); d != "" {
			t.Fatalf("Stats on %s differs from a scan's: %s", today, d)
		}
	}
}

// TestKeptStatsAllocateNothing: asking again for the figures of every
// commitment on the same day reads the kept answer and allocates nothing.
func TestKeptStatsAllocateNothing(t *testing.T) {
	m := NewReadModel()
	apply := applier(t, m)
	apply(&Pillar{Meta: Meta{ID: "p", Version: 1}, PlanID: "plan", Code: "1"})
	apply(&Stakeholder{Meta: Meta{ID: "s", Version: 1}, Sector: Government})
	for c := range 20 {
		apply(&Commitment{Meta: Meta{ID: fmt.Sprintf("C-%03d", c), Version: 1}, PillarID: "p", LeadID: "s",
			Participants: []Participant{{StakeholderID: "s", Role: RoleLead}}, Status: OnTrack, Progress: c, DueDate: "2024-03-01"})
	}
	first := m.SharedStats(CommitmentFilter{}, "2024-06-15")
	if n := testing.AllocsPerRun(50, func() {
		if m.SharedStats(CommitmentFilter{}, "2024-06-15") != first {
			t.Fatal("a second answer, with nothing changed")
		}
	}); n != 0 {
		t.Errorf("the kept figures cost %v allocations an ask, want 0", n)
	}
}

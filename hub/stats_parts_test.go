package hub

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// TestFilteredStatsAgreeWithScan: every filtered answer, from whichever
// kept cells or rows it is summed (every commitment's cells, their coarse
// twin, a search's, one stakeholder's, the matching rows), equals a scan's;
// answers asked in parallel share the scratch space without mixing, an
// answer stays as it was after later asks reuse that space, and more
// pillars than the answer keeps inline are listed too.
func TestFilteredStatsAgreeWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 4))
	m := NewReadModel()
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan", Version: 1}})
	apply(&StrategicPlan{Meta: Meta{ID: "plan2", Version: 1}})
	const pillars = 11 // more than statsAnswer keeps inline
	for p := range pillars {
		plan := "plan"
		if p%4 == 3 {
			plan = "plan2"
		}
		apply(&Pillar{Meta: Meta{ID: fmt.Sprintf("p%d", p), Version: 1}, PlanID: plan, Code: fmt.Sprint(p)})
	}
	for s := range 8 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Name: fmt.Sprintf("S%d", s), Sector: AllSectors[s%4]})
	}
	version := map[string]int{}
	put := func(n int) {
		id := fmt.Sprintf("C-%03d", n)
		version[id]++
		lead := fmt.Sprintf("s%d", rng.IntN(8))
		c := &Commitment{Meta: Meta{ID: id, Version: version[id]}, Title: fmt.Sprintf("Commitment %d on %s", n, []string{"water", "roads", "schools"}[n%3]),
			PillarID: fmt.Sprintf("p%d", rng.IntN(pillars)), ObjectiveID: fmt.Sprintf("o%d", rng.IntN(3)), LeadID: lead,
			Participants: []Participant{{StakeholderID: lead, Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", rng.IntN(8)), Role: RoleFunding}},
			Status:       AllCommitmentStatuses[rng.IntN(len(AllCommitmentStatuses))], Progress: rng.IntN(101),
			DueDate: Date(fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))}
		if rng.IntN(3) == 0 {
			c.VerifiedProgress, c.Verification = c.Progress, Verified
		}
		apply(c)
	}
	for n := range 300 {
		put(n)
	}
	yes, no := true, false
	from, to := Date("2024-03-01"), Date("2024-08-31")
	filters := []CommitmentFilter{
		{Sectors: []Sector{CivilSociety}},
		{Statuses: []CommitmentStatus{AtRisk, Delayed}, Sectors: []Sector{Government}},
		{PillarIDs: []string{"p2", "p9"}},
		{PlanIDs: []string{"plan"}},
		{PlanIDs: []string{"plan2"}, LeadSectors: []Sector{PrivateSector}},
		{Overdue: &yes},
		{Overdue: &no, DueAfter: &from},
		{DueAfter: &from, DueBefore: &to},
		{Statuses: []CommitmentStatus{"NO_SUCH_STATUS"}},
		{StakeholderIDs: []string{"s3"}},
		{StakeholderIDs: []string{"s3", "s3"}, Overdue: &yes, PillarIDs: []string{"p1", "p4"}},
		{StakeholderIDs: []string{"s5"}, Sectors: []Sector{Government}}, // s5 is not in government
		{StakeholderIDs: []string{"nobody"}},
		{StakeholderIDs: []string{"s1", "s2"}},
		{Search: "water"},
		{Search: "roads", Statuses: []CommitmentStatus{OnTrack}, DueBefore: &to},
		{Search: "commitment 1", StakeholderIDs: []string{"s0"}},
		{ObjectiveIDs: []string{"o1"}},
		{ObjectiveIDs: []string{"o2"}, PlanIDs: []string{"plan2"}, Overdue: &yes},
	}
	check := func(when string) {
		t.Helper()
		for _, today := range []Date{"2024-06-15", "2024-11-02"} {
			var kept []CommitmentStats
			for _, f := range filters {
				want := scannedStats(m, f, today)
				for ask := range 3 { // a search's first ask sums its rows, the next ones its cells
					got := m.Stats(f, today)
					if d := statsDiff(got, want); d != "" {
						t.Fatalf("%s, %s: Stats(%+v), ask %d, differs from a scan's: %s", when, today, f, ask, d)
					}
					if f.PlanIDs == nil && len(got.ByPillar) != pillars {
						t.Fatalf("%s: Stats(%+v) lists %d pillars, want %d", when, f, len(got.ByPillar), pillars)
					}
				}
				kept = append(kept, want)
			}
			// Later asks reused the scratch space: the earlier answers, shared
			// with their callers, are as they were.
			var wg sync.WaitGroup
			errs := make(chan string, len(filters))
			for i, f := range filters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 20 {
						if d := statsDiff(*m.SharedStats(f, today), kept[i]); d != "" {
							errs <- fmt.Sprintf("in parallel, Stats(%+v): %s", f, d)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Fatalf("%s, %s: %s", when, today, e)
			}
		}
	}
	check("at first")
	for n := range 60 { // changes move commitments between cells
		put(rng.IntN(300))
		put(300 + n)
	}
	check("after changes")
}

// TestFilteredStatsAllocateOnce: a filtered answer the kept cells give is
// one allocation, its breakdowns inline (a sync.Pool may drop its scratch
// space, as the race detector makes it do at random: allow for that).
func TestFilteredStatsAllocateOnce(t *testing.T) {
	m := NewReadModel()
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan", Version: 1}})
	apply(&Pillar{Meta: Meta{ID: "p0", Version: 1}, PlanID: "plan", Code: "1"})
	apply(&Stakeholder{Meta: Meta{ID: "s0", Version: 1}, Sector: Government})
	for n := range 20 {
		apply(&Commitment{Meta: Meta{ID: fmt.Sprintf("C-%02d", n), Version: 1}, PillarID: "p0", LeadID: "s0",
			Participants: []Participant{{StakeholderID: "s0", Role: RoleLead}}, Status: AllCommitmentStatuses[n%len(AllCommitmentStatuses)],
			DueDate: Date(fmt.Sprintf("2024-01-%02d", 1+n))})
	}
	yes := true
	for _, f := range []CommitmentFilter{{Sectors: []Sector{Government}}, {Overdue: &yes}, {StakeholderIDs: []string{"s0"}}, {PillarIDs: []string{"p0"}}} {
		m.Stats(f, "2024-01-10")
		if n := testing.AllocsPerRun(50, func() { m.Stats(f, "2024-01-10") }); n > 2 {
			t.Errorf("Stats(%+v) allocates %.1f times a request, want 1", f, n)
		}
	}
}

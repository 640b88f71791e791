package hub

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestBreakdownsAgreeWithScan: the overdue and verified counts of every
// bar of commitmentStats, and the breakdown by stakeholder in every role, equal
// a count over every commitment, with and without a filter, on several
// days, after changes that move commitments between bars (status, due
// date, lead, a stakeholder's sector); and a lead-sector filter selects
// exactly the commitments a bySector bar counts.
func TestBreakdownsAgreeWithScan(t *testing.T) {
	m := NewReadModel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	apply := applier(t, m)
	stakeholder := func(s, version int) *Stakeholder {
		return &Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: version}, Name: fmt.Sprintf("S%d", s%4), Sector: AllSectors[(s+version)%4]}
	}
	for s := range 7 {
		apply(stakeholder(s, 1))
	}
	roles := []ParticipantRole{RoleImplementing, RoleFunding, RoleSupporting}
	commitment := func(c, version int) *Commitment {
		lead := fmt.Sprintf("s%d", (c+version)%7)
		ps := []Participant{{StakeholderID: lead, Role: RoleLead}}
		for j := range c % 3 {
			ps = append(ps, Participant{StakeholderID: fmt.Sprintf("s%d", (c*3+j+version)%7), Role: roles[(c+j)%3]})
		}
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-1.%d-%03d", c%3+1, c), Version: version, UpdatedAt: at},
			Progress: (c*13 + version*7) % 101, ObjectiveID: fmt.Sprintf("o%d", c%3), PillarID: fmt.Sprintf("p%d", c%2),
			LeadID: lead, Participants: ps, Status: AllCommitmentStatuses[(c+version)%6], Verification: []Verdict{"", Verified, Disputed}[(c+version)%3],
			DueDate: Date(fmt.Sprintf("2024-%02d-%02d", (c*version)%12+1, c%28+1))}
	}
	for p := range 2 {
		apply(&Pillar{Meta: Meta{ID: fmt.Sprintf("p%d", p), Version: 1}, PlanID: "plan", Code: fmt.Sprint(p)})
	}
	for c := range 60 {
		apply(commitment(c, 1))
	}
	date := func(s string) *Date { d := Date(s); return &d }
	yes := true
	filters := []CommitmentFilter{{}, {PillarIDs: []string{"p1"}}, {Statuses: []CommitmentStatus{Delayed, AtRisk}}, {DueBefore: date("2024-07-01")},
		{Overdue: &yes}, {StakeholderIDs: []string{"s3"}}, {LeadSectors: []Sector{Government}}}

	check := func(when string) {
		t.Helper()
		for _, today := range []Date{"2024-03-10", "2024-09-01", "2024-03-10"} {
			for _, f := range filters {
				scan := m.Commitments(f, CommitmentOrder{}, today)
				s := m.Stats(f, today)
				if want := verifiedOf(scan, func(*Commitment) bool { return true }); s.Verified != want {
					t.Errorf("%s, %s, %+v: %d verified, a scan %d", when, today, f, s.Verified, want)
				}
				for _, b := range s.ByStatus {
					in := func(c *Commitment) bool { return c.Status == b.Status }
					if want := countOf(scan, today, in); b.Overdue != want {
						t.Errorf("%s, %s, %+v: %s has %d overdue, a scan %d", when, today, f, b.Status, b.Overdue, want)
					}
					if want := verifiedOf(scan, in); b.Verified != want {
						t.Errorf("%s, %s, %+v: %s has %d verified, a scan %d", when, today, f, b.Status, b.Verified, want)
					}
				}
				for _, b := range s.BySector {
					in := func(c *Commitment) bool { return Stakeholders.Get(m, c.LeadID).Sector == b.Sector }
					if want := countOf(scan, today, in); b.Overdue != want {
						t.Errorf("%s, %s, %+v: sector %s has %d overdue, a scan %d", when, today, f, b.Sector, b.Overdue, want)
					}
					if want := verifiedOf(scan, in); b.Verified != want {
						t.Errorf("%s, %s, %+v: sector %s has %d verified, a scan %d", when, today, f, b.Sector, b.Verified, want)
					}
					g := f
					g.LeadSectors = []Sector{b.Sector}
					if len(f.LeadSectors) > 0 && !slices.Contains(f.LeadSectors, b.Sector) {
						continue
					}
					if n := m.CommitmentPage(g, CommitmentOrder{}, today, Window{Count: true}).Total; n != b.Count {
						t.Errorf("%s, %s, %+v: sector %s counts %d, its lead-sector filter selects %d", when, today, f, b.Sector, b.Count, n)
					}
				}
				for _, b := range s.ByPillar {
					in := func(c *Commitment) bool { return c.PillarID == b.Pillar.ID }
					if want := countOf(scan, today, in); b.Overdue != want {
						t.Errorf("%s, %s, %+v: pillar %s has %d overdue, a scan %d", when, today, f, b.Pillar.ID, b.Overdue, want)
					}
					if want := verifiedOf(scan, in); b.Verified != want {
						t.Errorf("%s, %s, %+v: pillar %s has %d verified, a scan %d", when, today, f, b.Pillar.ID, b.Verified, want)
					}
				}
				for _, role := range []ParticipantRole{"", RoleLead, RoleFunding} {
					checkStakeholderBreakdown(t, m, scan, f, role, today, when)
				}
			}
		}
	}
	check("after creation")
	for c := range 60 {
		if c%4 != 0 {
			apply(commitment(c, 2)) // new status, due date, lead and partners
		}
	}
	for s := range 7 {
		if s%2 == 0 {
			apply(stakeholder(s, 2)) // another sector
		}
	}
	check("after changes")
}

// countOf counts the overdue commitments of list that in selects.
func countOf(list []*Commitment, today Date, in func(*Commitment) bool) int {
	n := 0
	for _, c := range list {
		if in(c) && c.IsOverdue(today) {
			n++
		}
	}
	return n
}

// verifiedOf counts the commitments of list that in selects whose latest
// report stands verified.
func verifiedOf(list []*Commitment, in func(*Commitment) bool) int {
	n := 0
	for _, c := range list {
		if in(c) && c.Verification == Verified {
			n++
		}
	}
	return n
}

func checkStakeholderBreakdown(t *testing.T, m *ReadModel, scan []*Commitment, f CommitmentFilter, role ParticipantRole, today Date, when string) {
	t.Helper()
	want := map[string]StakeholderStats{}
	for _, c := range scan {
		seen := map[string]bool{}
		for _, p := range c.Participants {
			if seen[p.StakeholderID] || (role != "" && p.Role != role) {
				continue
			}
			seen[p.StakeholderID] = true
			w := want[p.StakeholderID]
			w.Count++
			w.AverageProgress += float64(c.Progress)
			if c.IsOverdue(today) {
				w.Overdue++
			}
			if c.Verification == Verified {
				w.Verified++
			}
			want[p.StakeholderID] = w
		}
	}
	for _, o := range []StakeholderStatsOrder{{Field: StatsByOverdue, Descending: true}, {Field: StatsByCount}, {Field: StatsByVerified, Descending: true}, {Field: StatsByProgress, Descending: true}, {Field: StatsByName}} {
		got := m.StakeholderBreakdown(f, role, o, today)
		if len(got) != len(want) {
			t.Errorf("%s, %s, %+v, role %q: %d stakeholders, a scan %d", when, today, f, role, len(got), len(want))
		}
		for i, g := range got {
			w := want[g.Stakeholder.ID]
			if g.Count != w.Count || g.Overdue != w.Overdue || g.Verified != w.Verified || g.AverageProgress != w.AverageProgress/float64(w.Count) {
				t.Errorf("%s, %s, %+v, role %q: %s counts %d, %d overdue, %d verified, average %v; a scan %d, %d, %d, %v", when, today, f, role, g.Stakeholder.ID,
					g.Count, g.Overdue, g.Verified, g.AverageProgress, w.Count, w.Overdue, w.Verified, w.AverageProgress/float64(w.Count))
			}
			if i > 0 {
				a, b := o.Key(got[i-1]), o.Key(g)
				if (a < b) == o.Descending || a == b {
					t.Errorf("%s: order %+v puts %q before %q", when, o, a, b)
				}
			}
		}
	}
}

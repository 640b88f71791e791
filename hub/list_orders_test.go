package hub

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestListOrdersAndOutcomeFilters: every order of stakeholders, meetings
// and outcomes, both ways, lists each item once with strictly increasing
// (or decreasing) unique keys; the outcome filters by due range, overdue,
// search and pillar select what a scan of every outcome selects.
func TestListOrdersAndOutcomeFilters(t *testing.T) {
	m := NewReadModel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	apply := applier(t, m)
	for s := range 9 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1, CreatedAt: at.Add(time.Duration(9-s) * time.Hour), UpdatedAt: at.Add(time.Duration(s%3) * time.Hour)},
			Name: []string{"Alpha", "beta", "Gamma"}[s%3], Sector: AllSectors[s%4]})
	}
	for c := range 6 {
		apply(&Commitment{Meta: Meta{ID: fmt.Sprintf("C-1.1-%03d", c), Version: 1}, PillarID: fmt.Sprintf("p%d", c%3), LeadID: "s0",
			Participants: []Participant{{StakeholderID: "s0", Role: RoleLead}}, Status: OnTrack, DueDate: "2025-01-01"})
	}
	for i := range 8 {
		apply(&Meeting{Meta: Meta{ID: fmt.Sprintf("m%d", i), Version: 1, UpdatedAt: at.Add(time.Duration(i%3) * time.Hour)}, Title: []string{"Board", "audit", "Board"}[i%3],
			ConvenerID: "s1", StartsAt: at.Add(time.Duration(i%4) * 24 * time.Hour), Status: Scheduled})
	}
	for i := range 30 {
		var due *Date
		if i%5 != 0 {
			d := Date(fmt.Sprintf("2025-%02d-%02d", i%6+1, i%3+10))
			due = &d
		}
		apply(&MeetingOutcome{Meta: Meta{ID: fmt.Sprintf("o%02d", i), Version: 1, UpdatedAt: at.Add(time.Duration(i%5) * time.Hour)}, MeetingID: fmt.Sprintf("m%d", i%8),
			Kind: ActionItem, Summary: []string{"Hire staff", "Repair lights", "Train officers"}[i%3], Details: []string{"", "by the council", "STREET lights"}[i%4%3],
			DueDate: due, Status: []OutcomeStatus{OutcomeOpen, OutcomeInProgress, OutcomeDone, OutcomeDropped}[i%4],
			CommitmentIDs: []string{fmt.Sprintf("C-1.1-%03d", i%6), fmt.Sprintf("C-1.1-%03d", (i+1)%6)}[:i%3], RecordedAt: at.Add(time.Duration(i%7) * time.Hour)})
	}
	admin := Viewer{Role: RoleAdmin}

	for _, field := range []StakeholderOrderField{StakeholdersByName, StakeholdersBySector, StakeholdersByCreatedAt, StakeholdersByUpdatedAt} {
		for _, desc := range []bool{false, true} {
			o := StakeholderOrder{Field: field, Descending: desc}
			checkOrder(t, fmt.Sprintf("stakeholders %+v", o), m.StakeholdersInOrder(StakeholderFilter{}, o), o.Key, desc, 9)
		}
	}
	for _, field := range []MeetingOrderField{MeetingsByStartsAt, MeetingsByTitle, MeetingsByUpdatedAt} {
		for _, desc := range []bool{false, true} {
			o := MeetingOrder{Field: field, Descending: desc}
			checkOrder(t, fmt.Sprintf("meetings %+v", o), m.MeetingsInOrder(MeetingFilter{Viewer: admin}, o), o.Key, desc, 8)
		}
	}
	if got := m.StakeholdersInOrder(StakeholderFilter{}, StakeholderOrder{Field: StakeholdersBySector}); got[0].Sector != Government || got[8].Sector != InternationalPartner {
		t.Errorf("by sector: first %s, last %s; want the schema's order of sectors", got[0].Sector, got[8].Sector)
	}
	all := m.Outcomes(OutcomeFilter{Viewer: admin})
	date := func(s string) *Date { d := Date(s); return &d }
	yes, no := true, false
	const today = "2025-03-11"
	for _, f := range []OutcomeFilter{{}, {DueAfter: date("2025-02-11")}, {DueBefore: date("2025-03-11")}, {DueAfter: date("2025-02-01"), DueBefore: date("2025-04-30")},
		{DueAfter: date("2026-01-01")}, {Overdue: &yes}, {Overdue: &no}, {Overdue: &yes, Statuses: []OutcomeStatus{OutcomeInProgress}},
		{Search: "lights"}, {Search: " street "}, {Search: "nothing"}, {PillarIDs: []string{"p1"}}, {PillarIDs: []string{"p0", "p2"}, DueBefore: date("2025-05-01")},
		{PillarIDs: []string{"none"}}} {
		f.Viewer, f.Today = admin, today
		var want []*MeetingOutcome
		for _, o := range all {
			in := (f.DueAfter == nil || (o.DueDate != nil && *o.DueDate >= *f.DueAfter)) && (f.DueBefore == nil || (o.DueDate != nil && *o.DueDate <= *f.DueBefore)) &&
				among(f.Statuses, o.Status)
			if f.Overdue != nil {
				late := o.DueDate != nil && *o.DueDate < today && (o.Status == OutcomeOpen || o.Status == OutcomeInProgress)
				in = in && late == *f.Overdue
			}
			if f.Search != "" {
				s := strings.TrimSpace(strings.ToLower(f.Search))
				in = in && (strings.Contains(strings.ToLower(o.Summary), s) || strings.Contains(strings.ToLower(o.Details), s))
			}
			if len(f.PillarIDs) > 0 {
				hit := false
				for _, id := range o.CommitmentIDs {
					hit = hit || slices.Contains(f.PillarIDs, Commitments.Get(m, id).PillarID)
				}
				in = in && hit
			}
			if in {
				want = append(want, o)
			}
		}
		if got := m.Outcomes(f); !slices.Equal(got, want) {
			t.Errorf("Outcomes(%+v): %d, a scan %d", f, len(got), len(want))
		}
		for _, field := range []OutcomeOrderField{OutcomesByRecordedAt, OutcomesByDueDate, OutcomesByUpdatedAt} {
			for _, desc := range []bool{false, true} {
				o := OutcomeOrder{Field: field, Descending: desc}
				checkOrder(t, fmt.Sprintf("outcomes %+v, %+v", o, f), m.OutcomesInOrder(f, o), o.Key, desc, len(want))
			}
		}
	}
	if got := m.OutcomesInOrder(OutcomeFilter{Viewer: admin}, OutcomeOrder{Field: OutcomesByDueDate}); got[0].DueDate == nil || got[len(got)-1].DueDate != nil {
		t.Error("by due date ascending: outcomes without a due date should come last")
	}
}

// checkOrder: list holds n items whose keys strictly increase (decrease
// when desc).
func checkOrder[T any](t *testing.T, what string, list []*T, key func(*T) string, desc bool, n int) {
	t.Helper()
	if len(list) != n {
		t.Errorf("%s: %d items, want %d", what, len(list), n)
	}
	for i := 1; i < len(list); i++ {
		a, b := key(list[i-1]), key(list[i])
		if a == b || (a < b) == desc {
			t.Errorf("%s: %q before %q", what, a, b)
		}
	}
}

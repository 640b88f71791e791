package hub_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"convene/hub"
)

// TestSeriesGroupsAfterWrites holds the series that the kept groups answer
// (filters of objectives, pillars, plans and sectors) to the series over
// the IDs the same filters select, each ID's timeline walked: after every
// kind of write that moves a commitment between groups or changes its
// months (a new commitment, a report, a new objective and participants,
// an objective moved to another pillar, a participant's sector changed),
// by month, quarter and year.
func TestSeriesGroupsAfterWrites(t *testing.T) {
	h, _, _ := seeded(t)
	ctx := context.Background()
	m := h.Model()
	all := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")
	first, last := all[0], all[len(all)-1]
	var other *hub.Commitment // one of another objective and another pillar
	for _, c := range all {
		if c.PillarID != first.PillarID {
			other = c
			break
		}
	}
	if other == nil {
		t.Fatal("the seed has a single pillar")
	}
	plan := hub.Pillars.Get(m, first.PillarID).PlanID
	filters := map[string]hub.CommitmentFilter{
		"all":                {},
		"sector":             {Sectors: []hub.Sector{hub.CivilSociety}},
		"sectors":            {Sectors: []hub.Sector{hub.Government, hub.PrivateSector}},
		"pillar":             {PillarIDs: []string{first.PillarID}},
		"pillars and sector": {PillarIDs: []string{first.PillarID, other.PillarID}, Sectors: []hub.Sector{hub.Government}},
		"objective":          {ObjectiveIDs: []string{first.ObjectiveID}},
		"other objective":    {ObjectiveIDs: []string{other.ObjectiveID}, Search: " "},
		"plan":               {PlanIDs: []string{plan}},
		"no plan":            {PlanIDs: []string{"no-such-plan"}},
	}
	type span struct {
		interval hub.SeriesInterval
		from, to hub.Date
	}
	spans := []span{{hub.Month, "2013-05-17", "2015-02-01"}, {hub.Quarter, "2010-10-01", "2016-12-31"}, {hub.Year, "2014-01-01", "2030-12-31"}}
	same := func(when string) {
		t.Helper()
		today := h.Today()
		for _, sp := range spans {
			periods, err := hub.SeriesPeriods(sp.interval, sp.from, sp.to)
			if err != nil {
				t.Fatal(err)
			}
			for name, f := range filters {
				got, err := m.ProgressSeriesOf(f, today, periods)
				if err != nil {
					t.Fatal(err)
				}
				want, err := m.ProgressSeries(m.CommitmentIDs(f, today), periods)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s, %s by %s: the groups' series\n%+v\nthe IDs' series\n%+v", when, name, sp.interval, got, want)
				}
			}
		}
	}
	same("seeded")

	at := time.Date(2014, 2, 1, 9, 0, 0, 0, time.UTC)
	created, err := h.CreateCommitment(ctx, hub.SystemActor, hub.CreateCommitmentInput{ObjectiveID: first.ObjectiveID, LeadID: first.LeadID,
		Title: "A commitment made after the seed", StartDate: "2014-01-01", DueDate: "2015-06-30", At: at})
	if err != nil {
		t.Fatal(err)
	}
	same("after a new commitment")
	onTrack := hub.OnTrack
	for i, when := range []time.Time{at.AddDate(0, 6, 0), at.AddDate(0, 1, 0), at.AddDate(1, 0, 0)} { // the second one back in time
		if _, _, err := h.ReportProgress(ctx, hub.SystemActor, hub.ReportProgressInput{CommitmentID: created.ID, Progress: 20 * (i + 1),
			Status: &onTrack, Note: "Under way", At: when}); err != nil {
			t.Fatal(err)
		}
	}
	same("after reports")

	objective, participants := other.ObjectiveID, []hub.Participant{{StakeholderID: last.LeadID, Role: hub.RoleImplementing}}
	if _, err := h.UpdateCommitment(ctx, hub.SystemActor, hub.UpdateCommitmentInput{ID: created.ID, ObjectiveID: &objective, Participants: &participants}); err != nil {
		t.Fatal(err)
	}
	same("after a new objective and participants")

	if _, err := h.UpdateObjective(ctx, hub.SystemActor, hub.UpdateObjectiveInput{ID: first.ObjectiveID, PillarID: &other.PillarID}); err != nil {
		t.Fatal(err)
	}
	same("after an objective moved")

	lead := hub.Stakeholders.Get(m, first.LeadID)
	sector := hub.CivilSociety // in or out of the "sector" filter
	if lead.Sector == sector {
		sector = hub.Government
	}
	if _, err := h.UpdateStakeholder(ctx, hub.SystemActor, hub.UpdateStakeholderInput{ID: lead.ID, Sector: &sector}); err != nil {
		t.Fatal(err)
	}
	same("after a sector changed")
}

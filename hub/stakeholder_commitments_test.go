package hub_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"convene/hub"
)

// TestCommitmentsOfIsAScanOfEveryCommitment holds each stakeholder's
// commitments, in every role filter, to a scan of every commitment in
// reference order: on the seeded hub, then after a commitment is made,
// after its participants change and after its lead changes (the kept
// orders it reads from move with them).
func TestCommitmentsOfIsAScanOfEveryCommitment(t *testing.T) {
	h, _, _ := seeded(t)
	ctx := context.Background()
	m := h.Model()
	var stakeholders []string
	for _, s := range m.Stakeholders(hub.StakeholderFilter{}) {
		stakeholders = append(stakeholders, s.ID)
	}
	roleSets := [][]hub.ParticipantRole{nil, {hub.RoleLead}, {hub.RoleImplementing}, {hub.RoleLead, hub.RoleImplementing}}
	same := func(when string) {
		t.Helper()
		all := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")
		for _, id := range append(stakeholders, "no-such-stakeholder") {
			for _, roles := range roleSets {
				var want []string
				for _, c := range all {
					if r := c.RoleOf(id); r != "" && (len(roles) == 0 || slices.Contains(roles, r)) {
						want = append(want, c.ID)
					}
				}
				var got []string
				for _, c := range m.CommitmentsOf(id, roles) {
					got = append(got, c.ID)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("%s: the commitments of %s as %v are %v, a scan finds %v", when, id, roles, got, want)
				}
			}
		}
	}
	same("seeded")

	first := m.Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, "")[0]
	a, b := stakeholders[0], stakeholders[len(stakeholders)-1]
	if a == first.LeadID {
		a, b = b, a
	}
	c, err := h.CreateCommitment(ctx, hub.SystemActor, hub.CreateCommitmentInput{ObjectiveID: first.ObjectiveID, LeadID: first.LeadID,
		Participants: []hub.Participant{{StakeholderID: a, Role: hub.RoleImplementing}},
		Title:        "A commitment made after the seed", StartDate: "2014-01-01", DueDate: "2015-06-30", At: time.Date(2014, 2, 1, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	same("after a new commitment")
	parts := []hub.Participant{{StakeholderID: b, Role: hub.RoleImplementing}}
	if _, err := h.UpdateCommitment(ctx, hub.SystemActor, hub.UpdateCommitmentInput{ID: c.ID, Participants: &parts}); err != nil {
		t.Fatal(err)
	}
	same("after its participants changed")
	if _, err := h.UpdateCommitment(ctx, hub.SystemActor, hub.UpdateCommitmentInput{ID: c.ID, LeadID: &a}); err != nil {
		t.Fatal(err)
	}
	same("after its lead changed")
}

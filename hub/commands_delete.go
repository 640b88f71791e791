package hub

import (
	"context"
	"strings"
	"time"
)

// Deleting reference data is for mistakes: what nothing refers to may
// go. Whatever commitments (or other parts of the plan) refer to is
// refused, with a user error that says to archive it instead. A deleted
// entity leaves its history (and a tombstone that keeps it across
// checkpoints), so the audit log still shows it.

// DeleteInput names what to delete.
type DeleteInput struct {
	ID              string
	ExpectedVersion *int
}

// DeletePlan deletes a plan with no pillars.
func (h *Hub) DeletePlan(ctx context.Context, actor Actor, in DeleteInput) error {
	return remove(h, ctx, actor, "StrategicPlanDeleted", TypePlan, in, Plans.Lookup(h.model), func(c *checker, p *StrategicPlan) {
		if len(h.model.PillarsOf(p.ID)) > 0 {
			c.add(CodeNotAllowed, "the plan has pillars: delete them first, or archive the plan instead", "id")
		}
	})
}

// DeletePillar deletes a pillar with no objectives.
func (h *Hub) DeletePillar(ctx context.Context, actor Actor, in DeleteInput) error {
	return remove(h, ctx, actor, "PillarDeleted", TypePillar, in, Pillars.Lookup(h.model), func(c *checker, p *Pillar) {
		if len(h.model.ObjectivesOf(p.ID)) > 0 {
			c.add(CodeNotAllowed, "the pillar has objectives: delete or move them first, or archive the pillar instead", "id")
		}
	})
}

// DeleteObjective deletes an objective no commitment is made towards.
func (h *Hub) DeleteObjective(ctx context.Context, actor Actor, in DeleteInput) error {
	return remove(h, ctx, actor, "ObjectiveDeleted", TypeObjective, in, Objectives.Lookup(h.model), func(c *checker, o *Objective) {
		if len(h.model.Commitments(CommitmentFilter{ObjectiveIDs: []string{o.ID}}, CommitmentOrder{}, "")) > 0 {
			c.add(CodeNotAllowed, "commitments are made towards this objective: archive it instead", "id")
		}
	})
}

// DeleteCommunity deletes a community no commitment targets.
func (h *Hub) DeleteCommunity(ctx context.Context, actor Actor, in DeleteInput) error {
	return remove(h, ctx, actor, "CommunityDeleted", TypeCommunity, in, Communities.Lookup(h.model), func(c *checker, cm *Community) {
		if len(h.model.Commitments(CommitmentFilter{CommunityIDs: []string{cm.ID}}, CommitmentOrder{}, "")) > 0 {
			c.add(CodeNotAllowed, "commitments target this community: archive it instead", "id")
		}
	})
}

// remove appends the deletion of the entity, an admin's, once check
// finds nothing that refers to it.
func remove[T any, P interface {
	*T
	entity
}](h *Hub, ctx context.Context, actor Actor, kind string, t EntityType, in DeleteInput, get func(string) P, check func(*checker, P)) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := get(in.ID)
		if old == nil {
			c.exists(false, strings.TrimPrefix(strings.ToLower(string(t)), "strategic"), "id")
			return nil, c.err()
		}
		if err := checkVersion(t, in.ID, in.ExpectedVersion, old.meta().Version); err != nil {
			return nil, err
		}
		check(&c, old)
		if err := c.err(); err != nil {
			return nil, err
		}
		v := P(new(T))
		*v = *old
		v.meta().Deleted = true
		return h.event(kind, actor, time.Time{}, old, v), nil
	})
	return err
}

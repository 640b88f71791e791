package hub

import (
	"context"
	"encoding/json"
	"time"
)

// The plan, its pillars and objectives, and communities are reference data:
// they are created from seed data, not through the API.

// CreatePlan adds a strategic plan.
func (h *Hub) CreatePlan(ctx context.Context, actor Actor, p StrategicPlan, at time.Time) error {
	return h.createReference(ctx, actor, "StrategicPlanCreated", at, func(c *checker) entity {
		c.text(p.Title, 300, "title")
		checkDate(c, p.PeriodStart, "periodStart")
		checkDate(c, p.PeriodEnd, "periodEnd")
		if p.PeriodEnd < p.PeriodStart {
			c.add(CodeInvalid, "must not be before periodStart", "periodEnd")
		}
		c.exists(Plans.Get(h.model, p.ID) == nil, "free id", "id")
		return &p
	})
}

// CreatePillar adds a pillar to a plan.
func (h *Hub) CreatePillar(ctx context.Context, actor Actor, p Pillar, at time.Time) error {
	return h.createReference(ctx, actor, "PillarCreated", at, func(c *checker) entity {
		c.text(p.Title, 300, "title")
		c.text(p.Code, 20, "code")
		c.exists(Plans.Get(h.model, p.PlanID) != nil, "plan", "planId")
		c.exists(Pillars.Get(h.model, p.ID) == nil, "free id", "id")
		return &p
	})
}

// CreateObjective adds an objective to a pillar.
func (h *Hub) CreateObjective(ctx context.Context, actor Actor, o Objective, at time.Time) error {
	return h.createReference(ctx, actor, "ObjectiveCreated", at, func(c *checker) entity {
		c.text(o.Title, 300, "title")
		c.text(o.Code, 20, "code")
		c.exists(Pillars.Get(h.model, o.PillarID) != nil, "pillar", "pillarId")
		c.exists(Objectives.Get(h.model, o.ID) == nil, "free id", "id")
		return &o
	})
}

// CreateCommunity adds a community.
func (h *Hub) CreateCommunity(ctx context.Context, actor Actor, cm Community, at time.Time) error {
	return h.createReference(ctx, actor, "CommunityCreated", at, func(c *checker) entity {
		c.text(cm.Name, 200, "name")
		c.exists(Communities.Get(h.model, cm.ID) == nil, "free id", "id")
		return &cm
	})
}

func (h *Hub) createReference(ctx context.Context, actor Actor, kind string, at time.Time, build func(*checker) entity) error {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		e := build(&c)
		if e.meta().ID == "" {
			c.add(CodeRequired, "must not be blank", "id")
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event(kind, actor, at, nil, e), nil
	})
	return err
}

func jsonString(s string) *string {
	b, _ := json.Marshal(s)
	out := string(b)
	return &out
}

package hub

import (
	"context"
	"encoding/json"
	"strings"
	"time"
)

// The plan, its pillars and objectives, and communities are reference
// data that only admins (and seed data) change. Nothing of them is ever
// deleted while something refers to it: archiving takes it out of new
// choices and keeps what was recorded under it readable. Codes are
// unique within their plan, titles of plans and names of communities
// unique overall, so that an import can match them.

// CreatePlan adds a strategic plan. Every creation here needs an ID: seed
// data uses its keys, the API NewID.
func (h *Hub) CreatePlan(ctx context.Context, actor Actor, p StrategicPlan, at time.Time) error {
	return create(h, ctx, actor, "StrategicPlanCreated", at, &p, func(c *checker) {
		c.exists(Plans.Get(h.model, p.ID) == nil, "free id", "id")
		h.checkPlan(c, &p)
	})
}

// CreatePillar adds a pillar to a plan.
func (h *Hub) CreatePillar(ctx context.Context, actor Actor, p Pillar, at time.Time) error {
	return create(h, ctx, actor, "PillarCreated", at, &p, func(c *checker) {
		c.exists(Pillars.Get(h.model, p.ID) == nil, "free id", "id")
		plan := Plans.Get(h.model, p.PlanID)
		c.exists(plan != nil, "plan", "planId")
		if plan != nil && plan.Archived {
			c.add(CodeNotAllowed, "the plan is archived", "planId")
		}
		h.checkPillar(c, &p)
	})
}

// CreateObjective adds an objective to a pillar.
func (h *Hub) CreateObjective(ctx context.Context, actor Actor, o Objective, at time.Time) error {
	return create(h, ctx, actor, "ObjectiveCreated", at, &o, func(c *checker) {
		c.exists(Objectives.Get(h.model, o.ID) == nil, "free id", "id")
		h.checkObjective(c, nil, &o)
	})
}

// CreateCommunity adds a community.
func (h *Hub) CreateCommunity(ctx context.Context, actor Actor, cm Community, at time.Time) error {
	return create(h, ctx, actor, "CommunityCreated", at, &cm, func(c *checker) {
		c.exists(Communities.Get(h.model, cm.ID) == nil, "free id", "id")
		h.checkCommunity(c, &cm)
	})
}

// UpdatePlanInput changes a plan; nil fields stay as they are.
type UpdatePlanInput struct {
	ID                     string
	ExpectedVersion        *int
	Title, Description     *string
	PeriodStart, PeriodEnd *Date
	Archived               *bool
}

// UpdatePlan changes or archives a plan.
func (h *Hub) UpdatePlan(ctx context.Context, actor Actor, in UpdatePlanInput) (*StrategicPlan, error) {
	return update(h, ctx, actor, "StrategicPlanUpdated", TypePlan, in.ID, in.ExpectedVersion, Plans.Lookup(h.model),
		func(c *checker, p *StrategicPlan) {
			set(&p.Title, in.Title)
			set(&p.Description, in.Description)
			set(&p.PeriodStart, in.PeriodStart)
			set(&p.PeriodEnd, in.PeriodEnd)
			set(&p.Archived, in.Archived)
			h.checkPlan(c, p)
		})
}

// UpdatePillarInput changes a pillar; nil fields stay as they are. A
// pillar stays in its plan.
type UpdatePillarInput struct {
	ID                       string
	ExpectedVersion          *int
	Code, Title, Description *string
	Archived                 *bool
}

// UpdatePillar changes or archives a pillar.
func (h *Hub) UpdatePillar(ctx context.Context, actor Actor, in UpdatePillarInput) (*Pillar, error) {
	return update(h, ctx, actor, "PillarUpdated", TypePillar, in.ID, in.ExpectedVersion, Pillars.Lookup(h.model),
		func(c *checker, p *Pillar) {
			set(&p.Code, in.Code)
			set(&p.Title, in.Title)
			set(&p.Description, in.Description)
			set(&p.Archived, in.Archived)
			h.checkPillar(c, p)
		})
}

// UpdateObjectiveInput changes an objective; nil fields stay as they
// are. PillarID moves it to another pillar of the same plan.
type UpdateObjectiveInput struct {
	ID                                 string
	ExpectedVersion                    *int
	PillarID, Code, Title, Description *string
	Archived                           *bool
}

// UpdateObjective changes, moves or archives an objective. Its
// commitments move with it.
func (h *Hub) UpdateObjective(ctx context.Context, actor Actor, in UpdateObjectiveInput) (*Objective, error) {
	return update(h, ctx, actor, "ObjectiveUpdated", TypeObjective, in.ID, in.ExpectedVersion, Objectives.Lookup(h.model),
		func(c *checker, o *Objective) {
			old := *o
			set(&o.PillarID, in.PillarID)
			set(&o.Code, in.Code)
			set(&o.Title, in.Title)
			set(&o.Description, in.Description)
			set(&o.Archived, in.Archived)
			h.checkObjective(c, &old, o)
		})
}

// UpdateCommunityInput changes a community; nil fields stay as they are.
type UpdateCommunityInput struct {
	ID              string
	ExpectedVersion *int
	Name, Area      *string
	Archived        *bool
}

// UpdateCommunity changes or archives a community.
func (h *Hub) UpdateCommunity(ctx context.Context, actor Actor, in UpdateCommunityInput) (*Community, error) {
	return update(h, ctx, actor, "CommunityUpdated", TypeCommunity, in.ID, in.ExpectedVersion, Communities.Lookup(h.model),
		func(c *checker, cm *Community) {
			set(&cm.Name, in.Name)
			set(&cm.Area, in.Area)
			set(&cm.Archived, in.Archived)
			h.checkCommunity(c, cm)
		})
}

func (h *Hub) checkPlan(c *checker, p *StrategicPlan) {
	p.Title = c.text(p.Title, 300, "title")
	p.Description = c.optionalText(p.Description, 4000, "description")
	checkDate(c, p.PeriodStart, "periodStart")
	checkDate(c, p.PeriodEnd, "periodEnd")
	if p.PeriodEnd < p.PeriodStart {
		c.add(CodeInvalid, "must not be before periodStart", "periodEnd")
	}
	for _, other := range h.model.Plans() {
		if other.ID != p.ID && strings.EqualFold(other.Title, p.Title) {
			c.add(CodeTaken, "another plan has this title", "title")
		}
	}
}

func (h *Hub) checkPillar(c *checker, p *Pillar) {
	p.Code = c.text(p.Code, 20, "code")
	p.Title = c.text(p.Title, 300, "title")
	p.Description = c.optionalText(p.Description, 4000, "description")
	for _, other := range h.model.PillarsOf(p.PlanID) {
		if other.ID != p.ID && other.Code == p.Code {
			c.add(CodeTaken, "another pillar of this plan has this code", "code")
		}
	}
}

// checkObjective checks o (old is nil for a new one): its pillar must be
// current when it is chosen, and in the same plan when it changes.
func (h *Hub) checkObjective(c *checker, old, o *Objective) {
	o.Code = c.text(o.Code, 20, "code")
	o.Title = c.text(o.Title, 300, "title")
	o.Description = c.optionalText(o.Description, 4000, "description")
	pillar := Pillars.Get(h.model, o.PillarID)
	if pillar == nil {
		c.exists(false, "pillar", "pillarId")
		return
	}
	if old == nil || old.PillarID != o.PillarID {
		if pillar.Archived {
			c.add(CodeNotAllowed, "the pillar is archived", "pillarId")
		}
		if old != nil && Pillars.Get(h.model, old.PillarID).PlanID != pillar.PlanID {
			c.add(CodeNotAllowed, "an objective moves only between pillars of its own plan", "pillarId")
		}
	}
	for _, p := range h.model.PillarsOf(pillar.PlanID) {
		for _, other := range h.model.ObjectivesOf(p.ID) {
			if other.ID != o.ID && other.Code == o.Code {
				c.add(CodeTaken, "another objective of this plan has this code", "code")
			}
		}
	}
}

func (h *Hub) checkCommunity(c *checker, cm *Community) {
	cm.Name = c.text(cm.Name, 200, "name")
	cm.Area = c.optionalText(cm.Area, 200, "area")
	for _, other := range h.model.Communities() {
		if other.ID != cm.ID && strings.EqualFold(other.Name, cm.Name) {
			c.add(CodeTaken, "another community has this name", "name")
		}
	}
}

// objectiveArchived reports whether o, its pillar or its plan is archived.
func (h *Hub) objectiveArchived(o *Objective) bool {
	if o.Archived {
		return true
	}
	p := Pillars.Get(h.model, o.PillarID)
	if p == nil || p.Archived {
		return true
	}
	plan := Plans.Get(h.model, p.PlanID)
	return plan == nil || plan.Archived
}

// create appends the creation of e, an admin's, once check finds nothing wrong.
func create[T any, P interface {
	*T
	entity
}](h *Hub, ctx context.Context, actor Actor, kind string, at time.Time, e P, check func(*checker)) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		if e.meta().ID == "" {
			c.add(CodeRequired, "must not be blank", "id")
		}
		check(&c)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event(kind, actor, at, nil, e), nil
	})
	return err
}

// update applies change to a copy of the current state of the entity and
// appends the difference, an admin's; a change that changes nothing
// records nothing.
func update[T any, P interface {
	*T
	entity
}](h *Hub, ctx context.Context, actor Actor, kind string, t EntityType, id string, expected *int,
	get func(string) P, change func(*checker, P)) (P, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := get(id)
		if old == nil {
			c.exists(false, strings.TrimPrefix(strings.ToLower(string(t)), "strategic"), "id")
			return nil, c.err()
		}
		if err := checkVersion(t, id, expected, old.meta().Version); err != nil {
			return nil, err
		}
		v := P(new(T))
		*v = *old
		change(&c, v)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, v) {
			return nil, nil
		}
		return h.event(kind, actor, time.Time{}, old, v), nil
	})
	if err != nil {
		return nil, err
	}
	return get(id), nil
}

// set replaces *dst with *v when v is given.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func jsonString(s string) *string {
	b, _ := json.Marshal(s)
	out := string(b)
	return &out
}

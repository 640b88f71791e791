package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
)

// The plan's mutations: admins create and change plans, pillars,
// objectives and communities, and archive them.

func (r *mutationResolver) CreateStrategicPlan(ctx context.Context, in model.CreateStrategicPlanInput) (*model.CreateStrategicPlanPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	p := hub.StrategicPlan{Meta: hub.Meta{ID: hub.NewID()}, Title: in.Title, Description: deref(in.Description),
		PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd}
	err = r.Hub.CreatePlan(ctx, actor, p, r.Hub.Now())
	ue, err := userErrors(err)
	return &model.CreateStrategicPlanPayload{StrategicPlan: created(hub.Plans.Get(r.model(), p.ID), ue), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateStrategicPlan(ctx context.Context, in model.UpdateStrategicPlanInput) (*model.UpdateStrategicPlanPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	p, err := r.Hub.UpdatePlan(ctx, actor, hub.UpdatePlanInput{
		ID: localID(hub.TypePlan, in.ID), ExpectedVersion: in.ExpectedVersion, Title: in.Title, Description: in.Description,
		PeriodStart: in.PeriodStart, PeriodEnd: in.PeriodEnd, Archived: in.Archived,
	})
	ue, err := userErrors(err)
	return &model.UpdateStrategicPlanPayload{StrategicPlan: p, UserErrors: ue}, err
}

func (r *mutationResolver) CreatePillar(ctx context.Context, in model.CreatePillarInput) (*model.CreatePillarPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	p := hub.Pillar{Meta: hub.Meta{ID: hub.NewID()}, PlanID: localID(hub.TypePlan, in.PlanID), Code: in.Code, Title: in.Title,
		Description: deref(in.Description)}
	err = r.Hub.CreatePillar(ctx, actor, p, r.Hub.Now())
	ue, err := userErrors(err)
	return &model.CreatePillarPayload{Pillar: created(hub.Pillars.Get(r.model(), p.ID), ue), UserErrors: ue}, err
}

func (r *mutationResolver) UpdatePillar(ctx context.Context, in model.UpdatePillarInput) (*model.UpdatePillarPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	p, err := r.Hub.UpdatePillar(ctx, actor, hub.UpdatePillarInput{
		ID: localID(hub.TypePillar, in.ID), ExpectedVersion: in.ExpectedVersion, Code: in.Code, Title: in.Title,
		Description: in.Description, Archived: in.Archived,
	})
	ue, err := userErrors(err)
	return &model.UpdatePillarPayload{Pillar: p, UserErrors: ue}, err
}

func (r *mutationResolver) CreateObjective(ctx context.Context, in model.CreateObjectiveInput) (*model.CreateObjectivePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	o := hub.Objective{Meta: hub.Meta{ID: hub.NewID()}, PillarID: localID(hub.TypePillar, in.PillarID), Code: in.Code, Title: in.Title,
		Description: deref(in.Description)}
	err = r.Hub.CreateObjective(ctx, actor, o, r.Hub.Now())
	ue, err := userErrors(err)
	return &model.CreateObjectivePayload{Objective: r.objective(created(hub.Objectives.Get(r.model(), o.ID), ue)), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateObjective(ctx context.Context, in model.UpdateObjectiveInput) (*model.UpdateObjectivePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.UpdateObjectiveInput{
		ID: localID(hub.TypeObjective, in.ID), ExpectedVersion: in.ExpectedVersion, Code: in.Code, Title: in.Title,
		Description: in.Description, Archived: in.Archived,
	}
	if in.PillarID != nil {
		id := localID(hub.TypePillar, *in.PillarID)
		cmd.PillarID = &id
	}
	o, err := r.Hub.UpdateObjective(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateObjectivePayload{Objective: r.objective(o), UserErrors: ue}, err
}

func (r *mutationResolver) CreateCommunity(ctx context.Context, in model.CreateCommunityInput) (*model.CreateCommunityPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cm := hub.Community{Meta: hub.Meta{ID: hub.NewID()}, Name: in.Name, Area: deref(in.Area)}
	err = r.Hub.CreateCommunity(ctx, actor, cm, r.Hub.Now())
	ue, err := userErrors(err)
	return &model.CreateCommunityPayload{Community: created(hub.Communities.Get(r.model(), cm.ID), ue), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateCommunity(ctx context.Context, in model.UpdateCommunityInput) (*model.UpdateCommunityPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cm, err := r.Hub.UpdateCommunity(ctx, actor, hub.UpdateCommunityInput{
		ID: localID(hub.TypeCommunity, in.ID), ExpectedVersion: in.ExpectedVersion, Name: in.Name, Area: in.Area, Archived: in.Archived,
	})
	ue, err := userErrors(err)
	return &model.UpdateCommunityPayload{Community: cm, UserErrors: ue}, err
}

func (r *mutationResolver) DeleteStrategicPlan(ctx context.Context, in model.DeleteInput) (*model.DeletePayload, error) {
	return r.remove(ctx, hub.TypePlan, in, r.Hub.DeletePlan)
}

func (r *mutationResolver) DeletePillar(ctx context.Context, in model.DeleteInput) (*model.DeletePayload, error) {
	return r.remove(ctx, hub.TypePillar, in, r.Hub.DeletePillar)
}

func (r *mutationResolver) DeleteObjective(ctx context.Context, in model.DeleteInput) (*model.DeletePayload, error) {
	return r.remove(ctx, hub.TypeObjective, in, r.Hub.DeleteObjective)
}

func (r *mutationResolver) DeleteCommunity(ctx context.Context, in model.DeleteInput) (*model.DeletePayload, error) {
	return r.remove(ctx, hub.TypeCommunity, in, r.Hub.DeleteCommunity)
}

func (r *mutationResolver) remove(ctx context.Context, t hub.EntityType, in model.DeleteInput,
	run func(context.Context, hub.Actor, hub.DeleteInput) error) (*model.DeletePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	err = run(ctx, actor, hub.DeleteInput{ID: localID(t, in.ID), ExpectedVersion: in.ExpectedVersion})
	ue, err := userErrors(err)
	out := &model.DeletePayload{UserErrors: ue}
	if err == nil && len(ue) == 0 {
		out.DeletedID = &in.ID
	}
	return out, err
}

// created is the new entity, or nil when the creation was refused (an
// entity with that ID cannot exist then).
func created[T any](v *T, ue []*hub.FieldError) *T {
	if len(ue) > 0 {
		return nil
	}
	return v
}

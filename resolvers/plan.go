package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

type planResolver struct{ *Resolver }

func (r *planResolver) ID(ctx context.Context, p *hub.StrategicPlan) (string, error) {
	return opaque.GlobalID(hub.TypePlan, p.ID), nil
}

func (r *planResolver) Pillars(ctx context.Context, p *hub.StrategicPlan, includeArchived *bool) ([]*hub.Pillar, error) {
	return current(r.model().PillarsOf(p.ID), includeArchived), nil
}

type pillarResolver struct{ *Resolver }

func (r *pillarResolver) ID(ctx context.Context, p *hub.Pillar) (string, error) {
	return opaque.GlobalID(hub.TypePillar, p.ID), nil
}

func (r *pillarResolver) Plan(ctx context.Context, p *hub.Pillar) (*hub.StrategicPlan, error) {
	return hub.Plans.Get(r.model(), p.PlanID), nil
}

func (r *pillarResolver) Objectives(ctx context.Context, p *hub.Pillar, includeArchived *bool) ([]*gqltype.Objective, error) {
	objectives := current(r.model().ObjectivesOf(p.ID), includeArchived)
	out := make([]*gqltype.Objective, len(objectives))
	for i, o := range objectives {
		out[i] = r.objective(o)
	}
	return out, nil
}

type objectiveResolver struct{ *Resolver }

func (r *objectiveResolver) Commitments(ctx context.Context, o *gqltype.Objective, first *int, after *string, last *int, before *string) (*model.CommitmentConnection, error) {
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	return r.commitmentPage(ctx, hub.CommitmentFilter{ObjectiveIDs: []string{o.ID}}, order, pageArgs{first, last, after, before})
}

type communityResolver struct{ *Resolver }

func (r *communityResolver) ID(ctx context.Context, c *hub.Community) (string, error) {
	return opaque.GlobalID(hub.TypeCommunity, c.ID), nil
}

// current drops archived entries from a list unless they are asked for:
// lists are what new choices are made from.
func current[T any, P interface {
	*T
	hub.Archivable
}](all []P, includeArchived *bool) []P {
	if deref(includeArchived) {
		return all
	}
	return hub.Current(all)
}

func (r *planResolver) History(ctx context.Context, p *hub.StrategicPlan, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypePlan, p.ID, pageArgs{first, last, after, before})
}

func (r *pillarResolver) History(ctx context.Context, p *hub.Pillar, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypePillar, p.ID, pageArgs{first, last, after, before})
}

func (r *objectiveResolver) History(ctx context.Context, o *gqltype.Objective, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeObjective, o.ID, pageArgs{first, last, after, before})
}

func (r *communityResolver) History(ctx context.Context, c *hub.Community, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeCommunity, c.ID, pageArgs{first, last, after, before})
}

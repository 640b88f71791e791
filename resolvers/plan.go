package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
)

type planResolver struct{ *Resolver }

func (r *planResolver) ID(ctx context.Context, p *hub.StrategicPlan) (string, error) {
	return GlobalID(hub.TypePlan, p.ID), nil
}

func (r *planResolver) Pillars(ctx context.Context, p *hub.StrategicPlan) ([]*hub.Pillar, error) {
	return r.model().PillarsOf(p.ID), nil
}

type pillarResolver struct{ *Resolver }

func (r *pillarResolver) ID(ctx context.Context, p *hub.Pillar) (string, error) {
	return GlobalID(hub.TypePillar, p.ID), nil
}

func (r *pillarResolver) Plan(ctx context.Context, p *hub.Pillar) (*hub.StrategicPlan, error) {
	return r.model().Plan(p.PlanID), nil
}

func (r *pillarResolver) Objectives(ctx context.Context, p *hub.Pillar) ([]*hub.Objective, error) {
	return r.model().ObjectivesOf(p.ID), nil
}

type objectiveResolver struct{ *Resolver }

func (r *objectiveResolver) ID(ctx context.Context, o *hub.Objective) (string, error) {
	return GlobalID(hub.TypeObjective, o.ID), nil
}

func (r *objectiveResolver) Pillar(ctx context.Context, o *hub.Objective) (*hub.Pillar, error) {
	return r.model().Pillar(o.PillarID), nil
}

func (r *objectiveResolver) Commitments(ctx context.Context, o *hub.Objective, first *int, after *string, last *int, before *string) (*model.CommitmentConnection, error) {
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	items := r.model().Commitments(hub.CommitmentFilter{ObjectiveIDs: []string{o.ID}}, order, r.Hub.Today())
	return commitmentConnection(items, order, pageArgs{first, last, after, before})
}

type communityResolver struct{ *Resolver }

func (r *communityResolver) ID(ctx context.Context, c *hub.Community) (string, error) {
	return GlobalID(hub.TypeCommunity, c.ID), nil
}

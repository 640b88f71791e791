package resolvers

import (
	"context"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
)

// The analysts' breakdown by stakeholder and the orders of the
// stakeholder, meeting and outcome lists.

// CommitmentStats returns the resolver of commitmentStats' breakdowns
// computed on request.
func (r *Resolver) CommitmentStats() graph.CommitmentStatsResolver {
	return &commitmentStatsResolver{r}
}

type commitmentStatsResolver struct{ *Resolver }

func (r *commitmentStatsResolver) ByStakeholder(ctx context.Context, s *hub.CommitmentStats, role *hub.ParticipantRole, orderBy *model.StakeholderStatsOrder, first *int, after *string, last *int, before *string) (*model.StakeholderStatsConnection, error) {
	o := hub.StakeholderStatsOrder{Field: hub.StatsByCount, Descending: true}
	if orderBy != nil {
		o = hub.StakeholderStatsOrder{Field: orderBy.Field, Descending: orderBy.Direction == "DESC"}
	}
	a := pageArgs{first, last, after, before}
	if err := a.check(); err != nil {
		return nil, err
	}
	items := s.ByStakeholders(deref(role), o)
	return connection[model.StakeholderStatsConnection, model.StakeholderStatsEdge](items, o.Key, o.Descending, a, asIs)
}

func stakeholderOrder(o *model.StakeholderOrder) hub.StakeholderOrder {
	if o == nil {
		return hub.StakeholderOrder{Field: hub.StakeholdersByName}
	}
	return hub.StakeholderOrder{Field: o.Field, Descending: o.Direction == "DESC"}
}

func meetingOrder(o *model.MeetingOrder) hub.MeetingOrder {
	if o == nil {
		return hub.NewestMeetingsFirst
	}
	return hub.MeetingOrder{Field: o.Field, Descending: o.Direction == "DESC"}
}

func outcomeOrder(o *model.OutcomeOrder) hub.OutcomeOrder {
	if o == nil {
		return hub.NewestOutcomesFirst
	}
	return hub.OutcomeOrder{Field: o.Field, Descending: o.Direction == "DESC"}
}

package resolvers

import (
	"context"
	"fmt"
	"strings"

	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"
)

type queryResolver struct{ *Resolver }

func (r *queryResolver) Node(ctx context.Context, id string) (gqltype.Node, error) {
	t, local, ok := ParseGlobalID(id)
	if !ok {
		return nil, nil
	}
	return r.node(r.visible(ctx, r.model().Entity(t, local))), nil
}

func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]gqltype.Node, error) {
	if len(ids) > maxPageSize {
		return nil, badInput(fmt.Sprintf("ids holds %d IDs; at most %d are allowed", len(ids), maxPageSize))
	}
	out := make([]gqltype.Node, len(ids))
	for i, id := range ids {
		out[i], _ = r.Node(ctx, id)
	}
	return out, nil
}

func (r *queryResolver) StrategicPlans(ctx context.Context, includeArchived *bool) ([]*hub.StrategicPlan, error) {
	return current(r.model().Plans(), includeArchived), nil
}

func (r *queryResolver) StrategicPlan(ctx context.Context, id string) (*hub.StrategicPlan, error) {
	return r.model().Plan(localID(hub.TypePlan, id)), nil
}

func (r *queryResolver) Stakeholders(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.StakeholderFilter) (*model.StakeholderConnection, error) {
	var f hub.StakeholderFilter
	if filter != nil {
		f = hub.StakeholderFilter{Sectors: filter.Sectors, Search: deref(filter.Search)}
	}
	return stakeholderConnection(r.model().Stakeholders(f), pageArgs{first, last, after, before})
}

func (r *queryResolver) Stakeholder(ctx context.Context, id string) (*hub.Stakeholder, error) {
	return r.model().Stakeholder(localID(hub.TypeStakeholder, id)), nil
}

func (r *queryResolver) Commitments(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.CommitmentFilter, orderBy *model.CommitmentOrder) (*model.CommitmentConnection, error) {
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	if orderBy != nil {
		order = hub.CommitmentOrder{Field: orderBy.Field, Descending: orderBy.Direction == model.OrderDirectionDesc}
	}
	items := r.model().Commitments(commitmentFilter(filter), order, r.Hub.Today())
	return r.commitmentConnection(items, order, pageArgs{first, last, after, before})
}

func (r *queryResolver) Commitment(ctx context.Context, id string) (*gqltype.Commitment, error) {
	return r.commitment(r.model().Commitment(localID(hub.TypeCommitment, id))), nil
}

func (r *queryResolver) CommitmentByReference(ctx context.Context, reference string) (*gqltype.Commitment, error) {
	return r.commitment(r.model().Commitment(strings.ToUpper(strings.TrimSpace(reference)))), nil
}

func (r *queryResolver) Meetings(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.MeetingFilter) (*model.MeetingConnection, error) {
	f := hub.MeetingFilter{Viewer: viewer(ctx)}
	if filter != nil {
		f = hub.MeetingFilter{From: filter.From, To: filter.To, Statuses: filter.Statuses,
			StakeholderIDs: localIDs(hub.TypeStakeholder, filter.StakeholderIds), Viewer: viewer(ctx)}
	}
	return meetingConnection(r.model().Meetings(f), pageArgs{first, last, after, before})
}

func (r *queryResolver) Meeting(ctx context.Context, id string) (*hub.Meeting, error) {
	if m := r.model().Meeting(localID(hub.TypeMeeting, id)); viewer(ctx).CanSeeMeeting(m) {
		return m, nil
	}
	return nil, nil
}

func (r *queryResolver) Outcomes(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.OutcomeFilter) (*model.MeetingOutcomeConnection, error) {
	f := hub.OutcomeFilter{Viewer: viewer(ctx)}
	if filter != nil {
		f = hub.OutcomeFilter{Kinds: filter.Kinds, Statuses: filter.Statuses,
			MeetingIDs: localIDs(hub.TypeMeeting, filter.MeetingIds),
			OwnerIDs:   localIDs(hub.TypeStakeholder, filter.OwnerIds), Viewer: viewer(ctx)}
	}
	return outcomeConnection(r.model().Outcomes(f), pageArgs{first, last, after, before})
}

func (r *queryResolver) Communities(ctx context.Context, includeArchived *bool) ([]*hub.Community, error) {
	return current(r.model().Communities(), includeArchived), nil
}

func (r *queryResolver) CommitmentStats(ctx context.Context, filter *model.CommitmentFilter) (*hub.CommitmentStats, error) {
	s := r.model().Stats(commitmentFilter(filter), r.Hub.Today())
	return &s, nil
}

func commitmentFilter(f *model.CommitmentFilter) hub.CommitmentFilter {
	if f == nil {
		return hub.CommitmentFilter{}
	}
	return hub.CommitmentFilter{
		PlanIDs:        localIDs(hub.TypePlan, f.PlanIds),
		Sectors:        f.Sectors,
		StakeholderIDs: localIDs(hub.TypeStakeholder, f.StakeholderIds),
		PillarIDs:      localIDs(hub.TypePillar, f.PillarIds),
		ObjectiveIDs:   localIDs(hub.TypeObjective, f.ObjectiveIds),
		Statuses:       f.Statuses,
		CommunityIDs:   localIDs(hub.TypeCommunity, f.CommunityIds),
		Overdue:        f.Overdue,
		DueBefore:      f.DueBefore,
		DueAfter:       f.DueAfter,
		Search:         deref(f.Search),
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ---------------------------------------------------------------- connections

func stakeholderConnection(items []*hub.Stakeholder, a pageArgs) (*model.StakeholderConnection, error) {
	p, err := paginate(items, hub.StakeholderKey, false, a)
	if err != nil {
		return nil, err
	}
	c := &model.StakeholderConnection{Nodes: p.items, PageInfo: p.info, TotalCount: p.total, Edges: []*model.StakeholderEdge{}}
	for i, n := range p.items {
		c.Edges = append(c.Edges, &model.StakeholderEdge{Cursor: p.cursors[i], Node: n})
	}
	return c, nil
}

func (r *Resolver) commitmentConnection(items []*hub.Commitment, o hub.CommitmentOrder, a pageArgs) (*model.CommitmentConnection, error) {
	p, err := paginate(items, o.Key, o.Descending, a)
	if err != nil {
		return nil, err
	}
	nodes := r.commitments(p.items)
	c := &model.CommitmentConnection{Nodes: nodes, PageInfo: p.info, TotalCount: p.total, Edges: []*model.CommitmentEdge{}}
	for i, n := range nodes {
		c.Edges = append(c.Edges, &model.CommitmentEdge{Cursor: p.cursors[i], Node: n})
	}
	return c, nil
}

func meetingConnection(items []*hub.Meeting, a pageArgs) (*model.MeetingConnection, error) {
	p, err := paginate(items, hub.MeetingKey, true, a)
	if err != nil {
		return nil, err
	}
	c := &model.MeetingConnection{Nodes: p.items, PageInfo: p.info, TotalCount: p.total, Edges: []*model.MeetingEdge{}}
	for i, n := range p.items {
		c.Edges = append(c.Edges, &model.MeetingEdge{Cursor: p.cursors[i], Node: n})
	}
	return c, nil
}

func outcomeConnection(items []*hub.MeetingOutcome, a pageArgs) (*model.MeetingOutcomeConnection, error) {
	p, err := paginate(items, hub.OutcomeKey, true, a)
	if err != nil {
		return nil, err
	}
	c := &model.MeetingOutcomeConnection{Nodes: p.items, PageInfo: p.info, TotalCount: p.total, Edges: []*model.MeetingOutcomeEdge{}}
	for i, n := range p.items {
		c.Edges = append(c.Edges, &model.MeetingOutcomeEdge{Cursor: p.cursors[i], Node: n})
	}
	return c, nil
}

// historyConnection pages an entity's changes, oldest first, without the
// private fields the viewer may not see.
func (r *Resolver) historyConnection(ctx context.Context, t hub.EntityType, id string, a pageArgs) (*model.ChangeConnection, error) {
	changes, err := r.model().History(t, id)
	if err != nil {
		return nil, err
	}
	items := make([]*hub.Change, len(changes))
	for i := range changes {
		c := changes[i]
		fields := presentFields(ctx, c.Fields)
		c.Fields = make([]hub.FieldChange, len(fields))
		for j, f := range fields {
			c.Fields[j] = *f
		}
		items[i] = &c
	}
	p, err := paginate(items, func(c *hub.Change) string { return fmt.Sprintf("%010d", c.Version) }, false, a)
	if err != nil {
		return nil, err
	}
	c := &model.ChangeConnection{Nodes: p.items, PageInfo: p.info, TotalCount: p.total, Edges: []*model.ChangeEdge{}}
	for i, n := range p.items {
		c.Edges = append(c.Edges, &model.ChangeEdge{Cursor: p.cursors[i], Node: n})
	}
	return c, nil
}

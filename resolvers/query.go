package resolvers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

type queryResolver struct{ *Resolver }

func (r *queryResolver) Node(ctx context.Context, id string) (gqltype.Node, error) {
	t, local, ok := opaque.ParseGlobalID(id)
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
	return hub.Plans.Get(r.model(), localID(hub.TypePlan, id)), nil
}

func (r *queryResolver) Stakeholders(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.StakeholderFilter, orderBy *model.StakeholderOrder) (*model.StakeholderConnection, error) {
	var f hub.StakeholderFilter
	if filter != nil {
		f = hub.StakeholderFilter{Sectors: filter.Sectors, Search: deref(filter.Search)}
	}
	o := stakeholderOrder(orderBy)
	return connection[model.StakeholderConnection, model.StakeholderEdge](r.model().StakeholdersInOrder(f, o), o.Key, o.Descending, pageArgs{first, last, after, before}, asIs)
}

func (r *queryResolver) Stakeholder(ctx context.Context, id string, _ *time.Time) (*hub.Stakeholder, error) {
	get, err := r.lookupAt(ctx)
	if err != nil {
		return nil, err
	}
	return gqltype.As[hub.Stakeholder](get(hub.TypeStakeholder, localID(hub.TypeStakeholder, id))), nil
}

func (r *queryResolver) Commitments(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.CommitmentFilter, orderBy *model.CommitmentOrder, _ *time.Time) (*model.CommitmentConnection, error) {
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	if orderBy != nil {
		order = hub.CommitmentOrder{Field: orderBy.Field, Descending: orderBy.Direction == "DESC"}
	}
	f, err := commitmentFilter(filter)
	if err != nil {
		return nil, err
	}
	return r.commitmentPage(ctx, f, order, pageArgs{first, last, after, before})
}

func (r *queryResolver) Commitment(ctx context.Context, id string, _ *time.Time) (*gqltype.Commitment, error) {
	get, err := r.lookupAt(ctx)
	if err != nil {
		return nil, err
	}
	return r.commitmentFrom(get, gqltype.As[hub.Commitment](get(hub.TypeCommitment, localID(hub.TypeCommitment, id)))), nil
}

func (r *queryResolver) CommitmentByReference(ctx context.Context, reference string) (*gqltype.Commitment, error) {
	return r.commitment(hub.Commitments.Get(r.model(), strings.ToUpper(strings.TrimSpace(reference)))), nil
}

func (r *queryResolver) Meetings(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.MeetingFilter, orderBy *model.MeetingOrder) (*model.MeetingConnection, error) {
	f := hub.MeetingFilter{Viewer: viewer(ctx)}
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.MeetingFilter{From: filter.From, To: filter.To, Statuses: filter.Statuses,
			StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, filter.StakeholderIds), Viewer: viewer(ctx)}
		if d.err != nil {
			return nil, d.err
		}
	}
	o := meetingOrder(orderBy)
	w, err := pageArgs{first, last, after, before}.window()
	if err != nil {
		return nil, err
	}
	return pageConnection[model.MeetingConnection, model.MeetingEdge](r.model().MeetingPage(f, o, w), o.Key, asIs), nil
}

func (r *queryResolver) Meeting(ctx context.Context, id string) (*hub.Meeting, error) {
	m, _ := r.visible(ctx, hub.Meetings.Get(r.model(), localID(hub.TypeMeeting, id))).(*hub.Meeting)
	return m, nil
}

func (r *queryResolver) Outcomes(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.OutcomeFilter, orderBy *model.OutcomeOrder) (*model.MeetingOutcomeConnection, error) {
	f := hub.OutcomeFilter{Viewer: viewer(ctx)}
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.OutcomeFilter{Kinds: filter.Kinds, Statuses: filter.Statuses,
			MeetingIDs: d.ids("meetingIds", hub.TypeMeeting, filter.MeetingIds),
			OwnerIDs:   d.ids("ownerIds", hub.TypeStakeholder, filter.OwnerIds),
			DueAfter:   filter.DueAfter, DueBefore: filter.DueBefore, Overdue: filter.Overdue, Today: r.Hub.Today(),
			Search: deref(filter.Search), PillarIDs: d.ids("pillarIds", hub.TypePillar, filter.PillarIds), Viewer: viewer(ctx)}
		if d.err != nil {
			return nil, d.err
		}
	}
	o := outcomeOrder(orderBy)
	w, err := pageArgs{first, last, after, before}.window()
	if err != nil {
		return nil, err
	}
	return pageConnection[model.MeetingOutcomeConnection, model.MeetingOutcomeEdge](r.model().OutcomePage(f, o, w), o.Key, r.outcomes), nil
}

func (r *queryResolver) Communities(ctx context.Context, includeArchived *bool) ([]*hub.Community, error) {
	return current(r.model().Communities(), includeArchived), nil
}

func (r *queryResolver) CommitmentStats(ctx context.Context, filter *model.CommitmentFilter, _ *time.Time) (*hub.CommitmentStats, error) {
	f, err := commitmentFilter(filter)
	if err != nil {
		return nil, err
	}
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	if onlySeries(ctx) {
		return &hub.CommitmentStats{}, nil // the series counts for itself
	}
	return m.SharedStats(f, r.today(ctx)), nil // gqlgen and the fast path only read it
}

// onlySeries reports whether the commitmentStats field of ctx selects
// nothing but progressSeries (and __typename), which reads none of the
// figures Stats rolls up. Plain fields are read as they stand (a skipped
// one counts as selected, which costs only the figures); fragments are
// collected as gqlgen does.
func onlySeries(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return false
	}
	fragments := false
	for _, s := range fc.Field.Selections {
		switch f, ok := s.(*ast.Field); {
		case !ok:
			fragments = true
		case f.Name != "progressSeries" && f.Name != "__typename":
			return false
		}
	}
	if !fragments {
		return true
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, []string{"CommitmentStats"}) {
		if f.Name != "progressSeries" && f.Name != "__typename" {
			return false
		}
	}
	return true
}

func commitmentFilter(f *model.CommitmentFilter) (hub.CommitmentFilter, error) {
	if f == nil {
		return hub.CommitmentFilter{}, nil
	}
	d := filterIDs{arg: "filter"}
	return hub.CommitmentFilter{
		PlanIDs:        localIDs(hub.TypePlan, f.PlanIds),
		Sectors:        f.Sectors,
		LeadSectors:    f.LeadSectors,
		StakeholderIDs: d.ids("stakeholderIds", hub.TypeStakeholder, f.StakeholderIds),
		PillarIDs:      d.ids("pillarIds", hub.TypePillar, f.PillarIds),
		ObjectiveIDs:   d.ids("objectiveIds", hub.TypeObjective, f.ObjectiveIds),
		Statuses:       f.Statuses,
		CommunityIDs:   d.ids("communityIds", hub.TypeCommunity, f.CommunityIds),
		Overdue:        f.Overdue,
		DueBefore:      f.DueBefore,
		DueAfter:       f.DueAfter,
		Search:         deref(f.Search),
	}, d.err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// ---------------------------------------------------------------- connections

func (r *Resolver) commitmentConnection(m *hub.ReadModel, items []*hub.Commitment, o hub.CommitmentOrder, a pageArgs) (*model.CommitmentConnection, error) {
	convert := func(cs []*hub.Commitment) []*gqltype.Commitment { return r.commitmentsFrom(m.Entity, cs) }
	return connection[model.CommitmentConnection, model.CommitmentEdge](items, o.Key, o.Descending, a, convert)
}

// commitmentPage pages the commitments f selects through the read model's
// kept orders, counting them only when the query asks for totalCount.
func (r *Resolver) commitmentPage(ctx context.Context, f hub.CommitmentFilter, o hub.CommitmentOrder, a pageArgs) (*model.CommitmentConnection, error) {
	w, err := a.window()
	if err != nil {
		return nil, err
	}
	w.Count = graphql.GetFieldContext(ctx) == nil || slices.Contains(graphql.CollectAllFields(ctx), "totalCount")
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	p := m.CommitmentPage(f, o, r.today(ctx), w)
	nodes := r.commitmentsFrom(m.Entity, p.Items)
	edges := make([]*model.CommitmentEdge, len(nodes))
	info := &model.PageInfo{HasPreviousPage: p.HasPrevious, HasNextPage: p.HasNext}
	for i, n := range nodes {
		edges[i] = &model.CommitmentEdge{Cursor: opaque.ListCursor(o.Key(n.Commitment)), Node: n}
	}
	if k := len(edges); k > 0 {
		info.StartCursor, info.EndCursor = &edges[0].Cursor, &edges[k-1].Cursor
	}
	return &model.CommitmentConnection{Edges: edges, Nodes: nodes, PageInfo: info, TotalCount: p.Total}, nil
}

// historyConnection pages an entity's changes, oldest first, without the
// private fields the viewer may not see.
func (r *Resolver) historyConnection(ctx context.Context, t hub.EntityType, id string, a pageArgs) (*model.ChangeConnection, error) {
	var changes []hub.Change
	if r.model().CanSee(viewer(ctx), t, id) {
		var err error
		if changes, err = r.model().History(t, id); err != nil {
			return nil, err
		}
		if at := asOf(ctx); at != nil {
			changes = changesUntil(changes, *at)
		}
	}
	items := make([]*hub.Change, len(changes))
	for i := range changes {
		items[i] = &changes[i]
	}
	key := func(c *hub.Change) string { return fmt.Sprintf("%010d", c.Version) }
	// Only the page's changes are presented.
	present := func(page []*hub.Change) []*hub.Change {
		out := make([]*hub.Change, len(page))
		for i, c := range page {
			p := *c
			fields := presentFields(ctx, t, p.Fields)
			p.Fields = make([]hub.FieldChange, len(fields))
			for j, f := range fields {
				p.Fields[j] = *f
			}
			out[i] = &p
		}
		return out
	}
	return connection[model.ChangeConnection, model.ChangeEdge](items, key, false, a, present)
}

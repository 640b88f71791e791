package resolvers

import (
	"context"
	"fmt"

	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"
)

type commitmentResolver struct{ *Resolver }

func (r *commitmentResolver) Overdue(ctx context.Context, c *gqltype.Commitment) (bool, error) {
	return c.IsOverdue(r.today(ctx)), nil
}

func (r *commitmentResolver) TargetCommunities(ctx context.Context, c *gqltype.Commitment) ([]*hub.Community, error) {
	out := make([]*hub.Community, 0, len(c.CommunityIDs))
	for _, id := range c.CommunityIDs {
		if cm := hub.Communities.Get(r.model(), id); cm != nil {
			out = append(out, cm)
		}
	}
	return out, nil
}

// ProgressReports pages the reports newest first; a report's cursor is its
// position in the commitment's report list, which only grows.
func (r *commitmentResolver) ProgressReports(ctx context.Context, c *gqltype.Commitment, first *int, after *string, last *int, before *string) (*model.ProgressReportConnection, error) {
	reports, err := r.model().ProgressReports(c.Commitment)
	if err != nil {
		return nil, err
	}
	items := make([]*hub.ProgressReport, len(reports))
	index := make(map[*hub.ProgressReport]int, len(reports))
	for i := range reports {
		items[len(items)-1-i] = &reports[i]
		index[&reports[i]] = i
	}
	key := func(rep *hub.ProgressReport) string { return fmt.Sprintf("%06d", index[rep]) }
	return connection[model.ProgressReportConnection, model.ProgressReportEdge](items, key, true, pageArgs{first, last, after, before}, asIs)
}

func (r *commitmentResolver) Outcomes(ctx context.Context, c *gqltype.Commitment) ([]*hub.MeetingOutcome, error) {
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	return m.OutcomesOfCommitment(c.ID, viewer(ctx)), nil
}

func (r *commitmentResolver) History(ctx context.Context, c *gqltype.Commitment, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeCommitment, c.ID, pageArgs{first, last, after, before})
}

func (r *commitmentResolver) Parent(ctx context.Context, c *gqltype.Commitment) (*gqltype.Commitment, error) {
	if c.ParentID == "" {
		return nil, nil
	}
	find, err := r.lookupAt(ctx)
	if err != nil {
		return nil, err
	}
	p, _ := find(hub.TypeCommitment, c.ParentID).(*hub.Commitment)
	if p == nil {
		return nil, nil
	}
	return r.commitmentFrom(find, p), nil
}

func (r *commitmentResolver) Children(ctx context.Context, c *gqltype.Commitment, first *int, after *string, last *int, before *string) (*model.CommitmentConnection, error) {
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	return r.commitmentConnection(m, m.SubCommitments(c.ID), order, pageArgs{first, last, after, before})
}

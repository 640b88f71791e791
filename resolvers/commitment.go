package resolvers

import (
	"context"
	"fmt"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
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
	reports, err := r.reportViews(c.Commitment)
	if err != nil {
		return nil, err
	}
	items := make([]*gqltype.ProgressReport, len(reports))
	index := make(map[*gqltype.ProgressReport]int, len(reports))
	for i, rep := range reports {
		items[len(items)-1-i] = rep
		index[rep] = i
	}
	key := func(rep *gqltype.ProgressReport) string { return fmt.Sprintf("%06d", index[rep]) }
	return connection[model.ProgressReportConnection, model.ProgressReportEdge](items, key, true, pageArgs{first, last, after, before}, asIs)
}

func (r *commitmentResolver) LatestReport(ctx context.Context, c *gqltype.Commitment) (*gqltype.ProgressReport, error) {
	if c.ReportCount == 0 {
		return nil, nil
	}
	return r.reportView(c.Commitment, c.ReportCount)
}

func (r *commitmentResolver) Verification(ctx context.Context, c *gqltype.Commitment) (model.VerificationState, error) {
	if c.Commitment.Verification == "" {
		return model.VerificationStateUnverified, nil
	}
	return model.VerificationState(c.Commitment.Verification), nil
}

// reportViews are c's reports as the schema serves them, oldest first,
// each with the verdict standing on it at c's version.
func (r *Resolver) reportViews(c *hub.Commitment) ([]*gqltype.ProgressReport, error) {
	reports, verdicts, err := r.model().ReportsAndVerdicts(c)
	if err != nil {
		return nil, err
	}
	out := make([]*gqltype.ProgressReport, len(reports))
	for i := range reports {
		out[i] = &gqltype.ProgressReport{ProgressReport: &reports[i], GlobalID: opaque.ReportID(c.ID, i+1), Verification: hub.VerdictOn(verdicts, i+1)}
	}
	return out, nil
}

// reportView is report n (from 1) of c, or nil when it has none.
func (r *Resolver) reportView(c *hub.Commitment, n int) (*gqltype.ProgressReport, error) {
	all, err := r.reportViews(c)
	if err != nil || n < 1 || n > len(all) {
		return nil, err
	}
	return all[n-1], nil
}

func (r *commitmentResolver) Outcomes(ctx context.Context, c *gqltype.Commitment) ([]*gqltype.MeetingOutcome, error) {
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	return r.outcomes(m.OutcomesOfCommitment(c.ID, viewer(ctx))), nil
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

type disaggregationResolver struct{ *Resolver }

// Value is a community's global ID for the COMMUNITY dimension, as the
// input takes it.
func (r *disaggregationResolver) Value(ctx context.Context, d *hub.Disaggregation) (string, error) {
	if d.Dimension == hub.ByCommunity {
		return opaque.GlobalID(hub.TypeCommunity, d.Value), nil
	}
	return d.Value, nil
}

func (r *disaggregationResolver) Community(ctx context.Context, d *hub.Disaggregation) (*hub.Community, error) {
	if d.Dimension != hub.ByCommunity {
		return nil, nil
	}
	return hub.Communities.Get(r.model(), d.Value), nil
}

package resolvers

import (
	"context"
	"fmt"
	"slices"

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
// position in the commitment's report list, which only grows. Only the
// page's reports are decoded: a commitment may have thousands.
func (r *commitmentResolver) ProgressReports(ctx context.Context, c *gqltype.Commitment, first *int, after *string, last *int, before *string) (*model.ProgressReportConnection, error) {
	a := pageArgs{first, last, after, before}
	n := c.ReportCount
	for {
		key := func(p int) string { return fmt.Sprintf("%06d", n-1-p) } // position p holds report n-p
		start, end, err := a.bounds(n, key, true)
		if err != nil {
			return nil, err
		}
		views, total, err := r.reportWindow(c.Commitment, n-end, n-start)
		if err != nil {
			return nil, err
		}
		if total < n { // fewer records than the state counts: page those there are
			n = total
			continue
		}
		slices.Reverse(views)
		var p page[*gqltype.ProgressReport]
		p.cut(start, end, n, key)
		return connectionOf[model.ProgressReportConnection, model.ProgressReportEdge](views, p.cursors, p.info, p.total), nil
	}
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

// reportWindow is reports from+1 to to of c (numbered from 1) as the
// schema serves them, oldest first, and how many reports c has.
func (r *Resolver) reportWindow(c *hub.Commitment, from, to int) ([]*gqltype.ProgressReport, int, error) {
	reports, verdicts, total, err := r.model().ReportsWindow(c, from, to)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*gqltype.ProgressReport, len(reports))
	for i := range reports {
		n := from + i + 1
		out[i] = &gqltype.ProgressReport{ProgressReport: &reports[i], CommitmentID: c.ID, Number: n, Verification: hub.VerdictOn(verdicts, n)}
	}
	return out, total, nil
}

// reportView is report n (from 1) of c, or nil when it has none.
func (r *Resolver) reportView(c *hub.Commitment, n int) (*gqltype.ProgressReport, error) {
	if n < 1 {
		return nil, nil
	}
	views, _, err := r.reportWindow(c, n-1, n)
	if err != nil || len(views) == 0 {
		return nil, err
	}
	return views[0], nil
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

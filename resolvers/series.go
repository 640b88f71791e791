package resolvers

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"
)

// Progress series (hub/series.go) on each type that groups commitments.

// series computes the series of the commitments that pick selects from
// the model as of ctx's instant.
func (r *Resolver) series(ctx context.Context, interval hub.SeriesInterval, from, to hub.Date, pick func(m *hub.ReadModel) ([]string, error)) ([]*hub.ProgressPoint, error) {
	return r.seriesBy(ctx, interval, from, to, func(m *hub.ReadModel, periods []hub.ProgressPoint) ([]hub.ProgressPoint, error) {
		ids, err := pick(m)
		if err != nil {
			return nil, err
		}
		return m.ProgressSeries(ids, periods)
	})
}

// selectedSeries computes the series of the commitments f selects.
func (r *Resolver) selectedSeries(ctx context.Context, interval hub.SeriesInterval, from, to hub.Date, f hub.CommitmentFilter) ([]*hub.ProgressPoint, error) {
	return r.seriesBy(ctx, interval, from, to, func(m *hub.ReadModel, periods []hub.ProgressPoint) ([]hub.ProgressPoint, error) {
		return m.ProgressSeriesOf(f, r.today(ctx), periods)
	})
}

// seriesBy fills the periods of a series with sum, on the model as of
// ctx's instant.
func (r *Resolver) seriesBy(ctx context.Context, interval hub.SeriesInterval, from, to hub.Date, sum func(m *hub.ReadModel, periods []hub.ProgressPoint) ([]hub.ProgressPoint, error)) ([]*hub.ProgressPoint, error) {
	periods, err := hub.SeriesPeriods(interval, from, to)
	if errors.Is(err, hub.ErrSeries) {
		return nil, badInput(err.Error())
	} else if err != nil {
		return nil, err
	}
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	points, err := sum(m, periods)
	if err != nil {
		return nil, err
	}
	out := make([]*hub.ProgressPoint, len(points))
	for i := range points {
		out[i] = &points[i]
	}
	return out, nil
}

// idsOf returns the references of commitments.
func idsOf(cs []*hub.Commitment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func (r *commitmentResolver) ProgressSeries(ctx context.Context, c *gqltype.Commitment, interval hub.SeriesInterval, from hub.Date, to hub.Date) ([]*hub.ProgressPoint, error) {
	return r.series(ctx, interval, from, to, func(*hub.ReadModel) ([]string, error) { return []string{c.ID}, nil })
}

func (r *objectiveResolver) ProgressSeries(ctx context.Context, o *gqltype.Objective, interval hub.SeriesInterval, from hub.Date, to hub.Date) ([]*hub.ProgressPoint, error) {
	return r.selectedSeries(ctx, interval, from, to, hub.CommitmentFilter{ObjectiveIDs: []string{o.ID}})
}

func (r *pillarResolver) ProgressSeries(ctx context.Context, p *hub.Pillar, interval hub.SeriesInterval, from hub.Date, to hub.Date) ([]*hub.ProgressPoint, error) {
	return r.selectedSeries(ctx, interval, from, to, hub.CommitmentFilter{PillarIDs: []string{p.ID}})
}

func (r *stakeholderResolver) ProgressSeries(ctx context.Context, s *hub.Stakeholder, interval hub.SeriesInterval, from hub.Date, to hub.Date) ([]*hub.ProgressPoint, error) {
	return r.series(ctx, interval, from, to, func(m *hub.ReadModel) ([]string, error) { return idsOf(m.CommitmentsOf(s.ID, nil)), nil })
}

// ProgressSeries is over the commitments the figures count: those the
// filter of the commitmentStats field above selects.
func (r *commitmentStatsResolver) ProgressSeries(ctx context.Context, _ *hub.CommitmentStats, interval hub.SeriesInterval, from hub.Date, to hub.Date) ([]*hub.ProgressPoint, error) {
	var filter *model.CommitmentFilter
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Parent != nil {
		filter, _ = fc.Parent.Args["filter"].(*model.CommitmentFilter)
	}
	f, err := commitmentFilter(filter)
	if err != nil {
		return nil, err
	}
	return r.selectedSeries(ctx, interval, from, to, f)
}

// changesUntil keeps the changes of an entity's versions as it stood at
// t: those up to the first whose time, or an earlier one's, is after t.
func changesUntil(changes []hub.Change, t time.Time) []hub.Change {
	var latest time.Time
	for i, c := range changes {
		if c.At.After(latest) {
			latest = c.At
		}
		if latest.After(t) {
			return changes[:i]
		}
	}
	return changes
}

package export

import (
	"strconv"

	"convene/hub"
)

// Query is a request's URL parameters read as the exports read them, for
// other channels that serve the read model with the same filters (the
// feeds). Every error it returns is the caller's mistake, worded for them.
type Query struct{ p *params }

// ParseQuery parses a raw query string.
func ParseQuery(raw string) (*Query, error) {
	p, err := newParams(raw)
	if err != nil {
		return nil, err
	}
	return &Query{p}, nil
}

// CommitmentFilter reads the commitments query's filter.
func (q *Query) CommitmentFilter() (hub.CommitmentFilter, error) { return commitmentFilter(q.p) }

// MeetingFilter reads the meetings query's filter for viewer v.
func (q *Query) MeetingFilter(v hub.Viewer) (hub.MeetingFilter, error) { return meetingFilter(q.p, v) }

// OutcomeFilter reads the outcomes query's filter for viewer v; today
// decides which are overdue.
func (q *Query) OutcomeFilter(v hub.Viewer, today hub.Date) (hub.OutcomeFilter, error) {
	return outcomeFilter(q.p, v, today)
}

// IDs reads a list of global IDs of type t as domain IDs.
func (q *Query) IDs(name string, t hub.EntityType) ([]string, error) { return ids(q.p, name, t) }

// String reads a single-valued parameter ("" when absent).
func (q *Query) String(name string) (string, error) { return q.p.one(name) }

// Int reads a whole number in [lo, hi], or def when absent.
func (q *Query) Int(name string, lo, hi, def int) (int, error) {
	v, err := q.p.one(name)
	if err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, bad("%s must be a whole number from %d to %d, not %q", name, lo, hi, v)
	}
	return n, nil
}

// Unused fails when the request holds a parameter nothing read.
func (q *Query) Unused() error { return q.p.unused() }

package resolvers

import (
	"convene/hub"
	"convene/resolvers/gqltype"
)

// commitment returns the view of c (nil for nil) that the schema's
// Commitment binds to: references are looked up here, once, rather than
// by resolvers that gqlgen would run in a goroutine each.
func (r *Resolver) commitment(c *hub.Commitment) *gqltype.Commitment {
	return r.commitmentFrom(r.model().Entity, c)
}

// commitmentFrom is commitment looking references up with get (in a view
// of the past, the entities of then).
func (r *Resolver) commitmentFrom(get lookup, c *hub.Commitment) *gqltype.Commitment {
	if c == nil {
		return nil
	}
	return &gqltype.Commitment{Commitment: c, Get: get}
}

func (r *Resolver) commitmentsFrom(get lookup, cs []*hub.Commitment) []*gqltype.Commitment {
	out := make([]*gqltype.Commitment, len(cs))
	for i, c := range cs {
		out[i] = r.commitmentFrom(get, c)
	}
	return out
}

// outcomes returns the views of os that the schema's MeetingOutcome binds
// to, their meetings and owners looked up once here.
func (r *Resolver) outcomes(os []*hub.MeetingOutcome) []*gqltype.MeetingOutcome {
	m := r.model()
	views := make([]gqltype.MeetingOutcome, len(os))
	out := make([]*gqltype.MeetingOutcome, len(os))
	for i, o := range os {
		views[i] = gqltype.MeetingOutcome{MeetingOutcome: o,
			Meeting: hub.Meetings.Get(m, o.MeetingID), Owner: hub.Stakeholders.Get(m, o.OwnerID)}
		out[i] = &views[i]
	}
	return out
}

// outcome returns the view of o (nil for nil).
func (r *Resolver) outcome(o *hub.MeetingOutcome) *gqltype.MeetingOutcome {
	if o == nil {
		return nil
	}
	return r.outcomes([]*hub.MeetingOutcome{o})[0]
}

// objective returns the view of o (nil for nil).
func (r *Resolver) objective(o *hub.Objective) *gqltype.Objective {
	return gqltype.ObjectiveOf(r.model().Entity, o)
}

// node returns an entity as the Node interface holds it: commitments,
// objectives and outcomes as their views, other entities as they are.
func (r *Resolver) node(e any) gqltype.Node {
	switch x := e.(type) {
	case *hub.Commitment:
		return r.commitment(x)
	case *hub.Objective:
		return r.objective(x)
	case *hub.MeetingOutcome:
		return r.outcome(x)
	}
	return e
}

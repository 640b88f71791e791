package resolvers

import (
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

// commitment returns the view of c (nil for nil) that the schema's
// Commitment binds to: references are looked up here, once, rather than
// by resolvers that gqlgen would run in a goroutine each.
func (r *Resolver) commitment(c *hub.Commitment) *gqltype.Commitment {
	if c == nil {
		return nil
	}
	m := r.model()
	parts := make([]gqltype.Participant, len(c.Participants))
	for i, p := range c.Participants {
		parts[i] = gqltype.Participant{Participant: p, Stakeholder: hub.Stakeholders.Get(m, p.StakeholderID)}
	}
	return &gqltype.Commitment{Commitment: c, GlobalID: opaque.GlobalID(hub.TypeCommitment, c.ID),
		Lead: hub.Stakeholders.Get(m, c.LeadID), Objective: r.objective(hub.Objectives.Get(m, c.ObjectiveID)), Pillar: hub.Pillars.Get(m, c.PillarID),
		Participants: parts}
}

func (r *Resolver) commitments(cs []*hub.Commitment) []*gqltype.Commitment {
	out := make([]*gqltype.Commitment, len(cs))
	for i, c := range cs {
		out[i] = r.commitment(c)
	}
	return out
}

// objective returns the view of o (nil for nil).
func (r *Resolver) objective(o *hub.Objective) *gqltype.Objective {
	if o == nil {
		return nil
	}
	return &gqltype.Objective{Objective: o, GlobalID: opaque.GlobalID(hub.TypeObjective, o.ID), Pillar: hub.Pillars.Get(r.model(), o.PillarID)}
}

// node returns an entity as the Node interface holds it: commitments and
// objectives as their views, other entities as they are.
func (r *Resolver) node(e any) gqltype.Node {
	switch x := e.(type) {
	case *hub.Commitment:
		return r.commitment(x)
	case *hub.Objective:
		return r.objective(x)
	}
	return e
}

package gqltype

import (
	"convene/hub"
	"convene/opaque"
)

// Views: a commitment and an objective as the schema serves them, with
// their global ID and the entities they refer to (a commitment's when a
// field asks for them, an objective's pillar at once). gqlgen runs every
// field backed by a resolver in a goroutine of its own (and a resolver for
// `id` on every object); fields and methods of the value itself it
// marshals inline. The resolvers build views from the
// read model's values (resolvers.Resolver.commitment, .objective).

// Commitment is a hub.Commitment whose references are looked up when a
// field asks for them: a commitment by id most often selects its lead
// alone, and a page of them few of their references.
type Commitment struct {
	*hub.Commitment
	Get Lookup // the read model as the query reads it (now, or asOf)
}

// Lookup finds an entity by type and id; nil when there is none.
type Lookup func(t hub.EntityType, id string) any

// As is e as a *T, nil when it is none (or nil).
func As[T any](e any) *T {
	v, _ := e.(*T)
	return v
}

// Lead is the commitment's lead stakeholder.
func (c *Commitment) Lead() *hub.Stakeholder {
	return As[hub.Stakeholder](c.Get(hub.TypeStakeholder, c.LeadID))
}

// Objective is the commitment's objective, with its pillar.
func (c *Commitment) Objective() *Objective {
	return ObjectiveOf(c.Get, As[hub.Objective](c.Get(hub.TypeObjective, c.ObjectiveID)))
}

// Pillar is the commitment's pillar.
func (c *Commitment) Pillar() *hub.Pillar { return As[hub.Pillar](c.Get(hub.TypePillar, c.PillarID)) }

// Participants are the commitment's, in its order, each with its
// stakeholder.
func (c *Commitment) Participants() []Participant {
	parts := make([]Participant, len(c.Commitment.Participants))
	for i, p := range c.Commitment.Participants {
		parts[i] = Participant{Participant: p, Stakeholder: As[hub.Stakeholder](c.Get(hub.TypeStakeholder, p.StakeholderID))}
	}
	return parts
}

// ObjectiveOf is o's view, its pillar looked up with get; nil for nil.
func ObjectiveOf(get Lookup, o *hub.Objective) *Objective {
	if o == nil {
		return nil
	}
	return &Objective{Objective: o, Pillar: As[hub.Pillar](get(hub.TypePillar, o.PillarID))}
}

// ProgressReport is a hub.ProgressReport with what names it (its
// commitment and its number) and the verdict that stands on it.
type ProgressReport struct {
	*hub.ProgressReport
	CommitmentID string
	Number       int // from 1
	Verification *hub.Verification
}

// GlobalID is the report's global ID.
func (r *ProgressReport) GlobalID() string { return opaque.ReportID(r.CommitmentID, r.Number) }

// Participant is a hub.Participant with its stakeholder looked up.
type Participant struct {
	hub.Participant
	Stakeholder *hub.Stakeholder
}

// MeetingParticipant is a hub.MeetingParticipant with its stakeholder
// looked up.
type MeetingParticipant struct {
	hub.MeetingParticipant
	Stakeholder *hub.Stakeholder
}

// MeetingOutcome is a hub.MeetingOutcome with its global ID, meeting and
// owner looked up.
type MeetingOutcome struct {
	*hub.MeetingOutcome
	Meeting *hub.Meeting
	Owner   *hub.Stakeholder
}

// Objective is a hub.Objective with its references resolved.
type Objective struct {
	*hub.Objective
	Pillar *hub.Pillar
}

// The views' global IDs are made when asked: a page holds many views
// whose IDs the query may not select.

// GlobalID is the commitment's global ID.
func (c *Commitment) GlobalID() string { return opaque.GlobalID(hub.TypeCommitment, c.ID) }

// GlobalID is the outcome's global ID.
func (o *MeetingOutcome) GlobalID() string { return opaque.GlobalID(hub.TypeOutcome, o.ID) }

// GlobalID is the objective's global ID.
func (o *Objective) GlobalID() string { return opaque.GlobalID(hub.TypeObjective, o.ID) }

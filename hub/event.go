package hub

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"
)

// EntityType names a kind of entity; it is also the GraphQL type name.
type EntityType string

// Entity types.
const (
	TypePlan        EntityType = "StrategicPlan"
	TypePillar      EntityType = "Pillar"
	TypeObjective   EntityType = "Objective"
	TypeCommunity   EntityType = "Community"
	TypeStakeholder EntityType = "Stakeholder"
	TypeCommitment  EntityType = "Commitment"
	TypeMeeting     EntityType = "Meeting"
	TypeOutcome     EntityType = "MeetingOutcome"
)

// ActorRole is the kind of actor behind a change.
type ActorRole string

// Actor roles.
const (
	ActorAdmin  ActorRole = "ADMIN"
	ActorEditor ActorRole = "EDITOR"
	ActorSystem ActorRole = "SYSTEM"
)

// Actor is who made a change: the token used, its role and stakeholder.
type Actor struct {
	Name          string    `bson:"name" json:"name"`
	Role          ActorRole `bson:"role" json:"role"`
	StakeholderID string    `bson:"stakeholderId,omitempty" json:"stakeholder,omitempty"`
	TokenID       string    `bson:"tokenId,omitempty" json:"token,omitempty"`
}

// SystemActor is the server itself (loading demo data).
var SystemActor = Actor{Name: "convene", Role: ActorSystem}

// FieldChange is one field's value before and after a change, as JSON text.
type FieldChange struct {
	Field  string  `bson:"field"`
	Before *string `bson:"before,omitempty"`
	After  *string `bson:"after,omitempty"`
}

// Change is an entity's history entry, taken from one event.
type Change struct {
	Seq     int64         `bson:"seq"`
	Kind    string        `bson:"kind"`
	Actor   Actor         `bson:"actor"`
	At      time.Time     `bson:"at"`
	Version int           `bson:"version"`
	Fields  []FieldChange `bson:"fields"`
}

// State holds an entity as it is after an event: exactly one member is set.
type State struct {
	Plan        *StrategicPlan  `bson:"plan,omitempty"`
	Pillar      *Pillar         `bson:"pillar,omitempty"`
	Objective   *Objective      `bson:"objective,omitempty"`
	Community   *Community      `bson:"community,omitempty"`
	Stakeholder *Stakeholder    `bson:"stakeholder,omitempty"`
	Commitment  *Commitment     `bson:"commitment,omitempty"`
	Meeting     *Meeting        `bson:"meeting,omitempty"`
	Outcome     *MeetingOutcome `bson:"outcome,omitempty"`
	Token       *Token          `bson:"token,omitempty"`
}

// entity is what every domain object is: it embeds Meta.
type entity interface{ meta() *Meta }

func (m *Meta) meta() *Meta { return m }

// stateOf wraps an entity in a State.
func stateOf(e entity) State {
	switch v := e.(type) {
	case *StrategicPlan:
		return State{Plan: v}
	case *Pillar:
		return State{Pillar: v}
	case *Objective:
		return State{Objective: v}
	case *Community:
		return State{Community: v}
	case *Stakeholder:
		return State{Stakeholder: v}
	case *Commitment:
		return State{Commitment: v}
	case *Meeting:
		return State{Meeting: v}
	case *MeetingOutcome:
		return State{Outcome: v}
	case *Token:
		return State{Token: v}
	}
	panic("hub: unknown entity type")
}

// Type returns the type of the entity held, or "" when empty.
func (s State) Type() EntityType {
	switch {
	case s.Plan != nil:
		return TypePlan
	case s.Pillar != nil:
		return TypePillar
	case s.Objective != nil:
		return TypeObjective
	case s.Community != nil:
		return TypeCommunity
	case s.Stakeholder != nil:
		return TypeStakeholder
	case s.Commitment != nil:
		return TypeCommitment
	case s.Meeting != nil:
		return TypeMeeting
	case s.Outcome != nil:
		return TypeOutcome
	case s.Token != nil:
		return TypeToken
	}
	return ""
}

// Entity returns the entity held, or nil.
func (s State) Entity() any {
	switch s.Type() {
	case TypePlan:
		return s.Plan
	case TypePillar:
		return s.Pillar
	case TypeObjective:
		return s.Objective
	case TypeCommunity:
		return s.Community
	case TypeStakeholder:
		return s.Stakeholder
	case TypeCommitment:
		return s.Commitment
	case TypeMeeting:
		return s.Meeting
	case TypeOutcome:
		return s.Outcome
	case TypeToken:
		return s.Token
	}
	return nil
}

func (s State) meta() *Meta {
	if e, ok := s.Entity().(entity); ok {
		return e.meta()
	}
	return nil
}

// Event is one change, as appended to the log. Seq is its position in the
// global log (the subscription cursor); (Type, EntityID, Version) is unique.
type Event struct {
	Seq      int64         `bson:"seq"`
	Type     EntityType    `bson:"type"`
	EntityID string        `bson:"entityId"`
	Version  int           `bson:"version"`
	Kind     string        `bson:"kind"`
	Actor    Actor         `bson:"actor"`
	At       time.Time     `bson:"at"`
	Changes  []FieldChange `bson:"changes"`
	State    State         `bson:"state"`
	// Batch is set on the events of a batch (an import), which become
	// visible together when its last event is in the log (see batch.go).
	Batch *Batch `bson:"batch,omitempty"`
}

// Stream names the entity the event touches: "Type:id".
func (e *Event) Stream() string { return StreamOf(e.Type, e.EntityID) }

// StreamOf names an entity's event stream.
func StreamOf(t EntityType, id string) string { return string(t) + ":" + id }

// Change returns the history entry the event makes.
func (e *Event) Change() Change {
	return Change{Seq: e.Seq, Kind: e.Kind, Actor: e.Actor, At: e.At, Version: e.Version, Fields: e.Changes}
}

// Snapshot is an entity's stored current state with its history.
type Snapshot struct {
	State   State
	History History
}

// diff lists the top-level JSON fields whose values differ between before
// (nil for a creation) and after, in name order.
func diff(before, after any) []FieldChange {
	b, a := fieldsOf(before), fieldsOf(after)
	names := make([]string, 0, len(a))
	for k := range a {
		names = append(names, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var out []FieldChange
	for _, k := range names {
		bv, av := b[k], a[k]
		if bytes.Equal(bv, av) || (before == nil && isEmptyJSON(av)) {
			continue
		}
		out = append(out, FieldChange{Field: k, Before: jsonText(bv), After: jsonText(av)})
	}
	return out
}

func fieldsOf(v any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if v == nil {
		return m
	}
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err) // domain types always marshal
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	return m
}

func isEmptyJSON(v json.RawMessage) bool {
	switch string(v) {
	case "", "null", `""`, "[]", "{}", "0":
		return true
	}
	return false
}

func jsonText(v json.RawMessage) *string {
	if v == nil || string(v) == "null" {
		return nil
	}
	s := string(v)
	return &s
}

// equalJSON reports whether two entities have the same API-visible fields.
func equalJSON(a, b any) bool { return len(diff(a, b)) == 0 }

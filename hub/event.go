package hub

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// State holds an entity as it is after an event, or nothing. Stored, it
// is a document with one member, named by the kind's Key: {"commitment": {…}}.
type State struct {
	k *kind
	e entity
}

// entity is what every domain object is: it embeds Meta.
type entity interface{ meta() *Meta }

func (m *Meta) meta() *Meta { return m }

// StateOf wraps an entity of a registered kind in a State.
func StateOf(e entity) State {
	if k := kindOf(e); k != nil {
		return State{k: k, e: e}
	}
	panic(fmt.Sprintf("hub: %T is not a registered kind", e))
}

// Type returns the type of the entity held, or "" when empty.
func (s State) Type() EntityType {
	if s.k == nil {
		return ""
	}
	return s.k.Type
}

// Entity returns the entity held, or nil.
func (s State) Entity() any {
	if s.e == nil {
		return nil
	}
	return s.e
}

func (s State) meta() *Meta {
	if s.e == nil {
		return nil
	}
	return s.e.meta()
}

// MarshalBSON stores the state as {Key: entity}, {} when empty. The
// entity's document is wrapped by hand: a second pass of the encoder over
// it would cost checkpoints a third more time.
func (s State) MarshalBSON() ([]byte, error) {
	if s.e == nil {
		return []byte{5, 0, 0, 0, 0}, nil
	}
	doc, err := bson.Marshal(s.e)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 4, 4+1+len(s.k.Key)+1+len(doc)+1)
	out = append(out, byte(bson.TypeEmbeddedDocument))
	out = append(out, s.k.Key...)
	out = append(out, 0)
	out = append(out, doc...)
	out = append(out, 0)
	binary.LittleEndian.PutUint32(out, uint32(len(out)))
	return out, nil
}

// UnmarshalBSON reads a stored state; a member of no registered kind is
// an error, so that no entity is dropped unseen.
func (s *State) UnmarshalBSON(b []byte) error {
	*s = State{}
	elems, err := bson.Raw(b).Elements()
	if err != nil {
		return err
	}
	for _, el := range elems {
		v := el.Value()
		if v.Type == bson.TypeNull {
			continue
		}
		k := kindsByKey[el.Key()]
		doc, ok := v.DocumentOK()
		if k == nil || !ok {
			return fmt.Errorf("hub: a stored state holds %q, which is no kind of entity", el.Key())
		}
		if s.e != nil {
			return fmt.Errorf("hub: a stored state holds both %q and %q", s.k.Key, el.Key())
		}
		e := k.newOf()
		if err := bson.Unmarshal(doc, e); err != nil {
			return fmt.Errorf("hub: decoding a stored %s: %w", k.Type, err)
		}
		*s = State{k: k, e: e}
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
	// Report is the progress report a ProgressReported event adds; the
	// commitment's earlier reports are in no event but their own.
	Report *ProgressReport `bson:"report,omitempty"`
	// Verification is the verdict a ProgressReportVerified event adds.
	Verification *Verification `bson:"verification,omitempty"`
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

// Snapshot is an entity's stored current state with its history and,
// for a commitment, its progress reports.
type Snapshot struct {
	State   State
	History History
	Reports Reports
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

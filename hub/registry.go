package hub

import (
	"fmt"
	"reflect"
	"slices"
	"unsafe"
)

// EntityType names a kind of entity: its stream name in the log, its
// GraphQL type name and the prefix of its global IDs.
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
	TypeToken       EntityType = "Token"
	TypeWebhook     EntityType = "Webhook"

	TypeService         EntityType = "Service"
	TypeReferralNetwork EntityType = "ReferralNetwork"
	TypeReferral        EntityType = "Referral"
)

// The registry: one row per kind of entity. Everything generic over kinds
// (the State union and its stored form, the read model's tables and
// indexes, checkpoints, node lookup, subscriptions' entity types, the read
// policy and its test) is driven by these rows; adding a kind is adding a
// row here, its type, its commands, its schema (the EntityType enum, held to
// these rows by a test) and, in TestReadPolicy, who may see it and how it
// is listed (the test fails until it says).
var (
	Plans = register(Row[StrategicPlan]{Type: TypePlan, Key: "plan"})

	Pillars = register(Row[Pillar]{Type: TypePillar, Key: "pillar",
		Links:   []Link{{Field: "plan", To: TypePlan}},
		Indexes: []Index[Pillar]{{Name: "plan", Key: func(p *Pillar) string { return p.PlanID }}}})

	Objectives = register(Row[Objective]{Type: TypeObjective, Key: "objective",
		Links:   []Link{{Field: "pillar", To: TypePillar}},
		Indexes: []Index[Objective]{{Name: "pillar", Key: func(o *Objective) string { return o.PillarID }}}})

	Communities = register(Row[Community]{Type: TypeCommunity, Key: "community"})

	Stakeholders = register(Row[Stakeholder]{Type: TypeStakeholder, Key: "stakeholder",
		Links: []Link{{Field: "parent", To: TypeStakeholder}},
		Indexes: []Index[Stakeholder]{
			{Name: "parent", Key: func(s *Stakeholder) string { return s.ParentID }},
			{Name: "sector", Key: func(s *Stakeholder) string { return string(s.Sector) }},
		},
		Private: []string{"contacts"}})

	Commitments = register(Row[Commitment]{Type: TypeCommitment, Key: "commitment",
		Links: []Link{
			{Field: "objective", To: TypeObjective},
			{Field: "pillar", To: TypePillar},
			{Field: "lead", To: TypeStakeholder},
			{Field: "participants", To: TypeStakeholder},
			{Field: "targetCommunities", To: TypeCommunity},
			{Field: "parent", To: TypeCommitment},
		},
		Indexes: []Index[Commitment]{
			{Name: "stakeholder", Keys: func(c *Commitment, keys []string) []string {
				for _, p := range c.Participants {
					keys = append(keys, p.StakeholderID)
				}
				return keys
			}},
			{Name: "objective", Key: func(c *Commitment) string { return c.ObjectiveID }},
			{Name: "pillar", Key: func(c *Commitment) string { return c.PillarID }},
			{Name: "status", Key: func(c *Commitment) string { return string(c.Status) }},
			{Name: "community", Keys: func(c *Commitment, keys []string) []string { return append(keys, c.CommunityIDs...) }},
			{Name: "due", Key: func(c *Commitment) string { return string(c.DueDate) }},
			{Name: "parent", Key: func(c *Commitment) string { return c.ParentID }},
		}})

	Meetings = register(Row[Meeting]{Type: TypeMeeting, Key: "meeting",
		Links: []Link{
			{Field: "convener", To: TypeStakeholder},
			{Field: "participants", To: TypeStakeholder},
		},
		Visible: func(_ *ReadModel, v Viewer, mt *Meeting) bool { return v.canSeeMeeting(mt) },
		Indexes: []Index[Meeting]{
			{Name: "stakeholder", Keys: func(mt *Meeting, keys []string) []string {
				for _, p := range mt.Participants {
					keys = append(keys, p.StakeholderID)
				}
				return append(keys, mt.ConvenerID)
			}},
			{Name: "status", Key: func(mt *Meeting) string { return string(mt.Status) }},
			{Name: "date", Key: func(mt *Meeting) string { return string(DateOf(mt.StartsAt.UTC())) }},
		}})

	Outcomes = register(Row[MeetingOutcome]{Type: TypeOutcome, Key: "outcome",
		Links: []Link{
			{Field: "meeting", To: TypeMeeting},
			{Field: "owner", To: TypeStakeholder},
			{Field: "commitments", To: TypeCommitment},
		},
		Visible: canSeeOutcome,
		Indexes: []Index[MeetingOutcome]{
			{Name: "meeting", Key: func(o *MeetingOutcome) string { return o.MeetingID }},
			{Name: "commitment", Keys: func(o *MeetingOutcome, keys []string) []string { return append(keys, o.CommitmentIDs...) }},
			{Name: "owner", Key: func(o *MeetingOutcome) string { return o.OwnerID }},
			{Name: "status", Key: func(o *MeetingOutcome) string { return string(o.Status) }},
			{Name: "kind", Key: func(o *MeetingOutcome) string { return string(o.Kind) }},
			{Name: "due", Key: func(o *MeetingOutcome) string {
				if o.DueDate == nil {
					return ""
				}
				return string(*o.DueDate)
			}},
		}})

	Tokens = register(Row[Token]{Type: TypeToken, Key: "token",
		Links:   []Link{{Field: "stakeholder", To: TypeStakeholder}},
		Visible: canSeeToken,
		Indexes: []Index[Token]{
			{Name: "hash", Key: func(t *Token) string { return t.Hash }},
			{Name: "stakeholder", Key: func(t *Token) string { return t.StakeholderID }},
		}})

	Webhooks = register(Row[Webhook]{Type: TypeWebhook, Key: "webhook", Visible: canSeeWebhook,
		Indexes: []Index[Webhook]{{Name: "token", Key: func(w *Webhook) string { return w.Creator.TokenID }}}})

	// Referral networks (referrals.go): services and networks are public,
	// a service's contacts private like a stakeholder's; a referral is
	// seen only by admins and the editors of the two stakeholders in it.
	Services = register(Row[Service]{Type: TypeService, Key: "service",
		Links: []Link{
			{Field: "provider", To: TypeStakeholder},
			{Field: "communities", To: TypeCommunity},
		},
		Indexes: []Index[Service]{
			{Name: "provider", Key: func(s *Service) string { return s.ProviderID }},
			{Name: "community", Keys: func(s *Service, keys []string) []string { return append(keys, s.CommunityIDs...) }},
			{Name: "category", Key: func(s *Service) string { return string(s.Category) }},
		},
		Private: []string{"contacts"}})

	ReferralNetworks = register(Row[ReferralNetwork]{Type: TypeReferralNetwork, Key: "referralNetwork",
		Links: []Link{
			{Field: "coordinator", To: TypeStakeholder},
			{Field: "community", To: TypeCommunity},
			{Field: "members", To: TypeStakeholder},
		},
		Indexes: []Index[ReferralNetwork]{
			{Name: "community", Key: func(n *ReferralNetwork) string { return n.CommunityID }},
			{Name: "member", Keys: func(n *ReferralNetwork, keys []string) []string {
				return append(append(keys, n.CoordinatorID), n.MemberIDs...)
			}},
		}})

	Referrals = register(Row[Referral]{Type: TypeReferral, Key: "referral",
		Links: []Link{
			{Field: "network", To: TypeReferralNetwork},
			{Field: "from", To: TypeStakeholder},
			{Field: "service", To: TypeService},
			{Field: "to", To: TypeStakeholder},
			{Field: "community", To: TypeCommunity},
		},
		Visible: canSeeReferral,
		Indexes: []Index[Referral]{
			{Name: "stakeholder", Keys: func(r *Referral, keys []string) []string { return append(keys, r.FromID, r.ToID) }},
			{Name: "network", Key: func(r *Referral) string { return r.NetworkID }},
			{Name: "service", Key: func(r *Referral) string { return r.ServiceID }},
			{Name: "to", Key: func(r *Referral) string { return r.ToID }},
			{Name: "status", Key: func(r *Referral) string { return string(r.Status) }},
			{Name: "community", Key: func(r *Referral) string { return r.CommunityID }},
			{Name: "category", Key: func(r *Referral) string { return string(r.Category) }},
		}})
)

// Row declares one kind of entity.
type Row[T any] struct {
	Type EntityType // stream name, GraphQL type and global-ID prefix
	Key  string     // the member of a stored State that holds it (its BSON key: never change it)
	// Links are its references to other entities, by the name of the
	// changed field that holds them (history shows them as global IDs).
	Links []Link
	// Indexes are the secondary indexes the read model keeps of this kind.
	Indexes []Index[T]
	// Visible says which viewers see an entity (nil: everyone), judged on
	// its current state, under the read model's lock; see policy.go.
	Visible func(m *ReadModel, v Viewer, e *T) bool
	// Private names the fields only authenticated viewers see (in queries,
	// history, exports and subscriptions alike); see Viewer.SeesField.
	Private []string
}

// The read-model state derived from more than one kind, which no index
// holds: the commitment index and its roll-ups (commitment_index.go). Set
// here rather than in the rows, which it refers back to.
func init() {
	Stakeholders.afterPut(stakeholderPut)
	Commitments.afterPut(func(m *ReadModel, _, c *Commitment) { m.putCommitment(c) })
	Objectives.afterPut(func(m *ReadModel, old, o *Objective) {
		if old != nil && old.PillarID != o.PillarID {
			m.objectiveMoved(o)
		}
	})
}

// afterPut runs f whenever an entity of this kind is stored, under m.mu,
// with its previous state (nil for a new one).
func (k *Kind[T]) afterPut(f func(m *ReadModel, old, v *T)) {
	k.put = func(m *ReadModel, old, v entity) {
		o, _ := any(old).(*T)
		f(m, o, any(v).(*T))
	}
}

// Link is a reference from one kind to another.
type Link struct {
	Field string // its name among the changed fields (the JSON name)
	To    EntityType
}

// Index is a secondary index: each entity is listed under its Key, or
// under each of the Keys it appends; "" is no key.
type Index[T any] struct {
	Name string
	Key  func(*T) string
	Keys func(v *T, keys []string) []string
}

// Kind is the registry row of entities of type T, registered.
type Kind[T any] struct{ *kind }

// kind is a row as the generic machinery sees it.
type kind struct {
	Type    EntityType
	Key     string
	Private []string
	n       int // position in kinds: the read model's table
	links   map[string]EntityType
	indexes []string
	newOf   func() entity
	of      func(entity) bool                                 // whether the entity is of this kind, and not a nil pointer
	keys    func(e entity, index int, keys []string) []string // appends e's keys in one of its kind's indexes
	put     func(m *ReadModel, old, v entity)
	visible func(m *ReadModel, v Viewer, e entity) bool // under m.mu
	ruled   bool                                        // whether the row has a Visible rule
	// layout is how the read model copies an entity into its arena
	// (arena.go), nil for a type it cannot hold there; addr and at convert
	// between an entity and its address.
	layout *layout
	addr   func(entity) unsafe.Pointer
	at     func(unsafe.Pointer) entity
}

var (
	kinds       []*kind
	kindsByType = map[EntityType]*kind{}
	kindsByKey  = map[string]*kind{}
)

// register adds a row to the registry.
func register[T any, P interface {
	*T
	entity
}](r Row[T]) *Kind[T] {
	if kindsByType[r.Type] != nil || kindsByKey[r.Key] != nil {
		panic(fmt.Sprintf("hub: kind %s registered twice", r.Type))
	}
	k := &kind{Type: r.Type, Key: r.Key, Private: r.Private, n: len(kinds), links: map[string]EntityType{},
		newOf: func() entity { return P(new(T)) },
		of:    func(e entity) bool { p, ok := e.(P); return ok && p != nil },
		keys: func(e entity, i int, keys []string) []string {
			if ix := &r.Indexes[i]; ix.Key != nil {
				return append(keys, ix.Key(e.(P)))
			}
			return r.Indexes[i].Keys(e.(P), keys)
		},
		put: func(*ReadModel, entity, entity) {},
		visible: func(m *ReadModel, v Viewer, e entity) bool {
			if r.Visible == nil {
				return true
			}
			if m.policy != nil { // a view of the past: judged as the entity is now
				cur, _ := m.policy.tables[kindsByType[r.Type].n].get(e.meta().ID).(P)
				return cur != nil && r.Visible(m.policy, v, cur)
			}
			return r.Visible(m, v, e.(P))
		},
		ruled:  r.Visible != nil,
		layout: layoutOf(reflect.TypeFor[T]()),
		addr:   func(e entity) unsafe.Pointer { return unsafe.Pointer(e.(P)) },
		at:     func(p unsafe.Pointer) entity { return P((*T)(p)) }}
	for _, l := range r.Links {
		k.links[l.Field] = l.To
	}
	for _, ix := range r.Indexes {
		k.indexes = append(k.indexes, ix.Name)
	}
	kinds = append(kinds, k)
	kindsByType[k.Type], kindsByKey[k.Key] = k, k
	return &Kind[T]{kind: k}
}

// table is the position of the kind's table in the read model.
func (k *kind) table() int { return k.n }

// kindOf returns the kind of e, or nil (for nil, a nil pointer, or a type
// of no kind).
func kindOf(e entity) *kind {
	if e == nil {
		return nil
	}
	for _, k := range kinds {
		if k.of(e) {
			return k
		}
	}
	return nil
}

// EntityTypes lists every kind, in registry order.
func EntityTypes() []EntityType {
	out := make([]EntityType, len(kinds))
	for i, k := range kinds {
		out[i] = k.Type
	}
	return out
}

// Registered reports whether t is a kind of entity.
func Registered(t EntityType) bool { return kindsByType[t] != nil }

// PrivateFields names the fields of kind t that only authenticated
// viewers see.
func PrivateFields(t EntityType) []string {
	if k := kindsByType[t]; k != nil {
		return slices.Clone(k.Private)
	}
	return nil
}

// LinkOf returns the kind that field of an entity of kind t refers to.
func LinkOf(t EntityType, field string) (EntityType, bool) {
	k := kindsByType[t]
	if k == nil {
		return "", false
	}
	to, ok := k.links[field]
	return to, ok
}

// Of returns the entity s holds if it is of this kind, else nil.
func (k *Kind[T]) Of(s State) *T {
	v, _ := any(s.e).(*T)
	return v
}

// Get returns the entity with this id, or nil.
func (k *Kind[T]) Get(m *ReadModel, id string) *T {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return k.get(m, id)
}

// Lookup returns Get bound to m.
func (k *Kind[T]) Lookup(m *ReadModel) func(id string) *T {
	return func(id string) *T { return k.Get(m, id) }
}

// get is Get under m.mu.
func (k *Kind[T]) get(m *ReadModel, id string) *T {
	v, _ := any(m.tables[k.n].get(id)).(*T)
	return v
}

// all returns every entity of this kind, in no order; call it under m.mu.
func (k *Kind[T]) all(m *ReadModel) []*T {
	t := m.tables[k.n]
	out := make([]*T, 0, t.live)
	t.each(func(e entity) { out = append(out, any(e).(*T)) })
	return out
}

// linked returns the entities listed under key in the named index, in no
// order; call it under m.mu.
func (k *Kind[T]) linked(m *ReadModel, index, key string) []*T {
	t := m.tables[k.n]
	nums := t.listed(index, key)
	out := make([]*T, 0, len(nums))
	for _, n := range nums {
		out = append(out, any(t.byNum[n]).(*T))
	}
	return out
}

// visibleTo reports whether v may see e; call it under m.mu.
func (k *Kind[T]) visibleTo(m *ReadModel, v Viewer, e *T) bool {
	return e != nil && k.visible(m, v, any(e).(entity))
}

// eachListed calls yield with each entity listed under any of keys in the
// named index of table t, once each; call it under m.mu.
func (t *table) eachListed(index string, keys []string, yield func(e entity)) {
	t.eachListedIn(index, keys, nil, yield)
}

// eachListedIn is eachListed of the rows in the set in (by row number;
// nil: every row).
func (t *table) eachListedIn(index string, keys []string, in rowSet, yield func(e entity)) {
	ix := t.index(index)
	if len(keys) == 1 { // a list holds each row once
		for _, n := range ix[keys[0]] {
			if in == nil || in.has(n) {
				yield(t.byNum[n])
			}
		}
		return
	}
	seen := make(rowSet, (len(t.byNum)+63)/64)
	for _, key := range keys {
		for _, n := range ix[key] {
			if !seen.has(n) && (in == nil || in.has(n)) {
				seen.add(n)
				yield(t.byNum[n])
			}
		}
	}
}

// rowSet is a set of row numbers, a bit each.
type rowSet []uint64

func (s rowSet) has(n int32) bool { return s[n/64]&(1<<(n%64)) != 0 }
func (s rowSet) add(n int32)      { s[n/64] |= 1 << (n % 64) }

// listedSet is the set of rows listed under any of keys in the named
// index of table t; call it under m.mu.
func (t *table) listedSet(index string, keys []string) rowSet {
	ix := t.index(index)
	s := make(rowSet, (len(t.byNum)+63)/64)
	for _, key := range keys {
		for _, n := range ix[key] {
			s.add(n)
		}
	}
	return s
}

// count is an upper bound of how many entities are listed under keys in
// the named index; call it under m.mu.
func (k *Kind[T]) count(m *ReadModel, index string, keys []string) int {
	ix := m.tables[k.n].index(index)
	n := 0
	for _, key := range keys {
		n += len(ix[key])
	}
	return n
}

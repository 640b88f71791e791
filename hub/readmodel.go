package hub

import (
	"fmt"
	"sort"
	"sync"
)

// ReadModel is the in-memory current state that answers every query. It is
// advanced only by applying events in log order; the values it hands out are
// never mutated afterwards (each change stores a new copy), so readers may
// keep them without holding a lock.
type ReadModel struct {
	mu  sync.RWMutex
	seq int64 // last applied event

	plans        map[string]*StrategicPlan
	pillars      map[string]*Pillar
	objectives   map[string]*Objective
	communities  map[string]*Community
	stakeholders map[string]*Stakeholder
	commitments  map[string]*Commitment
	meetings     map[string]*Meeting
	outcomes     map[string]*MeetingOutcome
	tokens       map[string]*Token
	tokenByHash  map[string]string

	history map[string]History // by stream

	pillarsByPlan            links
	objectivesByPillar       links
	childrenByParent         links
	commitmentsByStakeholder links
	outcomesByMeeting        links
	outcomesByCommitment     links
	commitmentIndex          commitmentIndex

	dirty map[string]State // streams whose snapshot is behind, by stream
	open  *openBatch       // a batch at the log's end, not yet complete

	tombstones map[string]State // the last states of deleted entities, by stream

	feed feed // the latest events, for subscribers
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{
		plans:                    map[string]*StrategicPlan{},
		pillars:                  map[string]*Pillar{},
		objectives:               map[string]*Objective{},
		communities:              map[string]*Community{},
		stakeholders:             map[string]*Stakeholder{},
		commitments:              map[string]*Commitment{},
		meetings:                 map[string]*Meeting{},
		outcomes:                 map[string]*MeetingOutcome{},
		tokens:                   map[string]*Token{},
		tokenByHash:              map[string]string{},
		history:                  map[string]History{},
		pillarsByPlan:            links{},
		objectivesByPillar:       links{},
		childrenByParent:         links{},
		commitmentsByStakeholder: links{},
		outcomesByMeeting:        links{},
		outcomesByCommitment:     links{},
		commitmentIndex:          commitmentIndex{rowOf: map[string]int{}, all: newRollup()},
		dirty:                    map[string]State{},
		tombstones:               map[string]State{},
		feed:                     newFeed(),
	}
}

// Seq is the position of the last event applied.
func (m *ReadModel) Seq() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.seq
}

// restore loads stored snapshots, keeping each entity's highest version;
// watermark is the log position they are complete up to. It returns how
// many of the snapshots were superseded by another of the same entity.
func (m *ReadModel) restore(snaps []Snapshot, watermark int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	latest := make(map[string]Snapshot, len(snaps))
	for _, s := range snaps {
		stream := streamOfState(s.State)
		if old, ok := latest[stream]; !ok || old.State.meta().Version < s.State.meta().Version {
			latest[stream] = s
		}
	}
	for stream, s := range latest {
		m.put(s.State)
		m.history[stream] = s.History
	}
	m.seq = watermark
	m.feed.reset(watermark)
	return len(snaps) - len(latest)
}

// Apply advances the model by events in log order. Events it has already
// applied are skipped (the tailer and a writer may both offer one); at an
// event beyond the next position it stops with ErrLogGap, having applied
// those before it. An event for a
// version the model already holds (from a checkpoint written after it)
// advances the position and leaves the entity dirty, unchanged.
func (m *ReadModel) Apply(events ...*Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer m.feed.wake()
	for i := 0; i < len(events); i++ {
		e := events[i]
		if e.Seq <= m.seq {
			continue
		}
		if e.Seq != m.seq+1 {
			return fmt.Errorf("%w: at %d, next event is %d", ErrLogGap, m.seq, e.Seq)
		}
		if e.Batch == nil {
			m.applyOne(e, e.Type == "")
			continue
		}
		end, complete := batchEnd(events, i)
		if !complete {
			m.holdBatch(e, events[end-1].Seq)
			return nil
		}
		// A batch whose first events were voided is voided whole.
		orphan := e.Batch.First != e.Seq
		for _, b := range events[i:end] {
			m.applyOne(b, orphan)
		}
		m.open = nil
		i = end - 1
	}
	return nil
}

// applyOne applies the next event; a void one only advances the position.
func (m *ReadModel) applyOne(e *Event, void bool) {
	m.seq = e.Seq
	if void {
		e = voidEvent(e.Seq)
	}
	m.feed.push(e)
	if void {
		return
	}
	stream := e.Stream()
	if cur := m.current(e.Type, e.EntityID); cur != nil && e.Version <= cur.meta().Version {
		// The model holds a later state (from a checkpoint ahead of
		// the watermark): the next checkpoint must still hold it, as
		// it covers this event's position.
		m.dirty[stream] = stateOf(cur)
		return
	}
	m.put(e.State)
	m.history[stream] = m.history[stream].Append(e.Change())
	m.dirty[stream] = e.State
}

// takeDirty returns the streams changed since the last call, with the
// position up to which they are complete.
func (m *ReadModel) takeDirty() ([]Snapshot, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Snapshot, 0, len(m.dirty))
	for stream, st := range m.dirty {
		out = append(out, Snapshot{State: st, History: m.history[stream]})
	}
	clear(m.dirty)
	return out, m.seq
}

func streamOfState(s State) string { return StreamOf(s.Type(), s.meta().ID) }

// takeAll returns every entity's snapshot, for a full checkpoint, and
// the position it reflects; the dirty set is taken with it.
func (m *ReadModel) takeAll() ([]Snapshot, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Snapshot, 0, m.sizeLocked())
	add := func(e entity) {
		st := stateOf(e)
		out = append(out, Snapshot{State: st, History: m.history[streamOfState(st)]})
	}
	each(m.plans, add)
	each(m.pillars, add)
	each(m.objectives, add)
	each(m.communities, add)
	each(m.stakeholders, add)
	each(m.commitments, add)
	each(m.meetings, add)
	each(m.outcomes, add)
	each(m.tokens, add)
	for stream, st := range m.tombstones {
		out = append(out, Snapshot{State: st, History: m.history[stream]})
	}
	clear(m.dirty)
	return out, m.seq
}

func each[T any, P interface {
	*T
	entity
}](m map[string]P, f func(entity)) {
	for _, v := range m {
		f(v)
	}
}

// size is the number of entities.
func (m *ReadModel) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.sizeLocked()
}

func (m *ReadModel) sizeLocked() int {
	return len(m.plans) + len(m.pillars) + len(m.objectives) + len(m.communities) + len(m.stakeholders) +
		len(m.commitments) + len(m.meetings) + len(m.outcomes) + len(m.tokens) + len(m.tombstones)
}

// current returns the entity's current state, or nil.
func (m *ReadModel) current(t EntityType, id string) entity {
	var e entity
	switch t {
	case TypePlan:
		e = lookup(m.plans, id)
	case TypePillar:
		e = lookup(m.pillars, id)
	case TypeObjective:
		e = lookup(m.objectives, id)
	case TypeCommunity:
		e = lookup(m.communities, id)
	case TypeStakeholder:
		e = lookup(m.stakeholders, id)
	case TypeCommitment:
		e = lookup(m.commitments, id)
	case TypeMeeting:
		e = lookup(m.meetings, id)
	case TypeOutcome:
		e = lookup(m.outcomes, id)
	case TypeToken:
		e = lookup(m.tokens, id)
	}
	return e
}

// lookup returns m[id] as an entity, or a true nil interface when absent.
func lookup[T any, P interface {
	*T
	entity
}](m map[string]P, id string) entity {
	if v, ok := m[id]; ok {
		return v
	}
	return nil
}

// put stores an entity state and keeps the link indexes current.
func (m *ReadModel) put(s State) {
	if mt := s.meta(); mt != nil && mt.Deleted {
		m.forget(s)
		return
	}
	switch {
	case s.Plan != nil:
		m.plans[s.Plan.ID] = s.Plan
	case s.Pillar != nil:
		m.pillars[s.Pillar.ID] = s.Pillar
		m.pillarsByPlan.add(s.Pillar.PlanID, s.Pillar.ID)
	case s.Objective != nil:
		v := s.Objective
		old := m.objectives[v.ID]
		m.objectives[v.ID] = v
		m.objectivesByPillar.add(v.PillarID, v.ID)
		if old != nil && old.PillarID != v.PillarID {
			m.objectivesByPillar.remove(old.PillarID, v.ID)
			m.objectiveMoved(v)
		}
	case s.Community != nil:
		m.communities[s.Community.ID] = s.Community
	case s.Stakeholder != nil:
		v := s.Stakeholder
		old := m.stakeholders[v.ID]
		if old != nil {
			m.childrenByParent.remove(old.ParentID, v.ID)
		}
		m.stakeholders[v.ID] = v
		m.childrenByParent.add(v.ParentID, v.ID)
		if old == nil || old.Sector != v.Sector {
			m.stakeholderSectorChanged(v.ID)
		}
	case s.Commitment != nil:
		v := s.Commitment
		if old := m.commitments[v.ID]; old != nil {
			for _, p := range old.Participants {
				m.commitmentsByStakeholder.remove(p.StakeholderID, v.ID)
			}
		}
		m.commitments[v.ID] = v
		for _, p := range v.Participants {
			m.commitmentsByStakeholder.add(p.StakeholderID, v.ID)
		}
		m.putCommitment(v)
	case s.Meeting != nil:
		m.meetings[s.Meeting.ID] = s.Meeting
	case s.Token != nil:
		m.tokens[s.Token.ID] = s.Token
		m.tokenByHash[s.Token.Hash] = s.Token.ID
	case s.Outcome != nil:
		v := s.Outcome
		if old := m.outcomes[v.ID]; old != nil {
			for _, c := range old.CommitmentIDs {
				m.outcomesByCommitment.remove(c, v.ID)
			}
		}
		m.outcomes[v.ID] = v
		m.outcomesByMeeting.add(v.MeetingID, v.ID)
		for _, c := range v.CommitmentIDs {
			m.outcomesByCommitment.add(c, v.ID)
		}
	}
}

// forget removes a deleted entity, keeping its tombstone (its history
// stays in m.history, for the audit log).
func (m *ReadModel) forget(s State) {
	switch {
	case s.Plan != nil:
		delete(m.plans, s.Plan.ID)
	case s.Pillar != nil:
		delete(m.pillars, s.Pillar.ID)
		m.pillarsByPlan.remove(s.Pillar.PlanID, s.Pillar.ID)
	case s.Objective != nil:
		delete(m.objectives, s.Objective.ID)
		m.objectivesByPillar.remove(s.Objective.PillarID, s.Objective.ID)
	case s.Community != nil:
		delete(m.communities, s.Community.ID)
	}
	m.tombstones[streamOfState(s)] = s
}

// objectiveMoved moves the objective's commitments to its new pillar:
// a commitment's pillar is its objective's, kept on it for the indexes.
// Their next checkpoint holds the new pillar; replaying the log derives
// it again.
func (m *ReadModel) objectiveMoved(o *Objective) {
	for _, c := range m.commitments {
		if c.ObjectiveID != o.ID || c.PillarID == o.PillarID {
			continue
		}
		moved := *c
		moved.PillarID = o.PillarID
		m.put(State{Commitment: &moved})
		m.dirty[StreamOf(TypeCommitment, c.ID)] = State{Commitment: &moved}
	}
}

// links is a one-to-many index: key → set of ids.
type links map[string]map[string]struct{}

func (l links) add(key, id string) {
	if key == "" {
		return
	}
	set := l[key]
	if set == nil {
		set = map[string]struct{}{}
		l[key] = set
	}
	set[id] = struct{}{}
}

func (l links) remove(key, id string) {
	delete(l[key], id)
}

// resolve returns the entities linked to key, in the order less gives.
func resolve[T any](l links, key string, all map[string]*T, less func(a, b *T) bool) []*T {
	out := make([]*T, 0, len(l[key]))
	for id := range l[key] {
		if v := all[id]; v != nil {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

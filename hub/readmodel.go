package hub

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// ReadModel is the in-memory current state that answers every query. It is
// advanced only by applying events in log order; the values it hands out are
// never mutated afterwards (each change stores a new copy), so readers may
// keep them without holding a lock.
type ReadModel struct {
	mu  sync.RWMutex
	seq int64 // last applied event

	tables []*table // one per kind, in registry order

	history map[string]History // by stream
	reports map[string]Reports // by commitment

	commitmentIndex commitmentIndex

	dirty map[string]State // streams whose snapshot is behind, by stream
	sizes ListSizes        // the longest lists, for query cost
	open  *openBatch       // a batch at the log's end, not yet complete

	tombstones map[string]State // the last states of deleted entities, by stream

	newKeys, oldKeys []string // put's scratch space, under mu

	feed feed // the latest events, for subscribers

	asOf asOfIndex // every entity's versions by time (asof.go)
	// A view of the past (ReadModel.At) has the instant it stands at, the
	// current states its read policy judges, and the model it was made of,
	// which holds the histories and reports.
	asOfTime time.Time
	policy   *ReadModel
	source   *ReadModel
	released releaseCache // referral figures under disclosure control
}

// table holds the current entities of one kind, by id, with the
// secondary indexes its registry row declares, by name.
type table struct {
	rows    map[string]entity
	indexes map[string]links
	// lazy holds a view's indexes (asof.go), built when first read.
	lazy map[string]*lazyIndex
}

func (t *table) index(name string) links {
	if t.lazy != nil {
		return t.lazy[name].get()
	}
	ix, ok := t.indexes[name]
	if !ok {
		panic("hub: no index " + name) // a registry row and its reader disagree
	}
	return ix
}

// NewReadModel returns an empty read model.
func NewReadModel() *ReadModel {
	m := &ReadModel{
		history:         map[string]History{},
		reports:         map[string]Reports{},
		commitmentIndex: commitmentIndex{rowOf: map[string]int{}, all: newRollup()},
		dirty:           map[string]State{},
		tombstones:      map[string]State{},
		feed:            newFeed(),
		asOf:            newAsOfIndex(),
	}
	m.commitmentIndex.all.tally = newTally(allDims, nil)
	for _, k := range kinds {
		t := &table{rows: map[string]entity{}, indexes: map[string]links{}}
		for _, name := range k.indexes {
			t.indexes[name] = links{}
		}
		m.tables = append(m.tables, t)
	}
	return m
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
	perKind := make([]int, len(m.tables))
	for _, s := range latest {
		perKind[s.State.k.n]++
	}
	for i, t := range m.tables { // grown once, not by doubling
		if len(t.rows) == 0 {
			t.rows = make(map[string]entity, perKind[i])
		}
	}
	// Commitments last: a stakeholder put after its commitments refreshes
	// each of their rows (stakeholderSectorChanged).
	for _, commitments := range []bool{false, true} {
		for stream, s := range latest {
			c := Commitments.Of(s.State)
			if (c != nil) != commitments {
				continue
			}
			m.put(s.State)
			m.history[stream] = s.History
			if c != nil {
				m.reports[c.ID] = s.Reports
			}
		}
	}
	m.commitmentIndex.ensureOrders()
	if len(snaps) > 0 {
		m.asOf.built = false // built from the histories when first asked (asof.go)
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
// advances the position and leaves the entity dirty, unchanged. An event
// stored without its state (Event.Stored) gets it here.
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
			if err := m.applyOne(e, e.Type == ""); err != nil {
				return err
			}
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
			if err := m.applyOne(b, orphan); err != nil {
				return err
			}
		}
		m.open = nil
		i = end - 1
	}
	return nil
}

// applyOne applies the next event; a void one only advances the position.
func (m *ReadModel) applyOne(e *Event, void bool) error {
	if void {
		m.seq = e.Seq
		m.feed.push(voidEvent(e.Seq))
		return nil
	}
	stream := e.Stream()
	cur := m.current(e.Type, e.EntityID)
	stale := cur != nil && e.Version <= cur.meta().Version
	if !stale && e.State.Type() == "" {
		// Stored with what changed only: rebuilt on the version before.
		prev := Commitments.get(m, e.EntityID)
		if prev == nil || prev.Version != e.Version-1 || e.Report == nil {
			return fmt.Errorf("event %d (%s@%d) has no state, and the model does not hold the version before it", e.Seq, stream, e.Version)
		}
		c, err := redo(prev, e)
		if err != nil {
			return err
		}
		e.State = StateOf(c)
	}
	m.seq = e.Seq
	m.feed.push(e)
	if stale {
		// The model holds a later state (from a checkpoint ahead of
		// the watermark): the next checkpoint must still hold it, as
		// it covers this event's position.
		m.dirty[stream] = StateOf(cur)
		return nil
	}
	m.put(e.State)
	m.asOf.record(e)
	m.history[stream] = m.history[stream].Append(e.Change())
	if e.Report != nil {
		m.reports[e.EntityID] = m.reports[e.EntityID].Append(*e.Report)
		m.noteReport(e.Report)
	}
	if e.Verification != nil {
		m.reports[e.EntityID] = m.reports[e.EntityID].AppendVerdict(*e.Verification)
	}
	m.dirty[stream] = e.State
	return nil
}

// takeDirty returns the streams changed since the last call, with the
// position up to which they are complete.
func (m *ReadModel) takeDirty() ([]Snapshot, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Snapshot, 0, len(m.dirty))
	for _, st := range m.dirty {
		out = append(out, m.snapshot(st))
	}
	clear(m.dirty)
	return out, m.seq
}

func streamOfState(s State) string { return StreamOf(s.Type(), s.meta().ID) }

// snapshot is the state with its history and reports; call it under m.mu.
func (m *ReadModel) snapshot(st State) Snapshot {
	sn := Snapshot{State: st, History: m.history[streamOfState(st)]}
	if c := Commitments.Of(st); c != nil {
		sn.Reports = m.reports[c.ID]
	}
	return sn
}

// takeAll returns every entity's snapshot, for a full checkpoint, and
// the position it reflects; the dirty set is taken with it.
func (m *ReadModel) takeAll() ([]Snapshot, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Snapshot, 0, m.sizeLocked())
	for i, t := range m.tables {
		for _, e := range t.rows {
			out = append(out, m.snapshot(State{k: kinds[i], e: e}))
		}
	}
	for _, st := range m.tombstones {
		out = append(out, m.snapshot(st))
	}
	clear(m.dirty)
	return out, m.seq
}

// size is the number of entities.
func (m *ReadModel) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.sizeLocked()
}

func (m *ReadModel) sizeLocked() int {
	n := len(m.tombstones)
	for _, t := range m.tables {
		n += len(t.rows)
	}
	return n
}

// current returns the entity's current state, or nil; call it under m.mu.
func (m *ReadModel) current(t EntityType, id string) entity {
	k := kindsByType[t]
	if k == nil {
		return nil
	}
	return m.tables[k.n].rows[id]
}

// put stores an entity state, keeps the kind's indexes current and runs
// its row's afterPut.
func (m *ReadModel) put(s State) {
	if s.k == Referrals.kind {
		m.referralChanged()
	}
	if s.meta().Deleted {
		m.forget(s)
		return
	}
	k, t, id := s.k, m.tables[s.k.n], s.e.meta().ID
	old := t.rows[id]
	for i, name := range k.indexes {
		if m.policy != nil { // a view's indexes are built when first read
			break
		}
		ix := t.indexes[name]
		m.newKeys = k.keys(s.e, i, m.newKeys[:0])
		for _, key := range m.newKeys {
			ix.add(key, id)
		}
		if old == nil {
			continue
		}
		m.oldKeys = k.keys(old, i, m.oldKeys[:0])
		for _, key := range m.oldKeys {
			if !slices.Contains(m.newKeys, key) {
				ix.remove(key, id)
			}
		}
	}
	t.rows[id] = s.e
	k.put(m, old, s.e)
	if m.policy == nil {
		m.noteSizes(s)
	}
}

// forget removes a deleted entity and its index keys, keeping its
// tombstone (its history stays in m.history, for the audit log).
func (m *ReadModel) forget(s State) {
	k, t, id := s.k, m.tables[s.k.n], s.e.meta().ID
	if old := t.rows[id]; old != nil {
		for i, name := range k.indexes {
			for _, key := range k.keys(old, i, nil) {
				t.indexes[name].remove(key, id)
			}
		}
		delete(t.rows, id)
	}
	m.tombstones[streamOfState(s)] = s
}

// objectiveMoved moves the objective's commitments to its new pillar:
// a commitment's pillar is its objective's, kept on it for the indexes.
// Their next checkpoint holds the new pillar; replaying the log derives
// it again.
func (m *ReadModel) objectiveMoved(o *Objective) {
	for _, c := range Commitments.linked(m, "objective", o.ID) {
		if c.PillarID == o.PillarID {
			continue
		}
		moved := *c
		moved.PillarID = o.PillarID
		m.put(StateOf(&moved))
		m.dirty[StreamOf(TypeCommitment, c.ID)] = StateOf(&moved)
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
	if set := l[key]; set != nil {
		if delete(set, id); len(set) == 0 {
			delete(l, key)
		}
	}
}

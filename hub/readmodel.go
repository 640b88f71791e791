package hub

import (
	"fmt"
	"slices"
	"strings"
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
	// arena holds the current entities, out of the collector's scan
	// (arena.go). A view of the past has none: most of its entities are
	// the current ones, which it shares.
	arena    *arena
	released releaseCache // referral figures under disclosure control
}

// table holds the current entities of one kind, by row number, with the
// secondary indexes its registry row declares, by name.
//
// The model is most of the server's live heap, and the garbage collector
// reads every pointer in it on each cycle, slowing the requests served
// meanwhile: so a table keeps few. Each id stored gets a row number for
// good (a deleted entity keeps its own); what is kept per entity is in
// slices by number, and the indexes list numbers, in arrays of integers
// the collector does not scan.
type table struct {
	num     rowNumbers
	byNum   []entity  // the current entity of each number; nil when deleted
	live    int       // the entities byNum holds
	hist    []History // each number's history, deleted entities' too
	reps    []Reports // each number's progress reports (commitments), as far as any
	indexes map[string]links
	// lazy holds a view's indexes (asof.go), built when first read.
	lazy map[string]*lazyIndex
}

func newTable() *table {
	return &table{num: newRowNumbers(0), indexes: map[string]links{}}
}

// number returns the row number of id, giving it the next one if it has
// none.
func (t *table) number(id string) int32 {
	n, ok := t.num.lookup(id)
	if !ok {
		n = t.num.add(id)
		t.byNum, t.hist = append(t.byNum, nil), append(t.hist, nil)
	}
	return n
}

// set stores e as the entity id and returns its row number.
func (t *table) set(id string, e entity) int32 {
	n := t.number(id)
	if t.byNum[n] == nil {
		t.live++
	}
	t.byNum[n] = e
	return n
}

// unset removes the entity id, keeping its number.
func (t *table) unset(id string) {
	if n, ok := t.num.lookup(id); ok && t.byNum[n] != nil {
		t.byNum[n] = nil
		t.live--
	}
}

// get returns the entity id, or nil.
func (t *table) get(id string) entity {
	if n, ok := t.num.lookup(id); ok {
		return t.byNum[n]
	}
	return nil
}

// each calls yield with every entity, in row order.
func (t *table) each(yield func(e entity)) {
	for _, e := range t.byNum {
		if e != nil {
			yield(e)
		}
	}
}

// history returns the history of the entity id.
func (t *table) history(id string) History {
	if n, ok := t.num.lookup(id); ok {
		return t.hist[n]
	}
	return nil
}

// reports returns the progress reports of the commitment id.
func (t *table) reports(id string) Reports {
	if n, ok := t.num.lookup(id); ok && int(n) < len(t.reps) {
		return t.reps[n]
	}
	return nil
}

func (t *table) setReports(id string, r Reports) {
	n := t.number(id)
	if grow := int(n) + 1 - len(t.reps); grow > 0 {
		t.reps = append(t.reps, make([]Reports, grow)...)
	}
	t.reps[n] = r
}

// historyOf returns the history of the entity id of type et; call it
// under m.mu.
func (m *ReadModel) historyOf(et EntityType, id string) History {
	if k := kindsByType[et]; k != nil {
		return m.tables[k.n].history(id)
	}
	return nil
}

// reportsOf returns the progress reports of the commitment id; call it
// under m.mu.
func (m *ReadModel) reportsOf(id string) Reports { return m.tables[Commitments.n].reports(id) }

// listed returns the row numbers listed under key in the named index,
// ascending; call it under m.mu and do not keep it past.
func (t *table) listed(index, key string) []int32 { return t.index(index)[key] }

// id returns the id of the entity of row number n.
func (t *table) id(n int32) string { return t.num.ids[n] }

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
		commitmentIndex: commitmentIndex{all: newRollup()},
		dirty:           map[string]State{},
		tombstones:      map[string]State{},
		feed:            newFeed(),
		asOf:            newAsOfIndex(),
	}
	m.commitmentIndex.all.tally = newTally(allDims, nil)
	m.commitmentIndex.all.cells = newCells()
	for _, k := range kinds {
		t := newTable()
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
		if len(t.byNum) == 0 {
			t.num = newRowNumbers(perKind[i])
			t.byNum, t.hist = make([]entity, 0, perKind[i]), make([]History, 0, perKind[i])
		}
	}
	// Commitments last: a stakeholder put after its commitments refreshes
	// each of their rows (stakeholderSectorChanged).
	for _, commitments := range []bool{false, true} {
		for _, s := range latest {
			c := Commitments.Of(s.State)
			if (c != nil) != commitments {
				continue
			}
			m.put(s.State)
			t := m.tables[s.State.k.n]
			t.hist[t.number(s.State.meta().ID)] = s.History
			if c != nil {
				t.setReports(c.ID, s.Reports)
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
	if stale {
		m.feed.push(e)
		// The model holds a later state (from a checkpoint ahead of
		// the watermark): the next checkpoint must still hold it, as
		// it covers this event's position.
		m.dirty[stream] = StateOf(cur)
		return nil
	}
	e.State = m.put(e.State) // the feed, the timelines and the event's readers share the model's copy
	m.feed.push(e)
	m.recordAsOf(e)
	t := m.tables[e.State.k.n]
	n := t.number(e.EntityID)
	t.hist[n] = t.hist[n].Append(e.Change())
	if e.Report != nil {
		t.setReports(e.EntityID, t.reports(e.EntityID).Append(*e.Report))
		m.noteReport(e.Report)
	}
	if e.Verification != nil {
		t.setReports(e.EntityID, t.reports(e.EntityID).AppendVerdict(*e.Verification))
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
	t := m.tables[st.k.n]
	sn := Snapshot{State: st, History: t.history(st.meta().ID)}
	if c := Commitments.Of(st); c != nil {
		sn.Reports = t.reports(c.ID)
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
		t.each(func(e entity) { out = append(out, m.snapshot(State{k: kinds[i], e: e})) })
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
		n += t.live
	}
	return n
}

// current returns the entity's current state, or nil; call it under m.mu.
func (m *ReadModel) current(t EntityType, id string) entity {
	k := kindsByType[t]
	if k == nil {
		return nil
	}
	return m.tables[k.n].get(id)
}

// put stores an entity state, keeps the kind's indexes current and runs
// its row's afterPut. It returns the state as stored: the arena's copy.
func (m *ReadModel) put(s State) State {
	if s.k == Referrals.kind {
		m.referralChanged()
	}
	if s.meta().Deleted {
		m.commitmentIndex.kept.changed(s)
		m.forget(s)
		return s
	}
	k, t, id := s.k, m.tables[s.k.n], s.e.meta().ID
	old := t.get(id)
	if k.layout != nil && m.policy == nil {
		if m.arena == nil {
			m.arena = &arena{}
		}
		s.e = m.arena.hold(k, s.e)
	}
	m.commitmentIndex.kept.changed(s) // with the copy the table keeps, which kept lists may point at
	n := t.set(id, s.e)
	for i, name := range k.indexes {
		if m.policy != nil { // a view's indexes are built when first read
			break
		}
		ix := t.indexes[name]
		m.newKeys = k.keys(s.e, i, m.newKeys[:0])
		for _, key := range m.newKeys {
			ix.add(key, n)
		}
		if old == nil {
			continue
		}
		m.oldKeys = k.keys(old, i, m.oldKeys[:0])
		for _, key := range m.oldKeys {
			if !slices.Contains(m.newKeys, key) {
				ix.remove(key, n)
			}
		}
	}
	k.put(m, old, s.e)
	if m.policy == nil {
		m.noteSizes(s)
	}
	m.letGo(k, old)
	return s
}

// letGo notes that the held entity old, of kind k, is no longer the
// table's, and empties its chunk if that is now mostly dead bytes.
func (m *ReadModel) letGo(k *kind, old entity) {
	if old == nil || k.layout == nil || m.policy != nil {
		return
	}
	if heldChecks {
		if err := m.arena.checkHeld(k, old); err != nil {
			panic("hub: an entity was changed in place in the read model's arena: " + err.Error())
		}
	}
	if c := m.arena.release(k, old); c != nil {
		m.leave(c)
	}
}

// forget removes a deleted entity and its index keys, keeping its
// tombstone (its history stays under its row number, for the audit log).
func (m *ReadModel) forget(s State) {
	k, t, id := s.k, m.tables[s.k.n], s.e.meta().ID
	t.number(id)
	if old := t.get(id); old != nil {
		for i, name := range k.indexes {
			for _, key := range k.keys(old, i, nil) {
				t.indexes[name].remove(key, t.number(id))
			}
		}
		t.unset(id)
		m.letGo(k, old)
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
		m.dirty[StreamOf(TypeCommitment, c.ID)] = m.put(StateOf(&moved))
	}
}

// links is a one-to-many index: key → the row numbers listed under it,
// ascending, each once.
type links map[string][]int32

func (l links) add(key string, n int32) {
	if key == "" {
		return
	}
	list, ok := l[key]
	if !ok {
		key = strings.Clone(key) // a map keeps its first key: not the entity's, which may be in an arena chunk
	}
	if k := len(list); k == 0 || list[k-1] < n { // new rows come last
		l[key] = append(list, n)
		return
	}
	if p, found := slices.BinarySearch(list, n); !found {
		l[key] = slices.Insert(list, p, n)
	}
}

func (l links) remove(key string, n int32) {
	list := l[key]
	p, found := slices.BinarySearch(list, n)
	if !found {
		return
	}
	if list = slices.Delete(list, p, p+1); len(list) == 0 {
		delete(l, key)
	} else {
		l[key] = list
	}
}

package hub

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Time travel: the read model as the hub stood at an instant (ReadModel.At).
//
// What "stood" means: an entity's state at t is its latest version whose
// time, and the time of every version before it, is at or before t. A
// version's time is its event's: the clock for changes made through the
// API, the data's own date for imported and demo data (whose progress
// reports carry the dates they describe), so the demo's "end of 2013"
// is the plan's. Times are kept per entity, not by log position, because
// an import writes the past in any order.
//
// How it stays fast: the model keeps, per entity, its versions' times in
// ascending order (a timeline), so the version at t is a binary search.
// States are kept only where they cannot be derived: every version of the
// small kinds, and of a commitment each version whose change touched more
// than what progress reports change; a report's version keeps its figures
// as plain numbers and is the version before with those figures. A view
// at t is a read model of its own, built from the timelines, on which
// every query runs unchanged; the read policy of a view judges each
// entity as it is now (policy.go).

// light are the commitment fields a progress report changes: a version
// that changes only these shares the state of the version before it.
var light = map[string]bool{"progress": true, "status": true, "completedAt": true, "indicators": true}

// point is one version of an entity on its timeline; it holds no pointer,
// so the garbage collector does not trace the commitments' past.
type point struct {
	at        int64 // Unix ms: the latest time of this version and every one before it
	own       int64 // Unix ms: this version's own time
	completed int64 // commitments: completedAt in Unix ms, 0 for none
	version   int32
	reports   int32 // commitments: the report count
	base      int32 // index in timeline.bases
	progress  int16 // commitments
	status    uint8 // commitments: index in AllCommitmentStatuses
	patched   bool  // commitments: the version changed indicators, which its base does not hold
}

// timeline is an entity's versions, oldest first.
type timeline struct {
	points []point
	bases  []entity // states: of each version, or for commitments of each version a heavy change made
}

// asOfIndex holds the timelines of every kind but tokens and webhooks,
// whose states hold more than their history shows.
type asOfIndex struct {
	built bool                   // false after a restore, until the first view reads the histories
	lines []map[string]*timeline // by kind, then id; nil for kinds not kept
	// commitments holds the commitments' timelines (those of lines) by
	// their rows in the commitment index, for a series over the rows a
	// filter selects without a look-up by id for each.
	commitments []*timeline
	series      seriesGroups // the commitments' months, summed by group (series_groups.go)
	views       *viewCache
}

// viewCache keeps the views used last, the most recent last: a dashboard and its
// drill-downs ask for the same instant again and again.
type viewCache struct {
	mu    sync.Mutex
	views []cachedView
}

type cachedView struct {
	seq, at int64
	view    *ReadModel
}

// viewsKept is how many views the cache keeps: one query may ask for
// several instants, and a cache smaller than that rebuilds a view on
// every request.
const viewsKept = 4

func newAsOfIndex() asOfIndex {
	return asOfIndex{built: true, lines: newLines(), views: &viewCache{}}
}

// newLines returns empty timelines for each kind kept.
func newLines() []map[string]*timeline {
	lines := make([]map[string]*timeline, len(kinds))
	for _, k := range kinds {
		if keptInTime(k) {
			lines[k.n] = map[string]*timeline{}
		}
	}
	return lines
}

func keptInTime(k *kind) bool { return k.Type != TypeToken && k.Type != TypeWebhook }

// recordAsOf adds the version an event made; call it under m.mu after
// the state is put.
func (m *ReadModel) recordAsOf(e *Event) {
	x := &m.asOf
	k := e.State.k
	if !x.built || k == nil || x.lines[k.n] == nil {
		return
	}
	tl := x.lines[k.n][e.EntityID]
	if tl == nil {
		tl = &timeline{}
		x.lines[k.n][e.EntityID] = tl
		if k == Commitments.kind {
			if i, ok := m.rowOfID(e.EntityID); ok {
				x.commitments = setAt(x.commitments, i, tl)
			}
		}
	}
	tl.add(e.State.e, e.Version, e.At, e.Changes)
	if k == Commitments.kind {
		if i, ok := m.rowOfID(e.EntityID); ok {
			m.reshareSeries(i)
		}
	}
}

// setAt sets list[i], growing the list as needed.
func setAt[T any](list []T, i int, v T) []T {
	if grow := i + 1 - len(list); grow > 0 {
		list = append(list, make([]T, grow)...)
	}
	list[i] = v
	return list
}

// add appends a version: st its state (for a commitment, the state of a
// light version is not kept).
func (tl *timeline) add(st entity, version int, at time.Time, changes []FieldChange) {
	p := point{own: at.UnixMilli(), version: int32(version)}
	p.at = p.own
	if n := len(tl.points); n > 0 {
		p.at = max(p.at, tl.points[n-1].at)
	}
	c, isCommitment := st.(*Commitment)
	if isCommitment {
		p.progress, p.reports = int16(c.Progress), int32(c.ReportCount)
		p.status = uint8(max(0, slices.Index(AllCommitmentStatuses, c.Status)))
		if c.CompletedAt != nil {
			p.completed = c.CompletedAt.UnixMilli()
		}
	}
	heavy := !isCommitment || len(tl.bases) == 0
	for _, f := range changes {
		if !light[f.Field] {
			heavy = true
		}
		p.patched = p.patched || f.Field == "indicators"
	}
	if heavy {
		tl.bases = append(tl.bases, st)
		p.patched = false
	}
	p.base = int32(len(tl.bases) - 1)
	tl.points = append(tl.points, p)
}

// at returns the index of the version that stood at ms, or -1.
func (tl *timeline) at(ms int64) int {
	lo, hi := 0, len(tl.points) // the first point after ms is in [lo, hi]
	if hi > 0 && tl.points[hi-1].at <= ms {
		return hi - 1
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tl.points[mid].at > ms {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo - 1
}

// build makes every timeline from the histories, after a restore (which
// loads the latest states only); call it under m.mu's write lock.
func (m *ReadModel) buildAsOf() error {
	lines := newLines()
	held := &arena{} // the past states, out of the collector's scan like the current ones; never emptied, as they never change
	for _, k := range kinds {
		if lines[k.n] == nil {
			continue
		}
		ids := map[string]entity{}
		m.tables[k.n].each(func(e entity) { ids[e.meta().ID] = e })
		for _, st := range m.tombstones {
			if st.k == k {
				ids[st.e.meta().ID] = st.e
			}
		}
		for id, cur := range ids {
			changes, err := m.tables[k.n].history(id).Changes()
			if err != nil {
				return fmt.Errorf("history of %s %s: %w", k.Type, id, err)
			}
			var tl *timeline
			if c, ok := cur.(*Commitment); ok {
				tl, err = commitmentTimeline(c, changes)
			} else {
				tl, err = timelineOf(cur, changes)
			}
			if err != nil {
				return fmt.Errorf("%s %s: %w", k.Type, id, err)
			}
			for i, b := range tl.bases {
				if b != nil && b != cur && k.layout != nil {
					tl.bases[i] = held.hold(k, b)
				}
			}
			lines[k.n][id] = tl
		}
	}
	rows := m.commitmentIndex.rows
	byRow := make([]*timeline, len(rows))
	for i := range rows {
		byRow[i] = lines[Commitments.n][rows[i].c.ID]
	}
	m.asOf.lines, m.asOf.commitments, m.asOf.built = lines, byRow, true
	m.reshareAllSeries()
	return nil
}

// timelineOf rebuilds an entity's timeline from its current state and its
// history: the states of the versions before are undone from the ones
// after, one change at a time.
func timelineOf(cur entity, changes []Change) (*timeline, error) {
	states := make([]entity, len(changes))
	next := cur
	for i := len(changes) - 1; i >= 0; i-- {
		if i == len(changes)-1 {
			states[i] = cur
			continue
		}
		prev, err := before(next, changes[i+1], changes[i])
		if err != nil {
			return nil, err
		}
		states[i], next = prev, prev
	}
	tl := &timeline{}
	for i, ch := range changes {
		tl.add(states[i], ch.Version, ch.At, ch.Fields)
	}
	return tl, nil
}

// commitmentTimeline is timelineOf for a commitment, which keeps states
// only of its heavy versions (see timeline.add): walking back from the
// current state, the figures a report changes are undone as numbers, and a
// state is undone (by reflection) only where a change touched anything
// else.
func commitmentTimeline(cur *Commitment, changes []Change) (*timeline, error) {
	n := len(changes)
	pts := make([]point, n)
	bases := make([]entity, n) // the states of the heavy versions, by index
	state := cur               // all but its figures are those of version i
	progress, status, reports, completed := cur.Progress, cur.Status, cur.ReportCount, cur.CompletedAt
	for i := n - 1; i >= 0; i-- {
		ch := changes[i]
		p := point{own: ch.At.UnixMilli(), version: int32(ch.Version), reports: int32(reports), progress: int16(progress),
			status: uint8(max(0, slices.Index(AllCommitmentStatuses, status)))}
		if completed != nil {
			p.completed = completed.UnixMilli()
		}
		heavy := i == 0
		var rest []FieldChange // the changed fields that are not figures
		for _, f := range ch.Fields {
			heavy = heavy || !light[f.Field]
			p.patched = p.patched || f.Field == "indicators"
			if f.Field != "progress" && f.Field != "status" && f.Field != "completedAt" {
				rest = append(rest, f)
			}
		}
		if heavy {
			b := *state
			b.Version, b.UpdatedAt, b.Progress, b.Status, b.ReportCount, b.CompletedAt = ch.Version, ch.At, progress, status, reports, completed
			bases[i], p.patched = &b, false
		}
		pts[i] = p
		if i == 0 {
			break
		}
		if len(rest) > 0 {
			prev := *state
			if err := setFields(&prev, rest, true); err != nil {
				return nil, fmt.Errorf("version %d: %w", ch.Version, err)
			}
			state = &prev
		}
		var err error
		if progress, status, completed, err = figuresBefore(ch, progress, status, completed); err != nil {
			return nil, fmt.Errorf("version %d: %w", ch.Version, err)
		}
		if ch.Kind == KindProgressReported {
			reports--
		}
	}
	tl := &timeline{points: pts}
	for i := range pts {
		if pts[i].at = pts[i].own; i > 0 {
			pts[i].at = max(pts[i].at, pts[i-1].at)
		}
		if bases[i] != nil {
			tl.bases = append(tl.bases, bases[i])
		}
		pts[i].base = int32(len(tl.bases) - 1)
	}
	return tl, nil
}

// figuresBefore returns a commitment's figures before change c, given
// those after it.
func figuresBefore(c Change, progress int, status CommitmentStatus, completed *time.Time) (int, CommitmentStatus, *time.Time, error) {
	for _, f := range c.Fields {
		v := "null"
		if f.Before != nil {
			v = *f.Before
		}
		var err error
		switch f.Field {
		case "progress":
			progress = 0
			if v != "null" {
				progress, err = strconv.Atoi(v)
			}
		case "status":
			var s string
			if v != "null" {
				s, err = strconv.Unquote(v)
			}
			status = CommitmentStatus(s)
		case "completedAt":
			completed = nil
			if v != "null" {
				t := new(time.Time)
				err, completed = t.UnmarshalJSON([]byte(v)), t
			}
		}
		if err != nil {
			return 0, "", nil, fmt.Errorf("field %s: %w", f.Field, err)
		}
	}
	return progress, status, completed, nil
}

// before returns the state before change c, given the state after it and
// the change before c.
func before(after entity, c, prev Change) (entity, error) {
	out := reflect.New(reflect.TypeOf(after).Elem())
	out.Elem().Set(reflect.ValueOf(after).Elem())
	e := out.Interface().(entity)
	if err := setFields(e, c.Fields, true); err != nil {
		return nil, fmt.Errorf("version %d: %w", c.Version, err)
	}
	m := e.meta()
	m.Version, m.UpdatedAt, m.Deleted = prev.Version, prev.At, false
	return e, nil
}

// ensureAsOf builds the timelines if a restore left them unbuilt.
func (m *ReadModel) ensureAsOf() error {
	m.mu.RLock()
	built := m.asOf.built
	m.mu.RUnlock()
	if built {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.asOf.built {
		return nil
	}
	return m.buildAsOf()
}

// At returns the read model as the hub stood at t: every entity at its
// version of then (see the top of this file), the read policy as it is
// now. The view answers every query the model does; nothing is applied
// to it.
func (m *ReadModel) At(t time.Time) (*ReadModel, error) {
	if err := m.ensureAsOf(); err != nil {
		return nil, err
	}
	ms := t.UnixMilli()
	m.mu.RLock()
	defer m.mu.RUnlock()
	x := m.asOf.views
	x.mu.Lock()
	for i, c := range x.views {
		if c.seq == m.seq && c.at == ms {
			// The newest used goes last, so the least recently used goes first.
			x.views = append(slices.Delete(x.views, i, i+1), c)
			x.mu.Unlock()
			return c.view, nil
		}
	}
	x.mu.Unlock()
	v, err := m.view(ms)
	if err != nil {
		return nil, err
	}
	x.mu.Lock()
	x.views = append(slices.DeleteFunc(x.views, func(c cachedView) bool { return c.seq != m.seq }), cachedView{seq: m.seq, at: ms, view: v})
	if len(x.views) > viewsKept {
		x.views = x.views[len(x.views)-viewsKept:]
	}
	x.mu.Unlock()
	return v, nil
}

// view builds the model at ms; call it under m.mu.
func (m *ReadModel) view(ms int64) (*ReadModel, error) {
	v := NewReadModel()
	v.seq, v.asOfTime, v.source = m.seq, time.UnixMilli(ms).UTC(), m
	v.asOf.built = false // a view keeps no timelines: it is never asked for one
	v.policy = &ReadModel{tables: make([]*table, len(kinds))}
	for _, k := range kinds {
		v.policy.tables[k.n] = &table{}
		if k.ruled {
			t := m.tables[k.n]
			v.policy.tables[k.n] = &table{num: t.num.clone(), byNum: slices.Clone(t.byNum), live: t.live}
		}
	}
	for _, k := range kinds {
		if n := len(m.asOf.lines[k.n]); n > 0 {
			v.tables[k.n].num = newRowNumbers(n)
		}
	}
	if n := len(m.asOf.lines[Commitments.n]); n > 0 {
		v.commitmentIndex.rows = make([]commitmentRow, 0, n)
		v.commitmentIndex.rowOf = make([]int32, 0, n)
	}
	objective := func(id string) *Objective { return Objectives.get(v, id) }
	for _, k := range kinds { // in registry order: what a kind refers to is put before it
		if k == Commitments.kind {
			if err := m.viewCommitments(v, ms, objective); err != nil {
				return nil, err
			}
			continue
		}
		for id, tl := range m.asOf.lines[k.n] {
			i := tl.at(ms)
			if i < 0 {
				continue
			}
			e, err := m.stateAt(tl, i, m.tables[k.n].get(id), objective)
			if err != nil {
				return nil, err
			}
			if e != nil && !e.meta().Deleted {
				v.put(State{k: k, e: e})
			}
		}
	}
	for _, k := range kinds {
		t := v.tables[k.n]
		t.lazy = map[string]*lazyIndex{}
		for i, name := range k.indexes {
			t.lazy[name] = &lazyIndex{build: func() links {
				ix := links{}
				var keys []string
				for n, e := range t.byNum { // ascending: each add appends
					if e == nil {
						continue
					}
					keys = k.keys(e, i, keys[:0])
					for _, key := range keys {
						ix.add(key, int32(n))
					}
				}
				return ix
			}}
		}
	}
	return v, nil
}

// viewCommitments puts the commitments of the view at ms, walking the
// model's commitment rows (commitments are never deleted); call it under
// m.mu.
func (m *ReadModel) viewCommitments(v *ReadModel, ms int64, objective func(id string) *Objective) error {
	lines := m.asOf.lines[Commitments.n]
	ix := &m.commitmentIndex
	for i := range ix.rows {
		live := &ix.rows[i]
		tl := lines[live.c.ID]
		if tl == nil {
			continue
		}
		j := tl.at(ms)
		if j < 0 {
			continue
		}
		e, err := m.stateAt(tl, j, live.c, objective)
		if err != nil {
			return err
		}
		v.putPastCommitment(e.(*Commitment), live)
	}
	return nil
}

// putPastCommitment is put and putCommitment for a view, which puts each
// commitment once: its search text is the live row's while it reads the
// same (most commitments' titles never change).
func (m *ReadModel) putPastCommitment(c *Commitment, live *commitmentRow) {
	n := m.tables[Commitments.n].set(c.ID, c)
	ix := &m.commitmentIndex
	ix.setRow(n, len(ix.rows))
	ix.rows = append(ix.rows, commitmentRow{c: c})
	r := &ix.rows[len(ix.rows)-1]
	if live != nil && live.c.Title == c.Title && live.c.Description == c.Description {
		r.refKey, r.lowerTitle, r.lowerID, r.lowerDesc = live.refKey, live.lowerTitle, live.lowerID, live.lowerDesc
	} else {
		r.refKey, r.lowerTitle, r.lowerID, r.lowerDesc = naturalKey(c.ID), strings.ToLower(c.Title), strings.ToLower(c.ID), strings.ToLower(c.Description)
	}
	m.fillSectors(r)
	ix.all.add(r, 1)
}

// lazyIndex is an index of a view, built when first read: most queries
// read one or none of them.
type lazyIndex struct {
	once  sync.Once
	build func() links
	ix    links
}

func (l *lazyIndex) get() links {
	l.once.Do(func() { l.ix = l.build() })
	return l.ix
}

// viewList is commitmentList on a view, which keeps no sorted orders
// (sorting each at every instant asked would cost more than the query):
// the commitments f selects, sorted. Call it under m.mu.
func (m *ReadModel) viewList(f CommitmentFilter, o CommitmentOrder, today Date) (merged, func(*commitmentRow) bool, []int, []int, bool) {
	var rows []*commitmentRow
	m.eachMatchingCommitment(f, today, func(r *commitmentRow) { rows = append(rows, r) })
	slices.SortFunc(rows, o.compare)
	all := func(*commitmentRow) bool { return true }
	return merged{lists: []ordered{{n: len(rows), at: func(j int) *commitmentRow { return rows[j] }}}, cmp: o.compare}, all, []int{0}, []int{len(rows)}, true
}

// stateAt returns version i of an entity's timeline, given its current
// state (nil for none), looking up the objectives of the same instant;
// call it under m.mu.
func (m *ReadModel) stateAt(tl *timeline, i int, cur entity, objective func(id string) *Objective) (entity, error) {
	p := tl.points[i]
	var base entity
	if i == len(tl.points)-1 && cur != nil && cur.meta().Version == int(p.version) {
		base = cur // the current state
	} else {
		base = tl.bases[p.base]
	}
	c, ok := base.(*Commitment)
	if !ok {
		return base, nil
	}
	if c.Version != int(p.version) {
		cp := *c
		cp.Version, cp.ReportCount, cp.Progress = int(p.version), int(p.reports), int(p.progress)
		cp.Status, cp.UpdatedAt, cp.CompletedAt = AllCommitmentStatuses[p.status], time.UnixMilli(p.own).UTC(), nil
		if p.completed != 0 {
			done := time.UnixMilli(p.completed).UTC()
			cp.CompletedAt = &done
		}
		if err := m.patch(&cp, tl, i); err != nil {
			return nil, err
		}
		c = &cp
	}
	// A commitment's pillar is its objective's, which may have moved since.
	if o := objective(c.ObjectiveID); o != nil && o.PillarID != c.PillarID {
		cp := *c
		cp.PillarID = o.PillarID
		c = &cp
	}
	return c, nil
}

// patch sets the indicators of c (version i of its timeline, made from its
// base) from the history, when a version since the base changed them.
func (m *ReadModel) patch(c *Commitment, tl *timeline, i int) error {
	from := tl.points[i].base
	need := false
	for j := i; j >= 0 && tl.points[j].base == from && !need; j-- {
		need = tl.points[j].patched
	}
	if !need {
		return nil
	}
	baseVersion := tl.bases[from].meta().Version
	var err error
	herr := m.tables[Commitments.n].history(c.ID).each(func(ch Change) bool {
		if ch.Version > c.Version {
			return false
		}
		for _, f := range ch.Fields {
			if f.Field == "indicators" && ch.Version > baseVersion && err == nil {
				err = setFields(c, []FieldChange{f}, false)
			}
		}
		return err == nil
	})
	if err == nil {
		err = herr
	}
	return err
}

// At returns the entity with this id as it stood at t, or nil when it did
// not exist then (or is of a kind not kept in time). The read policy is
// the caller's to apply, to the entity as it is now.
func (k *Kind[T]) At(m *ReadModel, id string, t time.Time) (*T, error) {
	if err := m.ensureAsOf(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, err := m.entityAt(k.kind, id, t.UnixMilli())
	if e == nil || err != nil {
		return nil, err
	}
	return any(e).(*T), nil
}

// entityAt is Kind.At under m.mu.
func (m *ReadModel) entityAt(k *kind, id string, ms int64) (entity, error) {
	if m.asOf.lines[k.n] == nil {
		return nil, nil
	}
	tl := m.asOf.lines[k.n][id]
	if tl == nil {
		return nil, nil
	}
	i := tl.at(ms)
	if i < 0 {
		return nil, nil
	}
	e, err := m.stateAt(tl, i, m.tables[k.n].get(id), func(id string) *Objective {
		o, _ := m.entityAt(Objectives.kind, id, ms)
		v, _ := o.(*Objective)
		return v
	})
	if err != nil || e.meta().Deleted {
		return nil, err
	}
	return e, nil
}

// historyThen is a view's History: the entity's changes up to its
// version then.
func (m *ReadModel) historyThen(t EntityType, id string) ([]Change, error) {
	m.mu.RLock()
	e := m.current(t, id)
	m.mu.RUnlock()
	if e == nil {
		return nil, nil
	}
	all, err := m.source.History(t, id)
	out := all[:0]
	for _, c := range all {
		if c.Version <= e.meta().Version {
			out = append(out, c)
		}
	}
	return out, err
}

// AsOf is when a view stands, or the zero time for the live model.
func (m *ReadModel) AsOf() time.Time { return m.asOfTime }

// EntityAt is Kind.At for any kind: the entity of type t with this id as it
// stood at at, or nil.
func (m *ReadModel) EntityAt(t EntityType, id string, at time.Time) (any, error) {
	k := kindsByType[t]
	if k == nil {
		return nil, nil
	}
	if err := m.ensureAsOf(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, err := m.entityAt(k, id, at.UnixMilli())
	if e == nil || err != nil {
		return nil, err
	}
	return e, nil
}

package hub

import (
	"slices"
	"strings"
	"sync"
)

// A stakeholder's commitments keep cells of their own (commitment_cells.go),
// built when a roll-up under that one stakeholder is first asked and kept
// as rows change, so that commitmentStats for one stakeholder (with any of
// the dimensions the cells answer) visits cells, not the stakeholder's
// commitments.

// stakeholderCells are the kept cells by stakeholder id; readers add to
// them under the read lock (mu), writers change them under the write lock.
type stakeholderCells struct {
	mu sync.Mutex
	by sync.Map // stakeholder id → *cells
}

// participantsOf calls yield once with each stakeholder taking part in r.
func participantsOf(r *commitmentRow, yield func(id string)) {
	ps := r.c.Participants
	for i, p := range ps {
		if !slices.ContainsFunc(ps[:i], func(q Participant) bool { return q.StakeholderID == p.StakeholderID }) {
			yield(p.StakeholderID)
		}
	}
}

// recountStakeholders counts r in (sign 1) or out (sign -1) of the kept
// cells of the stakeholders taking part in it; call it under m.mu's write
// lock.
func (ix *commitmentIndex) recountStakeholders(r *commitmentRow, sign int) {
	participantsOf(r, func(id string) {
		if k, ok := ix.byStakeholder.by.Load(id); ok {
			k.(*cells).add(r, sign)
		}
	})
}

// stakeholderCellsOf returns the cells of id's commitments, building them
// if not kept; call it under m.mu.
func (m *ReadModel) stakeholderCellsOf(id string) *cells {
	sc := &m.commitmentIndex.byStakeholder
	if k, ok := sc.by.Load(id); ok {
		return k.(*cells)
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if k, ok := sc.by.Load(id); ok {
		return k.(*cells)
	}
	ix := &m.commitmentIndex
	k := newCoarseCells() // the filter's sectors are the stakeholder's own
	for _, n := range m.tables[Commitments.n].listed("stakeholder", id) {
		if i, ok := ix.row(n); ok {
			k.add(&ix.rows[i], 1)
		}
	}
	sc.by.Store(id, k)
	return k
}

// stakeholderCellFilter returns the kept cells of the one stakeholder f
// names (when the cells answer f's other dimensions) and the part of f
// they read; false otherwise. Call it under m.mu.
func (m *ReadModel) stakeholderCellFilter(f CommitmentFilter, today Date) (*cells, cellFilter, bool) {
	if len(f.StakeholderIDs) == 0 || strings.TrimSpace(f.Search) != "" {
		return nil, cellFilter{}, false
	}
	id := f.StakeholderIDs[0]
	if slices.ContainsFunc(f.StakeholderIDs, func(s string) bool { return s != id }) {
		return nil, cellFilter{}, false
	}
	rest := f
	rest.StakeholderIDs, rest.Sectors = nil, nil
	cf, ok := m.cellFilterOf(rest, today)
	if !ok {
		return nil, cellFilter{}, false
	}
	// The filter selects the commitments the stakeholder takes part in
	// while it is known and in one of the sectors (commitmentMatcher).
	// An id no stakeholder has keeps no cells: a client could name any
	// number of them.
	s := Stakeholders.get(m, id)
	if s == nil {
		cf.none = true
		return newCoarseCells(), cf, true
	}
	if !among(f.Sectors, s.Sector) {
		cf.none = true
	}
	k := m.stakeholderCellsOf(id)
	if k.odd != 0 {
		return nil, cellFilter{}, false
	}
	return k, cf, true
}

package hub

import (
	"slices"
	"strings"
	"sync"
)

// A filtered commitmentStats sums what it selects (kept cells, else the
// matching rows) into bars kept by index, status, lead sector and pillar,
// in scratch space reused across requests, and lays the bars out straight
// into the answer, one allocation with its breakdowns inline: a roll-up of
// maps and a tally of bars per request were most of what it allocated,
// and the collector's work is what sets the reads' latency tails.

// statParts are the bars of a filtered commitmentStats.
type statParts struct {
	total    part
	byStatus [8]part // by AllCommitmentStatuses index (a cell's status bit)
	byLead   [4]part // by AllSectors index, as rollup.bySector
	byPillar []part  // by the index of the summed cells' pillars
	pillarOK []int8  // cells.each's scratch space
	missed   bool    // a row's pillar is not one of the cells'
}

var statPartsPool = sync.Pool{New: func() any { return new(statParts) }}

// newStatParts returns empty parts for summing k's cells or rows; free
// them when done.
func newStatParts(k *cells) *statParts {
	p := statPartsPool.Get().(*statParts)
	n := len(k.pillars)
	p.byPillar = slices.Grow(p.byPillar[:0], n)[:n]
	clear(p.byPillar)
	p.pillarOK = slices.Grow(p.pillarOK[:0], n)[:n]
	p.total, p.byStatus, p.byLead, p.missed = part{}, [8]part{}, [4]part{}, false
	return p
}

func (p *statParts) free() { statPartsPool.Put(p) }

// addCell counts a cell's selected commitments, their sums s of which
// late are overdue.
func (p *statParts) addCell(c *cell, s cellSum, late int64) {
	p.add(c.key.status, c.key.lead, c.pillar, s, late)
}

func (p *statParts) add(status, lead int8, pillar int32, s cellSum, late int64) {
	p.total.plus(s, late)
	p.byStatus[status].plus(s, late)
	if lead >= 0 {
		p.byLead[lead].plus(s, late)
	}
	p.byPillar[pillar].plus(s, late)
}

// addRow counts r, a row of k's; call it while k has no odd row.
func (p *statParts) addRow(k *cells, r *commitmentRow, today Date) {
	c := r.c
	pillar, ok := k.pillarOf[c.PillarID]
	if !ok {
		p.missed = true
		return
	}
	s := cellSum{count: 1, progress: int64(c.Progress), verifiedProgress: int64(c.VerifiedProgress)}
	if c.Verification == Verified {
		s.verified = 1
	}
	var late int64
	if c.IsOverdue(today) {
		late = 1
	}
	p.add(int8(slices.Index(AllCommitmentStatuses, c.Status)), r.leadSector, pillar, s, late)
}

func accOf(s cellSum) acc {
	return acc{count: int(s.count), progress: int(s.progress), verified: int(s.verifiedProgress)}
}

// statsAnswer is a filtered commitmentStats with room for its
// breakdowns, allocated at once.
type statsAnswer struct {
	s        CommitmentStats
	byStatus [8]StatusCount
	bySector [4]SectorStats
	byPillar [8]PillarStats
}

// statsOfParts is Stats of the commitments f selects, summed in p from
// k's cells or rows; call it under m.mu. It equals statsOf of their
// roll-up.
func (m *ReadModel) statsOfParts(p *statParts, k *cells, f CommitmentFilter, today Date) *CommitmentStats {
	a := new(statsAnswer)
	s := &a.s
	*s = CommitmentStats{Total: int(p.total.s.count), AverageProgress: accOf(p.total.s).average(), VerifiedProgress: accOf(p.total.s).averageVerified(),
		Overdue: int(p.total.late), model: m, filter: f, today: today}
	n := len(AllCommitmentStatuses)
	s.ByStatus = a.byStatus[:n:n]
	for i, status := range AllCommitmentStatuses {
		b := p.byStatus[i]
		s.ByStatus[i] = StatusCount{Status: status, Count: int(b.s.count), Overdue: int(b.late), Verified: int(b.s.verified)}
		s.Verified += int(b.s.verified)
	}
	n = len(AllSectors)
	s.BySector = a.bySector[:n:n]
	for i, sector := range AllSectors {
		b := p.byLead[i]
		s.BySector[i] = SectorStats{Sector: sector, Count: int(b.s.count), AverageProgress: accOf(b.s).average(), VerifiedProgress: accOf(b.s).averageVerified(),
			Overdue: int(b.late), Verified: int(b.s.verified)}
	}
	pillars := m.statsPillars()
	n = len(pillars)
	if len(f.PlanIDs) > 0 {
		n = 0
		for _, pl := range pillars {
			if among(f.PlanIDs, pl.PlanID) {
				n++
			}
		}
	}
	switch {
	case n > len(a.byPillar):
		s.ByPillar = make([]PillarStats, 0, n)
	case n > 0:
		s.ByPillar = a.byPillar[:0:n]
	}
	for _, pl := range pillars {
		if !among(f.PlanIDs, pl.PlanID) {
			continue
		}
		var b part
		if i, ok := k.pillarOf[pl.ID]; ok {
			b = p.byPillar[i]
		}
		s.ByPillar = append(s.ByPillar, PillarStats{Pillar: pl, Count: int(b.s.count), AverageProgress: accOf(b.s).average(), VerifiedProgress: accOf(b.s).averageVerified(),
			Overdue: int(b.late), Verified: int(b.s.verified)})
	}
	return s
}

// statsCells returns the kept cells that answer f and the part of f they
// read: the cells of every commitment, of f's search or of f's one
// stakeholder; false when none can. Call it under m.mu.
func (m *ReadModel) statsCells(f CommitmentFilter, today Date) (*cells, cellFilter, bool) {
	if cf, ok := m.cellFilterOf(f, today); ok {
		return m.commitmentIndex.all.cells, cf, true
	}
	if k, cf, ok := m.searchCellFilter(f, today); ok {
		return k, cf, true
	}
	return m.stakeholderCellFilter(f, today)
}

// searchCellFilter returns the cells of f's kept search when they answer
// f's other dimensions; false otherwise, and at the search's first
// roll-up, which costs its rows either way (building cells costs several
// times summing rows: a search asked once does not pay it). Call it under
// m.mu.
func (m *ReadModel) searchCellFilter(f CommitmentFilter, today Date) (*cells, cellFilter, bool) {
	needle := strings.ToLower(strings.TrimSpace(f.Search))
	if needle == "" {
		return nil, cellFilter{}, false
	}
	rest := f
	rest.Search = ""
	cf, ok := m.cellFilterOf(rest, today)
	if !ok {
		return nil, cellFilter{}, false
	}
	ix := &m.commitmentIndex
	s := ix.searchSet(needle)
	if s.cells.Load() == nil && s.rolled.Add(1) == 1 {
		return nil, cellFilter{}, false
	}
	if k := ix.searchCells(s); k.odd == 0 {
		return k, cf, true
	}
	return nil, cellFilter{}, false
}

// filteredStats is Stats of a filter that selects something; call it
// under m.mu.
func (m *ReadModel) filteredStats(f CommitmentFilter, today Date) *CommitmentStats {
	if k, cf, ok := m.statsCells(f, today); ok {
		k = k.answering(cf)
		p := newStatParts(k)
		defer p.free()
		cf.pillarOK = p.pillarOK
		k.each(cf, p.addCell)
		return m.statsOfParts(p, k, f, today)
	}
	if k := m.commitmentIndex.all.cells; k != nil && k.odd == 0 {
		p := newStatParts(k)
		defer p.free()
		m.eachMatchingCommitment(f, today, func(r *commitmentRow) { p.addRow(k, r, today) })
		if !p.missed {
			return m.statsOfParts(p, k, f, today)
		}
	}
	u, day := newRollup(), today        // day, not today, escapes
	u.tally = newTally(statsDims, &day) // the breakdowns' overdue and verified counts, in the same pass
	m.eachMatchingCommitment(f, today, func(r *commitmentRow) { u.add(r, 1) })
	s := m.statsOf(&u, f, today)
	return &s
}

package hub

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The kept cells count the commitments per combination of the filter's
// low-cardinality dimensions: status, the participants' sectors (a bit
// set), the lead's sector and the pillar. Each cell also keeps its rows'
// sums by due date, so that a due range, `overdue` (a range that ends
// today) and both are a difference of two prefix sums. A filter made only
// of these dimensions (and plans, through their pillars) is counted and
// rolled up by visiting the cells, whatever the number of commitments.
// A filter that names no sectors visits coarse cells, which leave the
// participants' sectors out (a fifth as many, kept beside the others once
// asked), and a cell keeps its sums and what is due before the day last
// asked, so that a filter without a due range reads no prefix sums.

// cellKey is one combination of the kept dimensions.
type cellKey struct {
	status  int8 // index in AllCommitmentStatuses
	sectors uint8
	lead    int8 // index in AllSectors, -1 when unknown
	pillar  string
}

// cellSum is what a set of commitments adds up to.
type cellSum struct {
	count, progress, verifiedProgress, verified int64
}

func (s *cellSum) plus(o cellSum, sign int64) {
	s.count += sign * o.count
	s.progress += sign * o.progress
	s.verifiedProgress += sign * o.verifiedProgress
	s.verified += sign * o.verified
}

// dueBucket is a cell's commitments due on one day (dayNumber): their
// count, progress, verified progress and how many are verified (int32s:
// a bucket is a small share of the commitments).
type dueBucket struct {
	day, count, progress, verifiedProgress, verified int32
}

// cell is one combination's commitments, by due day, ascending.
type cell struct {
	key     cellKey
	pillar  int32 // key.pillar's index in cells.pillars
	buckets []dueBucket
	total   cellSum // of every bucket
	// prefix[j] sums buckets[:j]; built by the first reader after a
	// change (readers share the read lock), nil while stale.
	prefix atomic.Pointer[[]cellSum]
	// before sums the buckets due before a day, the last one asked; nil
	// while stale, as prefix.
	before atomic.Pointer[daySum]
}

// daySum is what a cell's commitments due before day add up to.
type daySum struct {
	day int32
	s   cellSum
}

// cells are the kept cells; writers change them under the model's write
// lock.
type cells struct {
	of   map[cellKey]*cell
	list []*cell // in creation order; a cell is never removed
	// pillars are the cells' pillars, each once: a walk of the cells
	// sums and tests pillars by index.
	pillars  []string
	pillarOf map[string]int32
	// coarse cells leave the participants' sectors out of their keys
	// (each key's sectors is 0).
	coarse bool
	// odd counts rows whose due date is not a plain YYYY-MM-DD (or empty)
	// or whose status is not one of AllCommitmentStatuses: while there is
	// one, the cells do not answer.
	odd int
	// twin is the coarse cells of the same rows, built by the first
	// reader that asks (twinMu) and changed with these.
	twin   atomic.Pointer[cells]
	twinMu sync.Mutex
}

func newCells() *cells { return &cells{of: map[cellKey]*cell{}, pillarOf: map[string]int32{}} }

func newCoarseCells() *cells {
	k := newCells()
	k.coarse = true
	return k
}

// dayNumber is a due date as an integer that orders as the strings do
// (YYYYMMDD; 0 for no date), false for any other form.
func dayNumber(d Date) (int32, bool) {
	if d == "" {
		return 0, true
	}
	if len(d) != 10 || d[4] != '-' || d[7] != '-' {
		return 0, false
	}
	var n int32
	for i := range 10 {
		if i == 4 || i == 7 {
			continue
		}
		if d[i] < '0' || d[i] > '9' {
			return 0, false
		}
		n = n*10 + int32(d[i]-'0')
	}
	return n, true
}

func (r *commitmentRow) cellKey() cellKey {
	return cellKey{status: int8(slices.Index(AllCommitmentStatuses, r.c.Status)), sectors: r.sectors, lead: r.leadSector, pillar: r.c.PillarID}
}

// add counts r in (sign 1) or out (sign -1).
func (k *cells) add(r *commitmentRow, sign int) {
	day, ok := dayNumber(r.c.DueDate)
	if !ok || !slices.Contains(AllCommitmentStatuses, r.c.Status) {
		k.odd += sign
		if t := k.twin.Load(); t != nil {
			t.odd += sign
		}
		return
	}
	s := int32(sign)
	b := dueBucket{day: day, count: s, progress: s * int32(r.c.Progress), verifiedProgress: s * int32(r.c.VerifiedProgress)}
	if r.c.Verification == Verified {
		b.verified = s
	}
	key := r.cellKey()
	k.addBucket(key, b)
	if t := k.twin.Load(); t != nil {
		t.addBucket(key, b)
	}
}

// addBucket adds b's figures to the bucket of b's day in key's cell.
func (k *cells) addBucket(key cellKey, b dueBucket) {
	if k.coarse {
		key.sectors = 0
	}
	c := k.of[key]
	if c == nil {
		p, ok := k.pillarOf[key.pillar]
		if !ok {
			p = int32(len(k.pillars))
			k.pillars = append(k.pillars, key.pillar)
			k.pillarOf[key.pillar] = p
		}
		c = &cell{key: key, pillar: p}
		k.of[key] = c
		k.list = append(k.list, c)
	}
	j, found := slices.BinarySearchFunc(c.buckets, b.day, func(b dueBucket, d int32) int { return int(b.day - d) })
	if !found {
		c.buckets = slices.Insert(c.buckets, j, dueBucket{day: b.day})
	}
	to := &c.buckets[j]
	to.count += b.count
	to.progress += b.progress
	to.verifiedProgress += b.verifiedProgress
	to.verified += b.verified
	if to.count == 0 {
		c.buckets = slices.Delete(c.buckets, j, j+1)
	}
	c.total.plus(b.sum(), 1)
	c.prefix.Store(nil)
	c.before.Store(nil)
}

func (b dueBucket) sum() cellSum {
	return cellSum{int64(b.count), int64(b.progress), int64(b.verifiedProgress), int64(b.verified)}
}

// coarsened returns k's coarse twin (k itself if coarse), building it if
// not kept; call it under m.mu.
func (k *cells) coarsened() *cells {
	if k.coarse {
		return k
	}
	if t := k.twin.Load(); t != nil {
		return t
	}
	k.twinMu.Lock()
	defer k.twinMu.Unlock()
	if t := k.twin.Load(); t != nil {
		return t
	}
	t := newCoarseCells()
	t.odd = k.odd
	for _, c := range k.list {
		for _, b := range c.buckets {
			t.addBucket(c.key, b)
		}
	}
	k.twin.Store(t)
	return t
}

// sums returns the cell's prefix sums, building them if stale.
func (c *cell) sums() []cellSum {
	if p := c.prefix.Load(); p != nil {
		return *p
	}
	p := make([]cellSum, len(c.buckets)+1)
	for j, b := range c.buckets {
		p[j+1] = p[j]
		p[j+1].plus(b.sum(), 1)
	}
	c.prefix.Store(&p)
	return p
}

// dueBefore sums the cell's commitments due before day: from the prefix
// sums if built, else from the buckets (a walk no longer than building
// them, and most cells are never asked for a due range).
func (c *cell) dueBefore(day int32) cellSum {
	if d := c.before.Load(); d != nil && d.day == day {
		return d.s
	}
	var s cellSum
	if p := c.prefix.Load(); p != nil {
		s = (*p)[c.at(day)]
	} else {
		for _, b := range c.buckets[:c.at(day)] {
			s.plus(b.sum(), 1)
		}
	}
	c.before.Store(&daySum{day, s})
	return s
}

// at returns the index of the cell's first bucket due on day d or later.
func (c *cell) at(d int32) int {
	b := c.buckets
	if len(b) == 0 || d <= b[0].day {
		return 0
	}
	lo, hi := 1, len(b)
	if d > b[hi-1].day {
		return hi
	}
	for lo < hi { // b[lo-1].day < d <= b[hi].day
		mid := int(uint(lo+hi) >> 1)
		if b[mid].day < d {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// cellFilter is the part of a filter the cells answer.
type cellFilter struct {
	statuses uint8 // bits of AllCommitmentStatuses; 0: any
	sectors  uint8 // 0: any
	leads    uint8 // bits of AllSectors; 0: any
	// pillarIDs and planIDs select pillars (nil: any) through m's
	// pillars; pillarOK, when long enough, is each's scratch space for
	// the pillars' verdicts.
	pillarIDs, planIDs []string
	m                  *ReadModel
	pillarOK           []int8
	lo, hi             int32 // due days in [lo, hi)
	overdue            *bool
	today              int32
	none               bool // selects nothing (a value no commitment can hold)
}

// cellFilterOf returns f as the cells read it, false when f names a
// dimension they do not keep (or a date they cannot order); call it
// under m.mu.
func (m *ReadModel) cellFilterOf(f CommitmentFilter, today Date) (cellFilter, bool) {
	k := m.commitmentIndex.all.cells
	if k == nil || k.odd != 0 || len(f.StakeholderIDs)+len(f.ObjectiveIDs)+len(f.CommunityIDs) > 0 || strings.TrimSpace(f.Search) != "" {
		return cellFilter{}, false
	}
	cf := cellFilter{lo: -1, hi: 1 << 30, overdue: f.Overdue}
	var ok bool
	if cf.today, ok = dayNumber(today); !ok {
		return cellFilter{}, false
	}
	if f.DueAfter != nil {
		if cf.lo, ok = dayNumber(*f.DueAfter); !ok {
			return cellFilter{}, false
		}
	}
	if f.DueBefore != nil {
		d, ok := dayNumber(*f.DueBefore)
		if !ok {
			return cellFilter{}, false
		}
		cf.hi = d + 1
	}
	bits := func(n int, index func(int) int) (uint8, bool) {
		var b uint8
		for i := range n {
			if j := index(i); j >= 0 {
				b |= 1 << j
			}
		}
		return b, n == 0 || b != 0
	}
	var any bool
	if cf.statuses, any = bits(len(f.Statuses), func(i int) int { return slices.Index(AllCommitmentStatuses, f.Statuses[i]) }); !any {
		cf.none = true
	}
	if cf.sectors, any = bits(len(f.Sectors), func(i int) int { return sectorIndex(f.Sectors[i]) }); !any {
		cf.none = true
	}
	if cf.leads, any = bits(len(f.LeadSectors), func(i int) int { return sectorIndex(f.LeadSectors[i]) }); !any {
		cf.none = true
	}
	cf.pillarIDs, cf.planIDs, cf.m = f.PillarIDs, f.PlanIDs, m
	return cf, true
}

// selectsPillar reports whether cf selects the commitments of pillar id.
func (cf *cellFilter) selectsPillar(id string) bool {
	if !among(cf.pillarIDs, id) {
		return false
	}
	if len(cf.planIDs) > 0 {
		p := Pillars.get(cf.m, id)
		return p != nil && among(cf.planIDs, p.PlanID)
	}
	return true
}

// each calls yield with every cell cf selects and the sums of its
// commitments cf selects, with how many of those are overdue on cf.today.
func (k *cells) each(cf cellFilter, yield func(c *cell, s cellSum, overdue int64)) {
	if cf.none {
		return
	}
	var pillarOK []int8 // by pillar index: 0 not yet asked, 1 selected, -1 not
	if len(cf.pillarIDs) > 0 || len(cf.planIDs) > 0 {
		if pillarOK = cf.pillarOK; len(pillarOK) >= len(k.pillars) {
			pillarOK = pillarOK[:len(k.pillars)]
			clear(pillarOK)
		} else {
			pillarOK = make([]int8, len(k.pillars))
		}
	}
	for _, c := range k.list {
		key := c.key
		if cf.statuses != 0 && cf.statuses&(1<<key.status) == 0 {
			continue
		}
		if cf.sectors != 0 && key.sectors&cf.sectors == 0 {
			continue
		}
		if cf.leads != 0 && (key.lead < 0 || cf.leads&(1<<key.lead) == 0) {
			continue
		}
		if len(c.buckets) == 0 {
			continue
		}
		if pillarOK != nil {
			if pillarOK[c.pillar] == 0 {
				pillarOK[c.pillar] = -1
				if cf.selectsPillar(key.pillar) {
					pillarOK[c.pillar] = 1
				}
			}
			if pillarOK[c.pillar] < 0 {
				continue
			}
		}
		open := isOpen(AllCommitmentStatuses[key.status])
		lo, hi := cf.lo, cf.hi
		if cf.overdue != nil && open {
			if *cf.overdue {
				hi = min(hi, cf.today)
			} else {
				lo = max(lo, cf.today)
			}
		} else if cf.overdue != nil && *cf.overdue {
			continue // a closed commitment is never overdue
		}
		if lo >= hi {
			continue
		}
		var s cellSum
		var late int64
		switch {
		case lo < 0 && hi == cf.hi && cf.hi == 1<<30: // no bound on the due day
			s = c.total
			if open {
				late = c.dueBefore(cf.today).count
			}
		case lo < 0 && hi == cf.today && cf.hi == 1<<30: // overdue
			s = c.dueBefore(cf.today)
			late = s.count
		default:
			from, to := c.at(lo), c.at(hi)
			if from >= to {
				continue
			}
			p := c.sums()
			s.plus(p[to], 1)
			s.plus(p[from], -1)
			switch {
			case !open || lo >= cf.today:
			case hi <= cf.today:
				late = s.count
			default:
				late = c.dueBefore(cf.today).count - p[from].count
			}
		}
		if s.count == 0 {
			continue
		}
		yield(c, s, late)
	}
}

// cellCount counts the commitments f selects from the cells; false when
// they cannot answer f. Call it under m.mu.
func (m *ReadModel) cellCount(f CommitmentFilter, today Date) (int, bool) {
	cf, ok := m.cellFilterOf(f, today)
	if !ok {
		return 0, false
	}
	n := int64(0)
	m.commitmentIndex.all.cells.answering(cf).each(cf, func(_ *cell, s cellSum, _ int64) { n += s.count })
	return int(n), true
}

// answering returns the cells of k's rows that answer cf in the fewest
// cells: the coarse ones when cf names no sectors. Call it under m.mu.
func (k *cells) answering(cf cellFilter) *cells {
	if cf.sectors == 0 {
		return k.coarsened()
	}
	return k
}

// part is what the cells of one bar add up to: their sums and how many
// of those are overdue.
type part struct {
	s    cellSum
	late int64
}

func (p *part) plus(s cellSum, late int64) {
	p.s.plus(s, 1)
	p.late += late
}

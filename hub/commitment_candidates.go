package hub

import (
	"slices"
	"sort"
	"strings"
)

// A filter's candidates are a superset of the commitments it selects, taken
// from the shortest list that holds them all: the keyed orders' lists of a
// dimension it names (the union of its keys' lists), the due-date order's
// range that its due dates or `overdue: true` bound, or the rows its search
// selects (commitment_text.go). Counting and rolling up a filter's matches
// then costs those rows, not every commitment.

// candidates lists rows: n of them (an upper bound when a row may be listed
// under several keys; each reports it once), by each.
type candidates struct {
	n    int
	each func(yield func(i int32))
	all  bool // every row: the filter names nothing that narrows
	// scattered: the list is in a kept order, not the rows' own, so each
	// row it yields is a cache miss where a walk of every row streams.
	scattered bool
}

// scatterCost is what reading a row out of a kept order costs, in rows
// read in their own order (BenchmarkStatsAtScale: a roll-up by a sector
// listing 60% of the rows took 6× a scan of every row when it followed
// the reference order).
const scatterCost = 4

func (c candidates) cost() int {
	if c.scattered {
		return scatterCost * c.n
	}
	return c.n
}

// commitmentCandidates returns f's shortest list of candidates; today
// bounds `overdue: true`. Call it under m.mu.
func (m *ReadModel) commitmentCandidates(f CommitmentFilter, today Date) candidates {
	ix := &m.commitmentIndex
	ix.ensureOrders()
	rows := len(ix.rows)
	best := candidates{n: rows, all: true, each: func(yield func(int32)) {
		for i := range rows {
			yield(int32(i))
		}
	}}
	consider := func(c candidates) {
		if c.cost() < best.cost() || (best.all && c.cost() == best.cost()) {
			best = c
		}
	}
	var planPillars []string // a plan's commitments are its pillars'
	if !slices.Contains(f.PlanIDs, "") {
		for _, id := range f.PlanIDs {
			for _, p := range Pillars.linked(m, "plan", id) {
				planPillars = append(planPillars, p.ID)
			}
		}
		if len(f.PlanIDs) > 0 && len(planPillars) == 0 {
			return candidates{each: func(func(int32)) {}}
		}
	}
	for _, d := range []struct {
		dim  string
		keys []string
	}{{"status", strs(f.Statuses)}, {"pillar", f.PillarIDs}, {"pillar", planPillars}, {"objective", f.ObjectiveIDs},
		{"stakeholder", f.StakeholderIDs}, {"community", f.CommunityIDs}, {"sector", strs(f.Sectors)}} {
		if c, ok := ix.keyedCandidates(d.dim, d.keys); ok {
			consider(c)
		}
	}
	if c, ok := ix.dueCandidates(f, today); ok {
		consider(c)
	}
	if c, ok := ix.searchCandidates(strings.ToLower(strings.TrimSpace(f.Search))); ok {
		consider(c)
	}
	return best
}

// keyedCandidates is the union of the lists of dim's keys, in reference
// order key by key; false when keys is empty or holds "" (a value no list
// is kept for).
func (ix *commitmentIndex) keyedCandidates(dim string, keys []string) (candidates, bool) {
	if len(keys) == 0 || slices.Contains(keys, "") {
		return candidates{}, false
	}
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	lists := make([][]int32, len(keys))
	n := 0
	for k, key := range keys {
		if l := ix.keyed[dim+"\x00"+key]; l != nil {
			lists[k] = l[0]
			n += len(l[0])
		}
	}
	return candidates{n: n, scattered: true, each: func(yield func(int32)) {
		for k, l := range lists {
			for _, i := range l {
				if k == 0 || !ix.rows[i].listedUnder(dim, keys[:k]) {
					yield(i)
				}
			}
		}
	}}, true
}

// listedUnder reports whether the row is listed under any of keys of dim
// (commitmentRow.keys).
func (r *commitmentRow) listedUnder(dim string, keys []string) bool {
	c := r.c
	switch dim {
	case "status":
		return slices.Contains(keys, string(c.Status))
	case "pillar":
		return slices.Contains(keys, c.PillarID)
	case "objective":
		return slices.Contains(keys, c.ObjectiveID)
	case "stakeholder":
		for _, p := range c.Participants {
			if slices.Contains(keys, p.StakeholderID) {
				return true
			}
		}
	case "community":
		return overlaps(keys, c.CommunityIDs)
	case "sector":
		for i, s := range AllSectors {
			if r.sectors&(1<<i) != 0 && slices.Contains(keys, string(s)) {
				return true
			}
		}
	}
	return false
}

// dueCandidates is the range of the due-date order that f's due dates and
// `overdue: true` bound; false when f names neither.
func (ix *commitmentIndex) dueCandidates(f CommitmentFilter, today Date) (candidates, bool) {
	overdue := f.Overdue != nil && *f.Overdue
	if f.DueAfter == nil && f.DueBefore == nil && !overdue {
		return candidates{}, false
	}
	ord := ix.orders[orderSlot(OrderByDueDate)]
	first := func(cond func(Date) bool) int {
		return sort.Search(len(ord), func(j int) bool { return cond(ix.rows[ord[j]].c.DueDate) })
	}
	lo, hi := 0, len(ord)
	if f.DueAfter != nil {
		lo = first(func(d Date) bool { return d >= *f.DueAfter })
	}
	if f.DueBefore != nil {
		hi = first(func(d Date) bool { return d > *f.DueBefore })
	}
	if overdue {
		hi = min(hi, first(func(d Date) bool { return d >= today }))
	}
	hi = max(hi, lo)
	return candidates{n: hi - lo, scattered: true, each: func(yield func(int32)) {
		for _, i := range ord[lo:hi] {
			yield(i)
		}
	}}, true
}

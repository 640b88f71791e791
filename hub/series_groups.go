package hub

import (
	"slices"
	"strings"
	"time"
)

// Series groups: the progress series of pillars, objectives, plans and
// sectors without a walk over their commitments' timelines. A series'
// periods are whole calendar months, so what a commitment adds to one is
// fixed by the months its versions stand from and its reports were made
// in: each commitment's months are summed into the group of commitments
// that share what such a filter reads of them (objective, pillar and the
// participants' sectors), and a series adds up the months of the groups
// the filter selects. Each commitment's share is kept beside the groups
// and taken out again before it is recomputed, whenever its row or its
// timeline changes.

// seriesKey is what a filter of objectives, pillars, plans and sectors
// reads of a commitment.
type seriesKey struct {
	objective, pillar string
	sectors           uint8
}

// monthSums is what some commitments add to the period holding a month.
type monthSums struct {
	month   int32 // year*12 + month-1, in UTC
	adds    int32 // commitments whose first version stands from the month
	deltas  int32 // changes of progress of the versions that stand from the month
	reports int32 // progress reports made in the month
}

// seriesShare is one commitment's months, arena[at:at+n] in a slot of
// size months, and the group they are summed in.
type seriesShare struct {
	group       int32 // 1 + the group's index; 0: in none
	at, n, size int32
}

// seriesGroups holds the groups' sums and every commitment's share, by
// its row in the commitment index. The shares' months are kept in one
// arena, not a slice each, so that the collector has one object to mark
// where it would have one a commitment.
type seriesGroups struct {
	index   map[seriesKey]int32
	keys    []seriesKey
	sums    [][]monthSums // by group, ascending months
	shares  []seriesShare // by commitment row
	arena   []monthSums
	wasted  int         // months of the arena in slots no share holds
	scratch []monthSums // where a share is computed before it is kept
}

func (g *seriesGroups) months(sh *seriesShare) []monthSums { return g.arena[sh.at : sh.at+sh.n] }

// keep puts months in sh's slot, or in a new one at the arena's end when
// they outgrow it (with room for a few more: a commitment's months grow
// with its reports); the arena is compacted once a quarter of it is
// wasted.
func (g *seriesGroups) keep(sh *seriesShare, months []monthSums) {
	n := int32(len(months))
	if n > sh.size {
		g.wasted += int(sh.size)
		sh.at, sh.size = int32(len(g.arena)), n+n/8+1
		g.arena = append(g.arena, make([]monthSums, sh.size)...)
	}
	sh.n = n
	copy(g.arena[sh.at:], months)
	if g.wasted > 1024 && 4*g.wasted > len(g.arena) {
		arena := make([]monthSums, 0, len(g.arena)-g.wasted)
		for i := range g.shares {
			s := &g.shares[i]
			from := s.at
			s.at = int32(len(arena))
			arena = append(arena, g.arena[from:from+s.size]...)
		}
		g.arena, g.wasted = arena, 0
	}
}

// monthOf returns the month holding the instant ms (Unix ms).
func monthOf(ms int64) int32 {
	t := time.UnixMilli(ms).UTC()
	return int32(t.Year()*12 + int(t.Month()) - 1)
}

// isMonthStart reports whether ms is the first instant of a month in UTC.
func isMonthStart(ms int64) bool {
	t := time.UnixMilli(ms).UTC()
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// addMonth adds s to the entry of its month in the ascending list.
func addMonth(list []monthSums, s monthSums, sign int32) []monthSums {
	i, found := slices.BinarySearchFunc(list, s.month, func(e monthSums, m int32) int { return int(e.month - m) })
	if !found {
		list = slices.Insert(list, i, monthSums{month: s.month})
	}
	e := &list[i]
	e.adds += sign * s.adds
	e.deltas += sign * s.deltas
	e.reports += sign * s.reports
	return list
}

// monthSums lists, ascending, what the commitment adds to each month, as
// timeline.series does to each period: one commitment and its progress
// where its first version stands from, each later version's change of
// progress where it stands from, and each report where it was made.
func (tl *timeline) monthSums(out []monthSums) []monthSums {
	out = out[:0]
	prev := -1
	for _, pt := range tl.points {
		s := monthSums{month: monthOf(pt.at), deltas: int32(int(pt.progress) - max(prev, 0))}
		if prev < 0 {
			s.adds = 1
		}
		prev = int(pt.progress)
		if n := len(out); n > 0 && out[n-1].month == s.month { // at never goes back
			out[n-1].adds += s.adds
			out[n-1].deltas += s.deltas
		} else {
			out = append(out, s)
		}
	}
	var reports int32
	for _, pt := range tl.points {
		if pt.reports <= reports {
			continue
		}
		reports = pt.reports
		out = addMonth(out, monthSums{month: monthOf(pt.own), reports: 1}, 1)
	}
	return out
}

// reshareSeries recomputes row i's share of the series groups after its
// row or its timeline changed; call it under m.mu's write lock.
func (m *ReadModel) reshareSeries(i int) {
	x := &m.asOf
	if !x.built || m.source != nil || i >= len(m.commitmentIndex.rows) {
		return
	}
	g := &x.series
	if grow := i + 1 - len(g.shares); grow > 0 {
		g.shares = append(g.shares, make([]seriesShare, grow)...)
	}
	sh := &g.shares[i]
	if sh.group > 0 {
		g.add(sh.group-1, g.months(sh), -1)
		sh.group = 0
	}
	var tl *timeline
	if i < len(x.commitments) {
		tl = x.commitments[i]
	}
	if tl == nil {
		sh.n = 0
		return
	}
	r := &m.commitmentIndex.rows[i]
	g.scratch = tl.monthSums(g.scratch)
	g.keep(sh, g.scratch)
	sh.group = g.groupOf(seriesKey{objective: r.c.ObjectiveID, pillar: r.c.PillarID, sectors: r.sectors}) + 1
	g.add(sh.group-1, g.months(sh), 1)
}

// reshareAllSeries recomputes every row's share, from no groups.
func (m *ReadModel) reshareAllSeries() {
	m.asOf.series = seriesGroups{}
	for i := range m.commitmentIndex.rows {
		m.reshareSeries(i)
	}
}

// groupOf returns the index of key's group, adding it if need be.
func (g *seriesGroups) groupOf(key seriesKey) int32 {
	if i, ok := g.index[key]; ok {
		return i
	}
	if g.index == nil {
		g.index = map[seriesKey]int32{}
	}
	i := int32(len(g.keys))
	g.index[key] = i
	g.keys = append(g.keys, key)
	g.sums = append(g.sums, nil)
	return i
}

func (g *seriesGroups) add(group int32, months []monthSums, sign int32) {
	for _, s := range months {
		g.sums[group] = addMonth(g.sums[group], s, sign)
	}
}

// groupsAnswer reports whether the groups answer f: it names nothing but
// objectives, pillars, plans and sectors.
func groupsAnswer(f CommitmentFilter) bool {
	return len(f.LeadSectors) == 0 && len(f.StakeholderIDs) == 0 && len(f.Statuses) == 0 && len(f.CommunityIDs) == 0 &&
		f.Overdue == nil && f.DueBefore == nil && f.DueAfter == nil && strings.TrimSpace(f.Search) == ""
}

// seriesFromGroups fills s with the months of the groups f selects (as
// commitmentMatcher selects rows); false, with s untouched, when the
// groups cannot answer f or s's periods are not whole months. Call it
// under m.mu.
func (m *ReadModel) seriesFromGroups(f CommitmentFilter, s *sums) bool {
	if !groupsAnswer(f) {
		return false
	}
	n := len(s.periods)
	from, to := make([]int32, n), make([]int32, n) // each period's first month and the month after its last
	for i, p := range s.periods {
		if !isMonthStart(p.from) || !isMonthStart(p.to) || (i > 0 && p.from != s.periods[i-1].to) {
			return false
		}
		from[i], to[i] = monthOf(p.from), monthOf(p.to)
	}
	var sectors uint8
	for _, sc := range f.Sectors {
		sectors |= sectorBit(sc)
	}
	g := &m.asOf.series
	for gi, key := range g.keys {
		if !among(f.ObjectiveIDs, key.objective) || !among(f.PillarIDs, key.pillar) ||
			(len(f.Sectors) > 0 && key.sectors&sectors == 0) {
			continue
		}
		if len(f.PlanIDs) > 0 {
			if p := Pillars.get(m, key.pillar); p == nil || !among(f.PlanIDs, p.PlanID) {
				continue
			}
		}
		i := 0 // the first period ending after the month: months ascend
		for _, e := range g.sums[gi] {
			for i < n && to[i] <= e.month {
				i++
			}
			if i == n {
				break
			}
			s.adds[i] += int(e.adds)
			s.deltas[i] += int(e.deltas)
			if from[i] <= e.month {
				s.out[i].Reports += int(e.reports)
			}
		}
	}
	return true
}

package hub

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The breakdowns of commitmentStats carry, beside each bar's count and
// average, how many of its commitments are overdue and how many verified
// (their latest progress report's standing verdict is VERIFIED); and
// commitmentStats breaks down by stakeholder too. The roll-up of every
// commitment keeps these as events apply (a tally), so that asking which
// stakeholder has the most overdue commitments reads one figure per
// stakeholder instead of every commitment; a filtered roll-up tallies, in
// the pass that counts it, only the dimensions asked for.

// barDim is a dimension of the breakdowns a tally keeps; each keys its
// bars by a plain ID or enum value, so that counting a row allocates
// nothing.
type barDim int

const (
	dimStatus barDim = iota
	dimLeadSector
	dimPillar
	dimAnyRole // every stakeholder taking part, in any role
	dimLead    // then one dimension per role, in allRoles' order
	barDims    = dimLead + barDim(len(allRoles))
)

// allRoles are the participant roles, each a dimension from dimLead on.
var allRoles = [...]ParticipantRole{RoleLead, RoleImplementing, RoleFunding, RoleSupporting}

// roleDim returns the dimension of stakeholders in role, or false.
func roleDim(role ParticipantRole) (barDim, bool) {
	for i, r := range allRoles {
		if r == role {
			return dimLead + barDim(i), true
		}
	}
	return 0, false
}

// dimSet is a set of dimensions, a bit each.
type dimSet uint16

const (
	statsDims dimSet = 1<<dimStatus | 1<<dimLeadSector | 1<<dimPillar // what fillBreakdowns reads
	allDims   dimSet = 1<<barDims - 1
)

// bar is one bar of a breakdown: its commitments' count, progress sum
// and how many are verified.
type bar struct{ count, progress, verified int }

// tally is the breakdowns of a set of commitments in the dimensions dims:
// each bar exactly, and how many of each bar's commitments are overdue as
// of one day (late). Writers change the kept tally under the model's
// write lock; its late is replaced, never changed, by readers, which share
// the read lock.
type tally struct {
	dims   dimSet
	bars   [barDims]map[string]*bar
	late   atomic.Pointer[lateBars]
	lateMu sync.Mutex
	keys   []barKey // add's scratch space
}

// lateBars counts, per dimension and key, the commitments overdue on day.
type lateBars struct {
	day Date
	n   [barDims]map[string]int
}

type barKey struct {
	dim barDim
	key string
}

// newTally returns an empty tally of dims; late, when not nil, is the day
// its overdue counts are as of from the start (a filtered roll-up's).
func newTally(dims dimSet, late *Date) *tally {
	t := &tally{dims: dims}
	for d := range t.bars {
		if dims&(1<<d) != 0 {
			t.bars[d] = map[string]*bar{}
		}
	}
	if late != nil {
		t.late.Store(newLateBars(*late))
	}
	return t
}

func newLateBars(day Date) *lateBars {
	l := &lateBars{day: day}
	for d := range l.n {
		l.n[d] = map[string]int{}
	}
	return l
}

// barKeys appends the bars of dims a row counts in.
func (r *commitmentRow) barKeys(dims dimSet, out []barKey) []barKey {
	c := r.c
	if dims&(1<<dimStatus) != 0 {
		out = append(out, barKey{dimStatus, string(c.Status)})
	}
	if dims&(1<<dimPillar) != 0 {
		out = append(out, barKey{dimPillar, c.PillarID})
	}
	if dims&(1<<dimLeadSector) != 0 && r.leadSector >= 0 {
		out = append(out, barKey{dimLeadSector, string(AllSectors[r.leadSector])})
	}
	if dims>>dimAnyRole == 0 {
		return out
	}
	for i, p := range c.Participants {
		before := c.Participants[:i] // the commands list a stakeholder once; a row counts it once whatever it holds
		if dims&(1<<dimAnyRole) != 0 && !slices.ContainsFunc(before, func(q Participant) bool { return q.StakeholderID == p.StakeholderID }) {
			out = append(out, barKey{dimAnyRole, p.StakeholderID})
		}
		if d, ok := roleDim(p.Role); ok && dims&(1<<d) != 0 && !slices.Contains(before, p) {
			out = append(out, barKey{d, p.StakeholderID})
		}
	}
	return out
}

// add counts r in (sign 1) or out (sign -1).
func (t *tally) add(r *commitmentRow, sign int) {
	t.keys = r.barKeys(t.dims, t.keys[:0])
	late := t.late.Load()
	overdue := late != nil && r.c.IsOverdue(late.day)
	verified := r.c.Verification == Verified
	for _, k := range t.keys {
		b := t.bars[k.dim][k.key]
		if b == nil {
			b = &bar{}
			t.bars[k.dim][k.key] = b
		}
		b.count += sign
		b.progress += sign * r.c.Progress
		if verified {
			b.verified += sign
		}
		if b.count == 0 {
			delete(t.bars[k.dim], k.key)
		}
		if overdue {
			if late.n[k.dim][k.key] += sign; late.n[k.dim][k.key] == 0 {
				delete(late.n[k.dim], k.key)
			}
		}
	}
}

// overdueOn returns the overdue counts of every bar as of today; rows
// yields each row the tally counts. Call it under m.mu (read or write):
// after the first call for a day, it costs nothing.
func (t *tally) overdueOn(today Date, rows func(yield func(*commitmentRow))) *lateBars {
	if l := t.late.Load(); l != nil && l.day == today {
		return l
	}
	t.lateMu.Lock()
	defer t.lateMu.Unlock()
	if l := t.late.Load(); l != nil && l.day == today {
		return l
	}
	l := newLateBars(today)
	var keys []barKey
	rows(func(r *commitmentRow) {
		if !r.c.IsOverdue(today) {
			return
		}
		keys = r.barKeys(t.dims, keys[:0])
		for _, k := range keys {
			l.n[k.dim][k.key]++
		}
	})
	t.late.Store(l)
	return l
}

// breakdowns returns the tally of dims of the commitments f selects, and
// their overdue counts as of today: the kept one without a filter, else
// one counted in a pass over the matches; call it under m.mu.
func (m *ReadModel) breakdowns(f CommitmentFilter, today Date, dims dimSet) (*tally, *lateBars) {
	ix := &m.commitmentIndex
	if f.isZero() && ix.all.tally != nil {
		all := func(yield func(*commitmentRow)) {
			for i := range ix.rows {
				yield(&ix.rows[i])
			}
		}
		return ix.all.tally, ix.all.tally.overdueOn(today, all)
	}
	t := newTally(dims, &today)
	m.eachMatchingCommitment(f, today, func(r *commitmentRow) { t.add(r, 1) })
	return t, t.late.Load()
}

// fillBreakdowns sets the overdue and verified counts of each bar in s
// from u, the roll-up of the commitments f selects (counted in its pass
// when it has a tally, else in a pass of its own); call it under m.mu.
func (m *ReadModel) fillBreakdowns(s *CommitmentStats, u *rollup, f CommitmentFilter, today Date) {
	t, late := u.tally, (*lateBars)(nil)
	if t == nil {
		t, late = m.breakdowns(f, today, statsDims)
	} else if late = t.late.Load(); late == nil || late.day != today {
		t, late = m.breakdowns(f, today, statsDims)
	}
	verified := func(d barDim, key string) int {
		if b := t.bars[d][key]; b != nil {
			return b.verified
		}
		return 0
	}
	s.Verified = 0
	for i := range s.ByStatus {
		b := &s.ByStatus[i]
		b.Overdue, b.Verified = late.n[dimStatus][string(b.Status)], verified(dimStatus, string(b.Status))
		s.Verified += b.Verified // every commitment has one status
	}
	for i := range s.BySector {
		b := &s.BySector[i]
		b.Overdue, b.Verified = late.n[dimLeadSector][string(b.Sector)], verified(dimLeadSector, string(b.Sector))
	}
	for i := range s.ByPillar {
		b := &s.ByPillar[i]
		b.Overdue, b.Verified = late.n[dimPillar][b.Pillar.ID], verified(dimPillar, b.Pillar.ID)
	}
}

// StakeholderStats are the figures of the commitments one stakeholder
// takes part in.
type StakeholderStats struct {
	Stakeholder     *Stakeholder
	Count           int
	AverageProgress float64
	Overdue         int
	Verified        int
}

// StakeholderStatsField is what a breakdown by stakeholder is ordered by.
type StakeholderStatsField string

// Orders of the breakdown by stakeholder.
const (
	StatsByCount    StakeholderStatsField = "COUNT"
	StatsByOverdue  StakeholderStatsField = "OVERDUE"
	StatsByVerified StakeholderStatsField = "VERIFIED"
	StatsByProgress StakeholderStatsField = "AVERAGE_PROGRESS"
	StatsByName     StakeholderStatsField = "NAME"
)

// StakeholderStatsOrder orders a breakdown by stakeholder.
type StakeholderStatsOrder struct {
	Field      StakeholderStatsField
	Descending bool
}

// Key returns the bar's sort key under this order: keys compare as
// strings in ascending order and are unique (they end with the
// stakeholder's name and id, the tie-break).
func (o StakeholderStatsOrder) Key(s *StakeholderStats) string {
	name := StakeholderKey(s.Stakeholder)
	switch o.Field {
	case StatsByCount:
		return fmt.Sprintf("%010d\x00%s", s.Count, name)
	case StatsByOverdue:
		return fmt.Sprintf("%010d\x00%s", s.Overdue, name)
	case StatsByVerified:
		return fmt.Sprintf("%010d\x00%s", s.Verified, name)
	case StatsByProgress:
		return fmt.Sprintf("%013.6f\x00%s", s.AverageProgress, name)
	}
	return name
}

// ByStakeholders is StakeholderBreakdown of the commitments s counts.
func (s *CommitmentStats) ByStakeholders(role ParticipantRole, o StakeholderStatsOrder) []*StakeholderStats {
	return s.model.StakeholderBreakdown(s.filter, role, o, s.today)
}

// StakeholderBreakdown returns the figures per stakeholder of the
// commitments f selects, counting each commitment under the stakeholder
// that has role in it (every stakeholder taking part when role is ""), in
// order o; stakeholders with no such commitment are left out. Without a
// filter it reads the kept tally: one bar per stakeholder, whatever the
// number of commitments.
func (m *ReadModel) StakeholderBreakdown(f CommitmentFilter, role ParticipantRole, o StakeholderStatsOrder, today Date) []*StakeholderStats {
	dim := dimAnyRole
	if role != "" {
		var ok bool
		if dim, ok = roleDim(role); !ok {
			return nil
		}
	}
	m.mu.RLock()
	t, late := m.breakdowns(f, today, 1<<dim)
	type keyed struct {
		key string
		s   *StakeholderStats
	}
	bars := make([]keyed, 0, len(t.bars[dim]))
	for id, b := range t.bars[dim] {
		s := Stakeholders.get(m, id)
		if s == nil { // not yet applied on this instance
			continue
		}
		st := &StakeholderStats{Stakeholder: s, Count: b.count, AverageProgress: acc{count: b.count, progress: b.progress}.average(),
			Overdue: late.n[dim][id], Verified: b.verified}
		bars = append(bars, keyed{o.Key(st), st})
	}
	m.mu.RUnlock()
	slices.SortFunc(bars, func(a, b keyed) int {
		if o.Descending {
			return strings.Compare(b.key, a.key)
		}
		return strings.Compare(a.key, b.key)
	})
	out := make([]*StakeholderStats, len(bars))
	for i, b := range bars {
		out[i] = b.s
	}
	return out
}

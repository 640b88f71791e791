package hub

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// The answer of commitmentStats without a filter is kept for the day it
// was asked until the next change: the roll-up of every commitment is
// kept as events apply, and what is left per request (laying it out by
// status, sector and pillar, with each bar's overdue and verified counts)
// is done once per change and day instead. Any entity put clears it. It
// holds nobody's private data: the read policy gives commitments no
// visibility rule, so every viewer's figures are the same
// (TestKeptStatsAreEveryones holds the policy to that).

// keptStats is the figures of every commitment as of a day.
type keptStats struct {
	today Date
	s     *CommitmentStats
}

// keptAnswers are the answers the model keeps between changes; readers
// set them under the read lock, writers clear them under the write lock.
type keptAnswers struct {
	stats atomic.Pointer[keptStats]
	// pillars are every pillar in the order of the figures' byPillar: by
	// plan, then by code in natural order.
	pillars atomic.Pointer[[]*Pillar]
	// outcomes are the outcomes' kept lists (outcome_order.go).
	outcomes keptOutcomes
}

// changed forgets what s, an entity about to be put, may change.
func (k *keptAnswers) changed(s State) {
	k.stats.Store(nil)
	if s.k == Pillars.kind {
		k.pillars.Store(nil)
	}
	k.outcomes.changed(s)
}

// SharedStats is Stats, shared with every other caller asking the same:
// the caller must not change it.
func (m *ReadModel) SharedStats(f CommitmentFilter, today Date) *CommitmentStats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !f.isZero() {
		return m.filteredStats(f, today)
	}
	kept := &m.commitmentIndex.kept
	if k := kept.stats.Load(); k != nil && k.today == today {
		return k.s
	}
	s := m.statsOf(&m.commitmentIndex.all, f, today)
	kept.stats.Store(&keptStats{today: today, s: &s})
	return &s
}

// statsPillars returns the pillars of the figures' byPillar, in order;
// call it under m.mu, and do not change the list.
func (m *ReadModel) statsPillars() []*Pillar {
	kept := &m.commitmentIndex.kept
	if p := kept.pillars.Load(); p != nil {
		return *p
	}
	type keyed struct {
		plan, code string
		p          *Pillar
	}
	all := Pillars.all(m)
	ks := make([]keyed, len(all))
	for i, p := range all {
		ks[i] = keyed{p.PlanID, naturalKey(p.Code), p}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(cmp.Compare(a.plan, b.plan), cmp.Compare(a.code, b.code), cmp.Compare(a.p.ID, b.p.ID))
	})
	for i, k := range ks {
		all[i] = k.p
	}
	kept.pillars.Store(&all)
	return all
}

package hub_test

import (
	"fmt"
	"testing"

	"convene/hub"
)

// BenchmarkStakeholderBreakdown is `commitmentStats.byStakeholder` (the
// most overdue lead) without a filter, read from the kept tally, and with
// a pillar's filter, counted in a pass over its commitments, at 1,000,
// 10,000 and 100,000 commitments (200 stakeholders).
func BenchmarkStakeholderBreakdown(b *testing.B) {
	o := hub.StakeholderStatsOrder{Field: hub.StatsByOverdue, Descending: true}
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, c := range []struct {
			name string
			f    hub.CommitmentFilter
		}{{"all", hub.CommitmentFilter{}}, {"pillar", hub.CommitmentFilter{PillarIDs: []string{"p2"}}}} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				m := scaledModel(b, n)
				b.ReportAllocs()
				for b.Loop() {
					if s := m.StakeholderBreakdown(c.f, hub.RoleLead, o, benchToday); len(s) == 0 {
						b.Fatal("no stakeholder")
					}
				}
			})
		}
	}
}

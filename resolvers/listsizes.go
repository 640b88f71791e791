package resolvers

import (
	"sync"
	"sync/atomic"

	"convene/graph"
	"convene/hub"
)

// ListSizes names the read model's list bounds by the schema's plain list
// fields ("Type.field"), for the gateway's query cost: a plain list costs
// its selection once per item it can return.
// TestEveryPlainListHasASize fails when a list field of objects is added
// to the schema and not here. While the bounds stay the same it returns
// the same map, which callers must not modify (the gateway keeps measured
// costs for as long as it gets the same map).
func ListSizes(m *hub.ReadModel) func() map[string]int {
	type named struct {
		bounds hub.ListSizes
		sizes  map[string]int
	}
	var last atomic.Pointer[named]
	return func() map[string]int {
		z := m.ListSizes()
		if n := last.Load(); n != nil && n.bounds == z {
			return n.sizes
		}
		sizes := map[string]int{
			"Query.strategicPlans":         z.Plans,
			"Query.communities":            z.Communities,
			"StrategicPlan.pillars":        z.PlanPillars,
			"Pillar.objectives":            z.PillarObjectives,
			"Stakeholder.children":         z.StakeholderChildren,
			"Stakeholder.contacts":         z.StakeholderContacts,
			"Commitment.participants":      z.CommitmentParticipants,
			"Commitment.targetCommunities": z.CommitmentCommunities,
			"Commitment.indicators":        z.CommitmentIndicators,
			"Indicator.periods":            z.IndicatorPeriods,
			"IndicatorPeriod.breakdown":    z.Breakdown,
			"PeriodActual.breakdown":       z.Breakdown,
			"ProgressReport.periodActuals": z.CommitmentPeriods,
			"Commitment.outcomes":          z.CommitmentOutcomes,
			"Meeting.participants":         z.MeetingParticipants,
			"Meeting.agenda":               z.MeetingAgenda,
			"Meeting.outcomes":             z.MeetingOutcomes,
			"MeetingOutcome.commitments":   z.OutcomeCommitments,
			"CommitmentStats.byStatus":     len(hub.AllCommitmentStatuses),
			"CommitmentStats.bySector":     len(hub.AllSectors),
			"CommitmentStats.byPillar":     z.Pillars,
			// A progress series has as many points as its interval
			// makes, at most hub.MaxSeriesPoints.
			"Commitment.progressSeries":      hub.MaxSeriesPoints,
			"Objective.progressSeries":       hub.MaxSeriesPoints,
			"Pillar.progressSeries":          hub.MaxSeriesPoints,
			"Stakeholder.progressSeries":     hub.MaxSeriesPoints,
			"CommitmentStats.progressSeries": hub.MaxSeriesPoints,
			"Change.fields":                  z.ChangeFields,
			"AuditEntry.fields":              z.ChangeFields,
			"CommitmentEvent.changedFields":  z.ChangeFields,
			"ChangeEvent.changedFields":      z.ChangeFields,
			"Service.communities":            z.ServiceCommunities,
			"Service.contacts":               z.ServiceContacts,
			"ReferralNetwork.members":        z.NetworkMembers,
			"ReferralStats.byStatus":         len(hub.AllReferralStatuses),
			"ReferralStats.byCategory":       len(hub.AllServiceCategories),
			"ReferralStats.byCommunity":      z.Communities,
			"ReferralStats.byAgeBand":        len(hub.AllAgeBands),
			"ReferralStats.byMonth":          z.ReferralMonths,
		}
		// A mutation's user errors are as many as its input has mistakes:
		// they grow with the request, which the body limit bounds, not
		// with the data, and nothing nests under them.
		for _, p := range payloads() {
			sizes[p+".userErrors"] = 1
		}
		last.Store(&named{bounds: z, sizes: sizes})
		return sizes
	}
}

// payloads are the schema's mutation payloads: its types with userErrors.
var payloads = sync.OnceValue(func() []string {
	var out []string
	for name, def := range graph.NewExecutableSchema(graph.Config{}).Schema().Types {
		if def.Fields.ForName("userErrors") != nil {
			out = append(out, name)
		}
	}
	return out
})

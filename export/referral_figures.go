package export

import "convene/hub"

// figure is one row of the referral figures: a breakdown's value and its
// count, or the total, or the median.
type figure struct {
	breakdown, value string
	count            any // int, float64 or nil when withheld
	suppressed       bool
}

// referralFigures is referralStats as a table, one row per figure, with
// the same rule: exact for those who may see every referral counted, under
// disclosure control (withheld cells empty or null, suppressed true) for
// everyone else.
func (x *exporter) referralFigures(p *params) (table, error) {
	var f hub.ReferralStatsFilter
	var err error
	if f.NetworkIDs, err = ids(p, "networkIds", hub.TypeReferralNetwork); err != nil {
		return table{}, err
	}
	if f.CommunityIDs, err = ids(p, "communityIds", hub.TypeCommunity); err != nil {
		return table{}, err
	}
	if f.ProviderIDs, err = ids(p, "providerIds", hub.TypeStakeholder); err != nil {
		return table{}, err
	}
	if f.Categories, err = enums(p, "categories", hub.AllServiceCategories); err != nil {
		return table{}, err
	}
	if f.From, err = p.date("from"); err != nil {
		return table{}, err
	}
	if f.To, err = p.date("to"); err != nil {
		return table{}, err
	}
	s := x.model.ReferralStats(x.viewer, f, x.today)
	count := func(n *int) any {
		if n == nil {
			return nil
		}
		return *n
	}
	rows := []figure{{"total", "", count(s.Total), s.TotalSuppressed}}
	for _, c := range s.ByStatus {
		rows = append(rows, figure{"status", string(c.Status), count(c.Count), c.Suppressed})
	}
	for _, c := range s.ByCategory {
		rows = append(rows, figure{"category", string(c.Category), count(c.Count), c.Suppressed})
	}
	for _, c := range s.ByCommunity {
		rows = append(rows, figure{"community", globalID(hub.TypeCommunity, c.CommunityID), count(c.Count), c.Suppressed})
	}
	for _, c := range s.ByAgeBand {
		rows = append(rows, figure{"ageBand", string(c.AgeBand), count(c.Count), c.Suppressed})
	}
	for _, c := range s.ByMonth {
		rows = append(rows, figure{"month", c.Month, count(c.Count), c.Suppressed})
	}
	median := figure{breakdown: "medianDaysToService"}
	if s.MedianDaysToService != nil {
		median.count = *s.MedianDaysToService
	} else {
		median.suppressed = !s.Exact && s.Total != nil && *s.Total > 0
	}
	rows = append(rows, median)
	var from, to any
	if s.From != nil {
		from = *s.From
	}
	if s.To != nil {
		to = *s.To
	}
	return rowsTable(rows, []column[figure]{
		{"breakdown", func(r figure) any { return r.breakdown }},
		{"value", func(r figure) any { return optional(r.value) }},
		{"count", func(r figure) any { return r.count }},
		{"suppressed", func(r figure) any { return r.suppressed }},
		{"exact", func(figure) any { return s.Exact }},
		{"from", func(figure) any { return from }},
		{"to", func(figure) any { return to }},
	}), nil
}

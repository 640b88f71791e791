package hub

import (
	"slices"
	"time"
)

// Referral figures: counts of referrals by status, category, community,
// age band and month, and the median days from referral to service.
// Callers who may see every referral counted (seesExactReferralFigures)
// get exact figures for exactly the filter they give. Everyone else gets
// figures under disclosure control (referral_release.go): counted as of
// the end of the last complete month, filters snapped to whole months,
// networks, communities, categories and providers, every figure a sum of
// the published cells of one release, so that no answer, nor any
// difference of answers, reveals a count the release withholds.

// ReferralStatsFilter selects the referrals figures count; conditions
// combine with AND, values within a list with OR; empty fields select all.
type ReferralStatsFilter struct {
	NetworkIDs   []string
	CommunityIDs []string
	Categories   []ServiceCategory
	ProviderIDs  []string
	From, To     *Date // referral dates, both ends included
}

// ReferralStatusCount is how many referrals stand at a status; Count is
// nil when withheld.
type ReferralStatusCount struct {
	Status     ReferralStatus
	Count      *int
	Suppressed bool
}

// ReferralCategoryCount is how many referrals went to services of a category.
type ReferralCategoryCount struct {
	Category   ServiceCategory
	Count      *int
	Suppressed bool
}

// ReferralCommunityCount is how many referrals were made in a community's
// networks; figures list the communities of the referrals in scope.
type ReferralCommunityCount struct {
	CommunityID string
	Count       *int
	Suppressed  bool
}

// ReferralAgeBandCount is how many referrals were of young people in an age band.
type ReferralAgeBandCount struct {
	AgeBand    AgeBand
	Count      *int
	Suppressed bool
}

// ReferralMonthCount is how many referrals were made in a month (YYYY-MM).
type ReferralMonthCount struct {
	Month      string
	Count      *int
	Suppressed bool
}

// ReferralStats are the figures of the referrals a filter selects.
type ReferralStats struct {
	// Exact: the caller may see every referral counted, and the figures
	// are exact; otherwise they are under disclosure control.
	Exact bool
	// From and To are the period counted: the filter's for exact
	// figures; otherwise snapped to whole months and ending with the
	// release (the last day of the last complete month).
	From, To        *Date
	Total           *int
	TotalSuppressed bool
	ByStatus        []ReferralStatusCount
	ByCategory      []ReferralCategoryCount
	ByCommunity     []ReferralCommunityCount
	ByAgeBand       []ReferralAgeBandCount
	ByMonth         []ReferralMonthCount
	// MedianDaysToService is the median of the days from referral to
	// service of the referrals served; nil when none were, or, under
	// disclosure control, when fewer than disclosure.Threshold were.
	MedianDaysToService *float64
}

// ReferralStats returns the figures of the referrals f selects, as v may have them.
func (m *ReadModel) ReferralStats(v Viewer, f ReferralStatsFilter, today Date) ReferralStats {
	if v.seesExactReferralFigures(f.ProviderIDs) {
		m.mu.RLock()
		all := Referrals.all(m)
		m.mu.RUnlock()
		return exactReferralStats(f, all)
	}
	return m.releasedReferralStats(f, snapToMonths(f.From, f.To), today)
}

// selects reports whether the filter, with these dates, selects r.
func (f ReferralStatsFilter) selects(r *Referral, from, to *Date) bool {
	return among(f.NetworkIDs, r.NetworkID) && among(f.CommunityIDs, r.CommunityID) &&
		among(f.Categories, r.Category) && among(f.ProviderIDs, r.ToID) &&
		(from == nil || r.Date >= *from) && (to == nil || r.Date <= *to)
}

// period is a span of dates; a nil end is open.
type monthSpan struct{ From, To *Date }

// snapToMonths widens a period to whole months.
func snapToMonths(from, to *Date) monthSpan {
	var p monthSpan
	if from != nil {
		d := Date(string(*from)[:7] + "-01")
		p.From = &d
	}
	if to != nil {
		d := lastOfMonth(*to)
		p.To = &d
	}
	return p
}

// lastOfMonth is the last day of d's month.
func lastOfMonth(d Date) Date {
	t, _ := time.Parse(time.DateOnly, string(d)[:7]+"-01")
	return DateOf(t.AddDate(0, 1, -1))
}

// monthsBetween lists the months (YYYY-MM) from a's to b's, both included.
func monthsBetween(a, b Date) []string {
	t, _ := time.Parse(time.DateOnly, string(a)[:7]+"-01")
	var out []string
	for mo := t.Format("2006-01"); mo <= string(b)[:7]; mo = t.Format("2006-01") {
		out = append(out, mo)
		t = t.AddDate(0, 1, 0)
	}
	return out
}

// daysBetween is the number of days from a to b.
func daysBetween(a, b Date) int {
	ta, _ := time.Parse(time.DateOnly, string(a))
	tb, _ := time.Parse(time.DateOnly, string(b))
	return int(tb.Sub(ta).Hours() / 24)
}

// median of the values, nil for none.
func median(xs []int) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	mid := float64(xs[len(xs)/2])
	if len(xs)%2 == 0 {
		mid = (float64(xs[len(xs)/2-1]) + mid) / 2
	}
	return &mid
}

func exactCount(n int) *int { return &n }

// exactReferralStats counts the referrals the filter selects.
func exactReferralStats(f ReferralStatsFilter, all []*Referral) ReferralStats {
	var rs []*Referral
	for _, r := range all {
		if f.selects(r, f.From, f.To) {
			rs = append(rs, r)
		}
	}
	s := ReferralStats{Exact: true, From: f.From, To: f.To, Total: exactCount(len(rs))}
	byStatus, byCategory, byCommunity, byAge, byMonth := map[ReferralStatus]int{}, map[ServiceCategory]int{}, map[string]int{}, map[AgeBand]int{}, map[string]int{}
	var days []int
	var first, last Date
	for _, r := range rs {
		byStatus[r.Status]++
		byCategory[r.Category]++
		byCommunity[r.CommunityID]++
		byAge[r.AgeBand]++
		byMonth[string(r.Date)[:7]]++
		if r.ServedOn != nil {
			days = append(days, daysBetween(r.Date, *r.ServedOn))
		}
		if first == "" || r.Date < first {
			first = r.Date
		}
		last = max(last, r.Date)
	}
	for _, st := range AllReferralStatuses {
		s.ByStatus = append(s.ByStatus, ReferralStatusCount{Status: st, Count: exactCount(byStatus[st])})
	}
	for _, c := range categoriesOf(f) {
		s.ByCategory = append(s.ByCategory, ReferralCategoryCount{Category: c, Count: exactCount(byCategory[c])})
	}
	var communities []string
	for c := range byCommunity {
		communities = append(communities, c)
	}
	slices.Sort(communities)
	for _, c := range slices.Compact(communities) {
		s.ByCommunity = append(s.ByCommunity, ReferralCommunityCount{CommunityID: c, Count: exactCount(byCommunity[c])})
	}
	for _, a := range AllAgeBands {
		s.ByAgeBand = append(s.ByAgeBand, ReferralAgeBandCount{AgeBand: a, Count: exactCount(byAge[a])})
	}
	if len(rs) > 0 {
		for _, mo := range monthsBetween(first, last) {
			s.ByMonth = append(s.ByMonth, ReferralMonthCount{Month: mo, Count: exactCount(byMonth[mo])})
		}
	}
	s.MedianDaysToService = median(days)
	return s
}

// categoriesOf are the categories figures list: the filter's, in schema
// order, or all.
func categoriesOf(f ReferralStatsFilter) []ServiceCategory {
	if len(f.Categories) == 0 {
		return AllServiceCategories
	}
	var out []ServiceCategory
	for _, c := range AllServiceCategories {
		if slices.Contains(f.Categories, c) {
			out = append(out, c)
		}
	}
	return out
}

package hub

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"convene/disclosure"
)

// The release of referral figures under disclosure control. It is one
// set of linked tables, built from the referrals made up to the end of
// the last complete month, each with its status at that date (from the
// dates of its steps): every two-way table, with its margins, of
//
//	network (as in a community), category, provider, month, status, age band
//
// suppressed together by package disclosure. A filter selects whole
// values of the first four; each figure is then the sum of the cells of
// one table over the values selected, published when every cell it sums
// is. A figure that would need a three-way table (say, by status within
// one network and one month) is withheld. Nothing finer than a month,
// nor any referral after the release's end, reaches a caller without the
// right to see the referrals, and the release changes only when a month
// closes (or a step is recorded with a date in a closed month).

// Dimensions of the release, in the order of a record's values.
const (
	dimUnit = iota // a network in a community
	dimCategory
	dimProvider
	dimMonth
	dimReferralStatus
	dimAgeBand
	releaseDims
)

// releaseUnit is a network as it was in a community when referrals were
// made: a network moved to another community counts under each.
type releaseUnit struct{ network, community string }

// referralRelease is one built release and what its values stand for.
type referralRelease struct {
	key       uint64
	end       Date
	units     []releaseUnit
	providers []string
	months    []string
	records   [][]int // a value per dimension
	served    []int   // per record: days from referral to service, or -1
	release   *disclosure.Release
}

// releaseCache keeps the newest complete release and builds the next one
// off the request path: its exact audit takes a second or more of CPU on
// a few thousand referrals. A change to the referrals, or a request for a
// month the release does not end at yet, schedules a build (changes
// within releaseDelay of the first share one); until it is done requests
// get the previous release, so none waits for an audit once a release
// exists. Before the first one exists, a request waits for it.
type releaseCache struct {
	changes atomic.Uint64 // referral states put, ever

	mu      sync.Mutex
	last    *referralRelease // the newest complete release
	first   chan struct{}    // closed once last is set
	end     Date             // the end the next release counts to: the newest asked for
	pending bool             // a build is scheduled or under way
	// audit suppresses a release's tables (disclosure.New; tests wrap it).
	audit func(dims []disclosure.Dim, pairs, records [][]int) (*disclosure.Release, error)
}

// releaseDelay is how long a build waits after the change that scheduled
// it, so that a burst of changes (an import, the demo data) costs one audit.
const releaseDelay = 250 * time.Millisecond

// referralChanged notes that a referral's state changed; call it under m.mu.
func (m *ReadModel) referralChanged() {
	c := &m.released
	c.changes.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.end != "" { // a release is wanted
		c.scheduleLocked(m, releaseDelay)
	}
}

// PrepareReferralRelease starts building the release for today in the
// background, so that the first request for released figures finds it
// ready (the server calls it once its data is loaded).
func (m *ReadModel) PrepareReferralRelease(today Date) {
	c := &m.released
	c.mu.Lock()
	defer c.mu.Unlock()
	c.end = releaseEnd(today)
	c.scheduleLocked(m, 0)
}

// scheduleLocked starts a build after delay unless one is pending; call
// it under c.mu.
func (c *releaseCache) scheduleLocked(m *ReadModel, delay time.Duration) {
	if c.pending {
		return // the build under way looks for later changes when it ends
	}
	c.pending = true
	time.AfterFunc(delay, m.buildReferralReleases)
}

// buildReferralReleases builds releases until one counts the newest
// referrals to the newest end asked for.
func (m *ReadModel) buildReferralReleases() {
	c := &m.released
	for {
		c.mu.Lock()
		end, prev, audit := c.end, c.last, c.audit
		c.mu.Unlock()
		m.mu.RLock()
		all, seen := Referrals.all(m), c.changes.Load()
		m.mu.RUnlock()
		rel := newReferralRelease(all, end)
		if prev != nil && prev.key == rel.key {
			rel = prev // nothing it counts has changed
		} else {
			rel.suppress(audit)
		}
		c.mu.Lock()
		c.last = rel
		if c.first != nil {
			close(c.first)
			c.first = nil
		}
		if c.end == end && c.changes.Load() == seen {
			c.pending = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		time.Sleep(releaseDelay)
	}
}

// currentReferralRelease is the newest complete release, the next one
// scheduled when today closes a month it does not count.
func (m *ReadModel) currentReferralRelease(today Date) *referralRelease {
	c := &m.released
	end := releaseEnd(today)
	c.mu.Lock()
	if end != c.end {
		c.end = end
		c.scheduleLocked(m, 0)
	}
	for c.last == nil {
		c.scheduleLocked(m, 0)
		if c.first == nil {
			c.first = make(chan struct{})
		}
		first := c.first
		c.mu.Unlock()
		<-first
		c.mu.Lock()
	}
	rel := c.last
	c.mu.Unlock()
	return rel
}

// releaseEnd is the last day a release counts: the end of the month
// before today's.
func releaseEnd(today Date) Date {
	t, _ := time.Parse(time.DateOnly, string(today)[:7]+"-01")
	return DateOf(t.AddDate(0, 0, -1))
}

// statusOn is where r stood at the end of day d, by the dates of its steps.
func statusOn(r *Referral, d Date) ReferralStatus {
	switch {
	case r.ClosedOn != nil && *r.ClosedOn <= d:
		return r.Status
	case r.ServedOn != nil && *r.ServedOn <= d:
		return ReferralServed
	case r.AcceptedOn != nil && *r.AcceptedOn <= d:
		return ReferralAccepted
	}
	return ReferralSent
}

// suppress audits the release's tables with audit (nil: disclosure.New).
func (rel *referralRelease) suppress(audit func([]disclosure.Dim, [][]int, [][]int) (*disclosure.Release, error)) {
	if len(rel.records) == 0 {
		return
	}
	if audit == nil {
		audit = disclosure.New
	}
	sizes := []int{len(rel.units), len(AllServiceCategories), len(rel.providers), len(rel.months), len(AllReferralStatuses), len(AllAgeBands)}
	names := []string{"network", "category", "provider", "month", "status", "ageBand"}
	dims := make([]disclosure.Dim, releaseDims)
	var pairs [][]int
	for d := range dims {
		dims[d] = disclosure.Dim{Name: names[d], Size: sizes[d]}
		for e := d + 1; e < releaseDims; e++ {
			pairs = append(pairs, []int{d, e})
		}
	}
	release, err := audit(dims, pairs, rel.records)
	if err != nil {
		panic("hub: referral release: " + err.Error()) // the records are built to fit
	}
	rel.release = release
}

// newReferralRelease classifies the referrals made by end, without suppressing.
func newReferralRelease(all []*Referral, end Date) *referralRelease {
	rel := &referralRelease{end: end}
	var in []*Referral
	units, providers := map[releaseUnit]bool{}, map[string]bool{}
	first, last := end, Date("")
	for _, r := range all {
		if r.Date > end {
			continue
		}
		in = append(in, r)
		units[releaseUnit{r.NetworkID, r.CommunityID}] = true
		providers[r.ToID] = true
		first, last = min(first, r.Date), max(last, r.Date)
	}
	if len(in) == 0 {
		return rel
	}
	for u := range units {
		rel.units = append(rel.units, u)
	}
	slices.SortFunc(rel.units, func(a, b releaseUnit) int {
		return cmp.Or(cmp.Compare(a.network, b.network), cmp.Compare(a.community, b.community))
	})
	for p := range providers {
		rel.providers = append(rel.providers, p)
	}
	slices.Sort(rel.providers)
	rel.months = monthsBetween(first, last)
	rows := make([][]int, 0, len(in))
	for _, r := range in {
		row := []int{
			slices.Index(rel.units, releaseUnit{r.NetworkID, r.CommunityID}),
			slices.Index(AllServiceCategories, r.Category),
			slices.Index(rel.providers, r.ToID),
			slices.Index(rel.months, string(r.Date)[:7]),
			slices.Index(AllReferralStatuses, statusOn(r, end)),
			slices.Index(AllAgeBands, r.AgeBand),
			-1,
		}
		if r.ServedOn != nil && *r.ServedOn <= end {
			row[releaseDims] = daysBetween(r.Date, *r.ServedOn)
		}
		if slices.Contains(row[:releaseDims], -1) {
			continue // a value no dimension has: not a valid referral
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, slices.Compare)
	h := fnv.New64a()
	write := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	write(string(end))
	for _, u := range rel.units {
		write(u.network + "/" + u.community)
	}
	for _, p := range rel.providers {
		write(p)
	}
	for _, row := range rows {
		for _, v := range row {
			write(strconv.Itoa(v))
		}
		rel.records = append(rel.records, row[:releaseDims])
		rel.served = append(rel.served, row[releaseDims])
	}
	rel.key = h.Sum64()
	return rel
}

// selection is the values of each dimension that the filter, in the
// period, selects (nil: all).
func (rel *referralRelease) selection(f ReferralStatsFilter, p monthSpan) [][]int {
	sel := make([][]int, releaseDims)
	if len(f.NetworkIDs) > 0 || len(f.CommunityIDs) > 0 {
		sel[dimUnit] = []int{}
		for i, u := range rel.units {
			if among(f.NetworkIDs, u.network) && among(f.CommunityIDs, u.community) {
				sel[dimUnit] = append(sel[dimUnit], i)
			}
		}
	}
	if len(f.Categories) > 0 {
		sel[dimCategory] = []int{}
		for i, c := range AllServiceCategories {
			if slices.Contains(f.Categories, c) {
				sel[dimCategory] = append(sel[dimCategory], i)
			}
		}
	}
	if len(f.ProviderIDs) > 0 {
		sel[dimProvider] = []int{}
		for i, id := range rel.providers {
			if slices.Contains(f.ProviderIDs, id) {
				sel[dimProvider] = append(sel[dimProvider], i)
			}
		}
	}
	if p.From != nil || p.To != nil {
		sel[dimMonth] = []int{}
		for i, mo := range rel.months {
			if (p.From == nil || mo >= string(*p.From)[:7]) && (p.To == nil || mo <= string(*p.To)[:7]) {
				sel[dimMonth] = append(sel[dimMonth], i)
			}
		}
	}
	return sel
}

// count is the published figure of a selection: nil when withheld.
func (rel *referralRelease) count(sel [][]int) (*int, bool) {
	if rel.release == nil {
		return exactCount(0), false
	}
	n, ok := rel.release.Count(sel)
	if !ok {
		return nil, true
	}
	return &n, false
}

// narrowed is sel with dimension d narrowed to the one value v.
func narrowed(sel [][]int, d, v int) [][]int {
	out := slices.Clone(sel)
	if out[d] == nil || slices.Contains(out[d], v) {
		out[d] = []int{v}
	} else {
		out[d] = []int{}
	}
	return out
}

// values are the values sel selects in dimension d, of size n.
func values(sel [][]int, d, n int) []int {
	if sel[d] != nil {
		return sel[d]
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

// releasedReferralStats are the figures of the release for the filter.
func (m *ReadModel) releasedReferralStats(f ReferralStatsFilter, p monthSpan, today Date) ReferralStats {
	rel := m.currentReferralRelease(today)
	end := rel.end
	s := ReferralStats{From: p.From, To: &end}
	if p.To != nil && *p.To < end {
		s.To = p.To
	}
	sel := rel.selection(f, p)
	s.Total, s.TotalSuppressed = rel.count(sel)
	for i, st := range AllReferralStatuses {
		n, w := rel.count(narrowed(sel, dimReferralStatus, i))
		s.ByStatus = append(s.ByStatus, ReferralStatusCount{Status: st, Count: n, Suppressed: w})
	}
	for _, c := range categoriesOf(f) {
		n, w := rel.count(narrowed(sel, dimCategory, slices.Index(AllServiceCategories, c)))
		s.ByCategory = append(s.ByCategory, ReferralCategoryCount{Category: c, Count: n, Suppressed: w})
	}
	var communities []string
	for _, i := range values(sel, dimUnit, len(rel.units)) {
		communities = append(communities, rel.units[i].community)
	}
	slices.Sort(communities)
	communities = slices.Compact(communities)
	for _, c := range communities {
		in := slices.Clone(sel)
		in[dimUnit] = []int{}
		for _, i := range values(sel, dimUnit, len(rel.units)) {
			if rel.units[i].community == c {
				in[dimUnit] = append(in[dimUnit], i)
			}
		}
		n, w := rel.count(in)
		s.ByCommunity = append(s.ByCommunity, ReferralCommunityCount{CommunityID: c, Count: n, Suppressed: w})
	}
	for i, a := range AllAgeBands {
		n, w := rel.count(narrowed(sel, dimAgeBand, i))
		s.ByAgeBand = append(s.ByAgeBand, ReferralAgeBandCount{AgeBand: a, Count: n, Suppressed: w})
	}
	for _, i := range values(sel, dimMonth, len(rel.months)) {
		n, w := rel.count(narrowed(sel, dimMonth, i))
		s.ByMonth = append(s.ByMonth, ReferralMonthCount{Month: rel.months[i], Count: n, Suppressed: w})
	}
	var days []int
	for i, row := range rel.records {
		if rel.served[i] >= 0 && selected(sel, row) {
			days = append(days, rel.served[i])
		}
	}
	if len(days) >= disclosure.Threshold {
		s.MedianDaysToService = median(days)
	}
	return s
}

// selected reports whether a record's values are all selected.
func selected(sel [][]int, row []int) bool {
	for d, vs := range sel {
		if vs != nil && !slices.Contains(vs, row[d]) {
			return false
		}
	}
	return true
}

package app

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/disclosure"
	"convene/hub"
)

// Referral figures end to end on the demo data: exact for admins and for
// an editor counting only its own referrals; for everyone else under
// disclosure control, and an attacker who gathers every answer of a wide
// battery of filters (overlapping networks, communities, categories and
// providers, adjacent and nested periods, and their combinations) and
// solves for the withheld counts by linear differencing recovers none.

const referralStatsQuery = `query($f: ReferralStatsFilter) { referralStats(filter: $f) {
  exact from to total totalSuppressed
  byStatus { status count suppressed } byCategory { category count suppressed }
  byCommunity { community { id } count suppressed } byAgeBand { ageBand count suppressed }
  byMonth { month count suppressed } medianDaysToService } }`

// figureCount is one figure of an answer.
type figureCount struct {
	Status, Category, AgeBand, Month string
	Community                        *struct{ ID string }
	Count                            *int
	Suppressed                       bool
}

type referralStatsAnswer struct {
	Exact               bool
	From, To            *string
	Total               *int
	TotalSuppressed     bool
	ByStatus            []figureCount
	ByCategory          []figureCount
	ByCommunity         []figureCount
	ByAgeBand           []figureCount
	ByMonth             []figureCount
	MedianDaysToService *float64
}

func referralStatsAs(t *testing.T, s *testServer, token string, f map[string]any) referralStatsAnswer {
	t.Helper()
	var out struct{ ReferralStats referralStatsAnswer }
	s.mustDecode(s.as(token, referralStatsQuery, map[string]any{"f": f}), &out)
	return out.ReferralStats
}

// demoReferral is what the attacker's model needs of a referral: the
// release's values, status at the release's end.
type demoReferral struct {
	network, community, category, provider, month, status, ageBand string
}

// demoReferrals lists every referral, as the admin sees them, with the
// status each had at the end of the day end.
func demoReferrals(t *testing.T, s *testServer, end string) []demoReferral {
	t.Helper()
	var out []demoReferral
	after := any(nil)
	for range 100 {
		var page struct {
			Referrals struct {
				Nodes []struct {
					Network, Community, To          struct{ ID string }
					Category, Date, Status, AgeBand string
					AcceptedOn, ServedOn, ClosedOn  *string
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		s.mustDecode(s.do(true, `query($after: String) { referrals(first: 100, after: $after) { nodes { network { id } community { id } to { id }
			category date status ageBand acceptedOn servedOn closedOn } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after}), &page)
		for _, n := range page.Referrals.Nodes {
			if n.Date > end {
				continue
			}
			on := func(d *string) bool { return d != nil && *d <= end }
			status := "SENT"
			switch {
			case on(n.ClosedOn):
				status = n.Status
			case on(n.ServedOn):
				status = "SERVED"
			case on(n.AcceptedOn):
				status = "ACCEPTED"
			}
			out = append(out, demoReferral{n.Network.ID, n.Community.ID, n.Category, n.To.ID, n.Date[:7], status, n.AgeBand})
		}
		if !page.Referrals.PageInfo.HasNextPage {
			return out
		}
		after = page.Referrals.PageInfo.EndCursor
	}
	t.Fatal("more than 100 pages of referrals")
	return nil
}

// attacker models what a reader of the answers knows: the counts of the
// combinations of (network, community, category, provider, month, status,
// age band) are unknown, but for those that a published zero of some
// two-way figure rules out; each published figure is the sum of the
// combinations it selects.
type attacker struct {
	unknowns [][7]string
	counts   map[[7]string]int
	attack   *disclosure.Attack
	known    map[string]bool
	withheld map[string][]int // a withheld figure's members, by key
	what     map[string]string
}

func newAttacker(rs []demoReferral) *attacker {
	a := &attacker{counts: map[[7]string]int{}, known: map[string]bool{}, withheld: map[string][]int{}, what: map[string]string{}}
	values := make([][]string, 7)
	pairs := map[[4]string]bool{}
	for _, r := range rs {
		v := [7]string{r.network, r.community, r.category, r.provider, r.month, r.status, r.ageBand}
		a.counts[v]++
		for d := range 7 {
			if !slices.Contains(values[d], v[d]) {
				values[d] = append(values[d], v[d])
			}
			for e := d + 1; e < 7; e++ {
				pairs[[4]string{fmt.Sprint(d), v[d], fmt.Sprint(e), v[e]}] = true
			}
		}
	}
	var walk func(d int, v [7]string)
	walk = func(d int, v [7]string) {
		if d == 7 {
			a.unknowns = append(a.unknowns, v)
			return
		}
		for _, x := range values[d] {
			v[d] = x
			ok := true
			for e := range d {
				ok = ok && pairs[[4]string{fmt.Sprint(e), v[e], fmt.Sprint(d), x}]
			}
			if ok {
				walk(d+1, v)
			}
		}
	}
	walk(0, [7]string{})
	a.attack = disclosure.NewAttack(len(a.unknowns))
	return a
}

// selection is what an answer's filter and one figure select: for each of
// the seven values, the admitted ones (nil: any); months as a span.
type selection struct {
	sets     [7][]string
	from, to string
}

func (sel selection) with(d int, v string) selection {
	sel.sets[d] = []string{v}
	return sel
}

func (sel selection) members(a *attacker) []int {
	var out []int
	for i, u := range a.unknowns {
		ok := (sel.from == "" || u[4] >= sel.from) && (sel.to == "" || u[4] <= sel.to)
		for d, set := range sel.sets {
			ok = ok && (set == nil || slices.Contains(set, u[d]))
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// observe takes in one answer: every published figure must be the true
// count, and becomes known; every withheld one is a target.
func (a *attacker) observe(t *testing.T, f map[string]any, ans referralStatsAnswer) {
	t.Helper()
	var sel selection
	ids := func(key string) []string {
		if v, ok := f[key].([]string); ok {
			return v
		}
		return nil
	}
	sel.sets[0], sel.sets[1], sel.sets[2], sel.sets[3] = ids("networkIds"), ids("communityIds"), ids("categories"), ids("providerIds")
	if ans.From != nil {
		sel.from = (*ans.From)[:7]
	}
	if ans.To != nil {
		sel.to = (*ans.To)[:7]
	}
	figure := func(what string, s selection, count *int, suppressed bool) {
		t.Helper()
		members := s.members(a)
		slices.Sort(members)
		key := fmt.Sprint(members)
		truth := 0
		for _, m := range members {
			truth += a.counts[a.unknowns[m]]
		}
		switch {
		case suppressed != (count == nil):
			t.Errorf("%v %s: count %v, suppressed %v", f, what, count, suppressed)
		case count != nil && *count != truth:
			t.Errorf("%v %s: published %d, the referrals give %d", f, what, *count, truth)
		case count != nil && *count > 0 && *count < disclosure.Threshold:
			t.Errorf("%v %s: %d published", f, what, *count)
		case count != nil && !a.known[key]:
			a.known[key] = true
			a.attack.Know(members)
		case count == nil:
			a.withheld[key] = members
			a.what[key] = fmt.Sprintf("%v %s (%d)", f, what, truth)
		}
	}
	figure("total", sel, ans.Total, ans.TotalSuppressed)
	for _, c := range ans.ByStatus {
		figure("status "+c.Status, sel.with(5, c.Status), c.Count, c.Suppressed)
	}
	for _, c := range ans.ByCategory {
		figure("category "+c.Category, sel.with(2, c.Category), c.Count, c.Suppressed)
	}
	for _, c := range ans.ByCommunity {
		figure("community "+c.Community.ID, sel.with(1, c.Community.ID), c.Count, c.Suppressed)
	}
	for _, c := range ans.ByAgeBand {
		figure("age "+c.AgeBand, sel.with(6, c.AgeBand), c.Count, c.Suppressed)
	}
	for _, c := range ans.ByMonth {
		m := sel
		m.from, m.to = c.Month, c.Month
		figure("month "+c.Month, m, c.Count, c.Suppressed)
	}
}

// recovered lists the withheld figures that the known ones determine.
func (a *attacker) recovered() []string {
	var out []string
	for key, members := range a.withheld {
		if a.known[key] || a.attack.Recovers(members) {
			out = append(out, a.what[key])
		}
	}
	slices.Sort(out)
	return out
}

// battery is the filters the attacker tries: every single value and
// overlapping pairs of each filter, nested and adjacent periods, and
// their combinations.
func battery(networks, communities, providers, months []string) []map[string]any {
	fs := []map[string]any{nil, {}}
	categories := []string{"LIFE_SKILLS", "WORKFORCE_DEVELOPMENT", "EDUCATION", "MENTORING", "COUNSELLING", "HEALTH", "LEGAL_AID", "SPORTS_AND_ARTS", "OTHER"}
	lists := map[string][]string{"networkIds": networks, "communityIds": communities, "categories": categories, "providerIds": providers}
	for key, vs := range lists {
		for i, v := range vs {
			fs = append(fs, map[string]any{key: []string{v}})
			if i+1 < len(vs) {
				fs = append(fs, map[string]any{key: []string{v, vs[i+1]}}) // overlapping pairs
			}
		}
		fs = append(fs, map[string]any{key: vs[1:]}) // all but the first
	}
	day := func(month string, d int) string { return fmt.Sprintf("%s-%02d", month, d) }
	for i, m := range months {
		fs = append(fs, map[string]any{"from": day(m, 3), "to": day(m, 17)})         // within one month
		fs = append(fs, map[string]any{"from": day(months[0], 1), "to": day(m, 28)}) // nested, growing
		fs = append(fs, map[string]any{"from": day(m, 9)})                           // adjacent tails
		if i+1 < len(months) {
			fs = append(fs, map[string]any{"from": day(m, 20), "to": day(months[i+1], 5)}) // two months
		}
	}
	for _, n := range networks {
		for _, m := range months {
			fs = append(fs, map[string]any{"networkIds": []string{n}, "from": day(m, 1), "to": day(m, 28)})
		}
		for _, c := range categories {
			fs = append(fs, map[string]any{"networkIds": []string{n}, "categories": []string{c}})
		}
	}
	for _, p := range providers {
		fs = append(fs, map[string]any{"providerIds": []string{p}, "from": day(months[0], 1), "to": day(months[len(months)/2], 28)})
		fs = append(fs, map[string]any{"providerIds": []string{p}, "categories": []string{"LIFE_SKILLS", "MENTORING"}})
	}
	for _, c := range categories {
		fs = append(fs, map[string]any{"categories": []string{c}, "from": day(months[len(months)/2], 1)})
	}
	return fs
}

func TestReferralFigures(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	_, bcci := issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)
	_, yff := issueToken(t, s, "EDITOR", "YFF officer", "yff", nil)
	_, viewerToken := issueToken(t, s, "VIEWER", "analyst", "", nil)

	now := time.Now().UTC()
	end := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format(time.DateOnly)
	rs := demoReferrals(t, s, end)
	if len(rs) < 300 {
		t.Fatalf("%d demo referrals released, want 300 or more", len(rs))
	}
	var networks, communities, providers, months []string
	for _, r := range rs {
		for _, x := range []struct {
			list *[]string
			v    string
		}{{&networks, r.network}, {&communities, r.community}, {&providers, r.provider}, {&months, r.month}} {
			if !slices.Contains(*x.list, x.v) {
				*x.list = append(*x.list, x.v)
			}
		}
	}
	for _, l := range [][]string{networks, communities, providers, months} {
		slices.Sort(l)
	}

	t.Run("admins see exact figures", func(t *testing.T) {
		ans := referralStatsAs(t, s, testAdminToken, nil)
		if !ans.Exact || ans.Total == nil || *ans.Total != len(rs) || ans.From != nil || ans.To != nil {
			t.Fatalf("exact %v, total %v, period %v–%v; want exact %d, open", ans.Exact, ans.Total, ans.From, ans.To, len(rs))
		}
		for _, c := range slices.Concat(ans.ByStatus, ans.ByCategory, ans.ByCommunity, ans.ByAgeBand, ans.ByMonth) {
			if c.Suppressed || c.Count == nil {
				t.Errorf("admin: %+v withheld", c)
			}
		}
		if len(ans.ByMonth) != len(months) || ans.MedianDaysToService == nil {
			t.Errorf("admin: %d months (want %d), median %v", len(ans.ByMonth), len(months), ans.MedianDaysToService)
		}
		// A day-exact period, as asked.
		ans = referralStatsAs(t, s, testAdminToken, map[string]any{"from": months[2] + "-10", "to": months[2] + "-12"})
		if !ans.Exact || *ans.From != months[2]+"-10" || *ans.To != months[2]+"-12" {
			t.Errorf("admin's period %v–%v", *ans.From, *ans.To)
		}
	})

	t.Run("an editor counting only its own referrals sees exact figures", func(t *testing.T) {
		own := referralStatsAs(t, s, yff, map[string]any{"providerIds": []string{gid(hub.TypeStakeholder, "yff")}})
		if !own.Exact || own.Total == nil || *own.Total == 0 {
			t.Errorf("yff's received referrals: exact %v, total %v", own.Exact, own.Total)
		}
		other := providers[0]
		if other == gid(hub.TypeStakeholder, "yff") {
			other = providers[1]
		}
		mixed := referralStatsAs(t, s, yff, map[string]any{"providerIds": []string{gid(hub.TypeStakeholder, "yff"), other}})
		if mixed.Exact {
			t.Error("yff's editor has exact figures including another provider's referrals")
		}
	})

	t.Run("bad filters", func(t *testing.T) {
		for _, c := range []struct {
			f    map[string]any
			code string
		}{
			{map[string]any{"networkIds": []string{gid(hub.TypeStakeholder, "yff")}}, "BAD_USER_INPUT"},
			{map[string]any{"communityIds": []string{"not an id"}}, "BAD_USER_INPUT"},
			{map[string]any{"from": "2015-13-01"}, "BAD_USER_INPUT"},
			{map[string]any{"categories": []string{"KNITTING"}}, "GRAPHQL_VALIDATION_FAILED"},
		} {
			if r := s.as("", referralStatsQuery, map[string]any{"f": c.f}); r.code() != c.code {
				t.Errorf("%v: %s, want %s", c.f, r.body, c.code)
			}
		}
	})

	fs := battery(networks, communities, providers, months)
	for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"an unrelated editor", bcci}, {"a viewer", viewerToken}} {
		t.Run("differencing as "+who.name, func(t *testing.T) {
			a := newAttacker(rs)
			for _, f := range fs {
				ans := referralStatsAs(t, s, who.token, f)
				if ans.Exact {
					t.Fatalf("%v: exact figures for %s", f, who.name)
				}
				if ans.To == nil || *ans.To > end || (ans.From != nil && !strings.HasSuffix(*ans.From, "-01")) {
					t.Fatalf("%v: period %v–%v, want whole months to %s", f, ans.From, ans.To, end)
				}
				a.observe(t, f, ans)
			}
			if len(a.withheld) == 0 {
				t.Fatal("nothing withheld: the attack proves nothing")
			}
			if got := a.recovered(); len(got) > 0 {
				t.Errorf("%d of %d withheld figures recovered by differencing, e.g. %s", len(got), len(a.withheld), got[0])
			}
			t.Logf("%d answers: %d distinct figures published (rank %d), %d withheld", len(fs), len(a.known), a.attack.Rank(), len(a.withheld))
		})
	}
}

// The attacker's own model must catch a leak: a figure published beside
// its total and its siblings is recovered.
func TestAttackerCatchesALeak(t *testing.T) {
	var rs []demoReferral
	for _, status := range []string{"SENT", "SERVED"} {
		for range 5 {
			rs = append(rs, demoReferral{"n", "c", "LIFE_SKILLS", "p", "2015-01", status, "AGE_15_17"})
		}
	}
	a := newAttacker(rs)
	five, ten := 5, 10
	a.observe(t, nil, referralStatsAnswer{Total: &ten, ByStatus: []figureCount{{Status: "SENT", Suppressed: true}, {Status: "SERVED", Count: &five}}})
	if len(a.recovered()) != 1 {
		t.Fatal("SENT = total − SERVED not recovered")
	}
}

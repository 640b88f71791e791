package app

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// The analyst's breakdowns and lists, end to end on the demo data with
// the clock at the end of 2015 (some commitments and outcomes overdue,
// some not): overdue
// counts in every breakdown and the breakdown by stakeholder agree with a
// count over every commitment, before and after a change; a bar of
// bySector drills down to exactly its commitments; the "most overdue
// stakeholder" question costs little; outcomes filter and every list
// orders and pages as it says.
func TestAnalytics(t *testing.T) {
	today := time.Date(2015, 12, 1, 12, 0, 0, 0, time.UTC)
	s := startServerConfig(t, testConfig(t.TempDir(), "--rate-limit", "0"), hub.Options{Now: func() time.Time { return today }}) // an analyst asks many questions
	t.Run("overdue in every breakdown", func(t *testing.T) { analyticsOverdueBreakdowns(t, s) })
	t.Run("by stakeholder", func(t *testing.T) { analyticsByStakeholder(t, s) })
	t.Run("lead sectors drill down", func(t *testing.T) { analyticsLeadSectors(t, s) })
	t.Run("outcome filters", func(t *testing.T) { analyticsOutcomeFilters(t, s, "2015-12-01") })
	t.Run("orders", func(t *testing.T) { analyticsOrders(t, s) })
	t.Run("exports take the new filters", func(t *testing.T) { analyticsExports(t, s) })
}

// analyticsExports: the exports take leadSectors and the outcome filters
// as the API does, and select the same items.
func analyticsExports(t *testing.T, s *testServer) {
	for _, c := range []struct {
		path, query string
		vars        map[string]any
	}{
		{"commitments.json?leadSectors=CIVIL_SOCIETY&overdue=true", `query($f: CommitmentFilter) { page: commitments(first: 100, filter: $f) { nodes { id } } }`,
			map[string]any{"f": map[string]any{"leadSectors": []string{"CIVIL_SOCIETY"}, "overdue": true}}},
		{"outcomes.json?dueAfter=2013-01-01&dueBefore=2016-12-31&overdue=true", `query($f: OutcomeFilter) { page: outcomes(first: 100, filter: $f) { nodes { id } } }`,
			map[string]any{"f": map[string]any{"dueAfter": "2013-01-01", "dueBefore": "2016-12-31", "overdue": true}}},
		{"outcomes.json?search=mentor&pillarIds=" + gid(hub.TypePillar, "p1"), `query($f: OutcomeFilter) { page: outcomes(first: 100, filter: $f) { nodes { id } } }`,
			map[string]any{"f": map[string]any{"search": "mentor", "pillarIds": []string{gid(hub.TypePillar, "p1")}}}},
	} {
		var d struct {
			Page struct{ Nodes []struct{ ID string } }
		}
		s.query(c.query, c.vars, &d)
		var want []string
		for _, n := range d.Page.Nodes {
			want = append(want, n.ID)
		}
		got := jsonIDs(s.export(c.path, "").mustOK(t, c.path).objects(t, false))
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("/export/%s lists %d, the API %d", c.path, len(got), len(want))
		}
	}
	if e := s.export("outcomes.csv?overdue=maybe", ""); e.status != 400 {
		t.Errorf("overdue=maybe: %d", e.status)
	}
}

// analyticsCommitment is what the checks read of each commitment.
type analyticsCommitment struct {
	Reference    string
	Status       string
	Progress     int
	Overdue      bool
	Verification string
	LatestReport *struct{ ID string }
	Pillar       struct{ ID string }
	Lead         struct{ ID, Sector string }
	Partners     []struct {
		Role        string
		Stakeholder struct{ ID string }
	} `json:"participants"`
}

// allCommitments pages through every commitment filter selects.
func allCommitments(t *testing.T, s *testServer, filter map[string]any) []analyticsCommitment {
	t.Helper()
	var out []analyticsCommitment
	var after any
	for range 100 {
		var d struct {
			Commitments struct {
				Nodes    []analyticsCommitment
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		s.query(`query($f: CommitmentFilter, $after: String) { commitments(first: 25, after: $after, filter: $f) {
			nodes { reference status progress overdue verification latestReport { id } pillar { id } lead { id sector } participants { role stakeholder { id } } }
			pageInfo { hasNextPage endCursor } } }`, map[string]any{"f": filter, "after": after}, &d)
		out = append(out, d.Commitments.Nodes...)
		if !d.Commitments.PageInfo.HasNextPage {
			return out
		}
		after = d.Commitments.PageInfo.EndCursor
	}
	t.Fatal("more than 100 pages of commitments")
	return nil
}

type analyticsStats struct {
	Total    int
	Overdue  int
	Verified int
	ByStatus []struct {
		Status                   string
		Count, Overdue, Verified int
	}
	BySector []struct {
		Sector                   string
		Count, Overdue, Verified int
	}
	ByPillar []struct {
		Pillar                   struct{ ID string }
		Count, Overdue, Verified int
	}
}

const analyticsStatsQuery = `query($f: CommitmentFilter) { commitmentStats(filter: $f) { total overdue verified
	byStatus { status count overdue verified } bySector { sector count overdue verified } byPillar { pillar { id } count overdue verified } } }`

func statsOf(t *testing.T, s *testServer, filter map[string]any) analyticsStats {
	t.Helper()
	var d struct{ CommitmentStats analyticsStats }
	s.query(analyticsStatsQuery, map[string]any{"f": filter}, &d)
	return d.CommitmentStats
}

var analyticsFilters = []map[string]any{nil, {"statuses": []string{"DELAYED", "AT_RISK", "ON_TRACK"}}, {"pillarIds": []string{gid(hub.TypePillar, "p2")}},
	{"overdue": true}, {"search": "youth"}, {"sectors": []string{"CIVIL_SOCIETY"}}, {"dueBefore": "2013-12-31", "statuses": []string{"NOT_STARTED", "DELAYED"}}}

// analyticsOverdueBreakdowns: every bar's overdue and verified counts
// equal a count of its commitments' own overdue and verification fields.
func analyticsOverdueBreakdowns(t *testing.T, s *testServer) {
	sawOverdue, sawOnTime := false, false
	for _, f := range analyticsFilters {
		all := allCommitments(t, s, f)
		st := statsOf(t, s, f)
		late, verified := map[string]int{}, map[string]int{}
		for _, c := range all {
			for _, key := range []string{"status " + c.Status, "sector " + c.Lead.Sector, "pillar " + c.Pillar.ID, ""} {
				if c.Overdue {
					late[key]++
				}
				if c.Verification == "VERIFIED" {
					verified[key]++
				}
			}
		}
		n := 0
		for _, b := range st.ByStatus {
			n += b.Overdue
			if late, verified := late["status "+b.Status], verified["status "+b.Status]; b.Overdue != late || b.Verified != verified {
				t.Errorf("%v: status %s has %d overdue and %d verified, its commitments %d and %d", f, b.Status, b.Overdue, b.Verified, late, verified)
			}
		}
		for _, b := range st.BySector {
			if late, verified := late["sector "+b.Sector], verified["sector "+b.Sector]; b.Overdue != late || b.Verified != verified {
				t.Errorf("%v: sector %s has %d overdue and %d verified, its commitments %d and %d", f, b.Sector, b.Overdue, b.Verified, late, verified)
			}
		}
		for _, b := range st.ByPillar {
			if late, verified := late["pillar "+b.Pillar.ID], verified["pillar "+b.Pillar.ID]; b.Overdue != late || b.Verified != verified {
				t.Errorf("%v: pillar %s has %d overdue and %d verified, its commitments %d and %d", f, b.Pillar.ID, b.Overdue, b.Verified, late, verified)
			}
		}
		if n != st.Overdue || st.Total != len(all) || st.Verified != verified[""] {
			t.Errorf("%v: overdue by status add up to %d, overdue %d; total %d, commitments %d; verified %d, of the commitments %d",
				f, n, st.Overdue, st.Total, len(all), st.Verified, verified[""])
		}
		sawOverdue = sawOverdue || st.Overdue > 0
		sawOnTime = sawOnTime || st.Overdue < st.Total
	}
	if !sawOverdue || !sawOnTime {
		t.Fatalf("the demo data at the end of 2015 should hold overdue and punctual commitments (overdue seen %v, on time seen %v)", sawOverdue, sawOnTime)
	}
}

type stakeholderFigures struct {
	Stakeholder struct{ ID, Name string }
	Count       int
	Overdue     int
	Verified    int
	Average     float64 `json:"averageProgress"`
}

type stakeholderPage struct {
	TotalCount int
	Edges      []struct {
		Cursor string
		Node   stakeholderFigures
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		EndCursor                    *string
	}
}

const byStakeholderQuery = `query($f: CommitmentFilter, $role: ParticipantRole, $o: StakeholderStatsOrder, $first: Int, $after: String) {
	commitmentStats(filter: $f) { byStakeholder(role: $role, orderBy: $o, first: $first, after: $after) {
		totalCount edges { cursor node { stakeholder { id name } count overdue verified averageProgress } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`

func byStakeholder(t *testing.T, s *testServer, vars map[string]any) stakeholderPage {
	t.Helper()
	var d struct {
		CommitmentStats struct{ ByStakeholder stakeholderPage }
	}
	s.query(byStakeholderQuery, vars, &d)
	return d.CommitmentStats.ByStakeholder
}

// wantByStakeholder counts commitments per stakeholder with role (every
// participant when "").
func wantByStakeholder(all []analyticsCommitment, role string) map[string]stakeholderFigures {
	want := map[string]stakeholderFigures{}
	for _, c := range all {
		for _, p := range c.Partners {
			if role != "" && p.Role != role {
				continue
			}
			w := want[p.Stakeholder.ID]
			w.Count++
			w.Average += float64(c.Progress)
			if c.Overdue {
				w.Overdue++
			}
			if c.Verification == "VERIFIED" {
				w.Verified++
			}
			want[p.Stakeholder.ID] = w
		}
	}
	for id, w := range want {
		w.Average /= float64(w.Count)
		want[id] = w
	}
	return want
}

func analyticsByStakeholder(t *testing.T, s *testServer) {
	check := func(when string) {
		t.Helper()
		for _, f := range analyticsFilters[:4] {
			all := allCommitments(t, s, f)
			for _, role := range []any{nil, "LEAD", "FUNDING", "IMPLEMENTING"} {
				r, _ := role.(string)
				want := wantByStakeholder(all, r)
				p := byStakeholder(t, s, map[string]any{"f": f, "role": role, "o": map[string]any{"field": "OVERDUE", "direction": "DESC"}, "first": 100})
				if p.TotalCount != len(want) || len(p.Edges) != len(want) {
					t.Errorf("%s, %v, role %v: %d stakeholders (%d on the page), their commitments name %d", when, f, role, p.TotalCount, len(p.Edges), len(want))
				}
				for i, e := range p.Edges {
					w := want[e.Node.Stakeholder.ID]
					if e.Node.Count != w.Count || e.Node.Overdue != w.Overdue || e.Node.Verified != w.Verified || diff(e.Node.Average, w.Average) > 1e-9 {
						t.Errorf("%s, %v, role %v: %s counts %d, %d overdue, %d verified, average %v; its commitments %d, %d, %d, %v", when, f, role, e.Node.Stakeholder.Name,
							e.Node.Count, e.Node.Overdue, e.Node.Verified, e.Node.Average, w.Count, w.Overdue, w.Verified, w.Average)
					}
					if i > 0 {
						prev := p.Edges[i-1].Node
						if prev.Overdue < e.Node.Overdue || (prev.Overdue == e.Node.Overdue && strings.ToLower(prev.Stakeholder.Name) < strings.ToLower(e.Node.Stakeholder.Name)) {
							t.Errorf("%s, %v: %s (%d overdue) before %s (%d)", when, f, prev.Stakeholder.Name, prev.Overdue, e.Node.Stakeholder.Name, e.Node.Overdue)
						}
					}
				}
			}
		}
	}
	check("on the demo data")

	// The analyst's question, at a cost the gateway bounds: one bar, not a
	// page of stakeholders each with a page of commitments.
	const most = `{ commitmentStats { byStakeholder(role: LEAD, orderBy: {field: OVERDUE, direction: DESC}, first: 1) { nodes { stakeholder { name } overdue count } } } }`
	r := gwPost(t, s.url, map[string]any{"query": most})
	cost, _ := r.resp.Extensions["cost"].(map[string]any)
	const nested = `{ stakeholders(first: 100) { nodes { name commitments(first: 100, roles: [LEAD]) { nodes { overdue } } } } }`
	rn := gwPost(t, s.url, map[string]any{"query": nested})
	nestedCost, _ := rn.resp.Extensions["cost"].(map[string]any)
	if r.status != 200 || r.code() != "" || cost["requestedQueryCost"] != float64(4) {
		t.Errorf("the most overdue lead: %s; want cost 4 (commitmentStats, byStakeholder, one node and its stakeholder)", r)
	}
	if nestedCost["requestedQueryCost"] != float64(10201) {
		t.Errorf("the nested query it replaces costs %v, the issue measured 10,201", nestedCost["requestedQueryCost"])
	}
	var top struct {
		CommitmentStats struct {
			ByStakeholder struct{ Nodes []stakeholderFigures }
		}
	}
	if err := json.Unmarshal(r.resp.Data, &top); err != nil {
		t.Fatal(err)
	}
	leads := wantByStakeholder(allCommitments(t, s, nil), "LEAD")
	most1 := top.CommitmentStats.ByStakeholder.Nodes
	if len(most1) != 1 {
		t.Fatalf("first: 1 gave %d stakeholders", len(most1))
	}
	for _, w := range leads {
		if w.Overdue > most1[0].Overdue {
			t.Errorf("%s leads %d overdue commitments, but a stakeholder leads %d", most1[0].Stakeholder.Name, most1[0].Overdue, w.Overdue)
		}
	}

	// A change moves the figures at once: the most overdue lead
	// completes one of its overdue commitments.
	var id string
	for _, c := range allCommitments(t, s, map[string]any{"overdue": true}) {
		if c.Lead.ID != "" && leadName(t, s, c.Lead.ID) == most1[0].Stakeholder.Name {
			id = c.Reference
			break
		}
	}
	if id == "" {
		t.Fatal("no overdue commitment of the most overdue lead")
	}
	var res struct {
		ReportProgress struct{ UserErrors []struct{ Message string } }
	}
	s.mutate(`mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
		map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, id), "progress": 100, "status": "COMPLETED", "note": "done at last"}}, &res)
	if len(res.ReportProgress.UserErrors) > 0 {
		t.Fatalf("completing %s: %+v", id, res.ReportProgress.UserErrors)
	}
	check("after " + id + " was completed")

	// A verdict moves the verified counts at once: the secretariat
	// verifies the latest report of a commitment not yet verified.
	var judged string
	for _, c := range allCommitments(t, s, nil) {
		if c.Verification == "VERIFIED" || c.LatestReport == nil || c.Reference == id {
			continue
		}
		r := s.do(true, verifyMutation, map[string]any{"in": map[string]any{"reportId": c.LatestReport.ID, "verdict": "VERIFIED", "note": "minutes and photos checked"}})
		var p verifyPayload
		if json.Unmarshal(r.Data, &p) == nil && len(r.Errors) == 0 && len(p.VerifyProgressReport.UserErrors) == 0 && p.VerifyProgressReport.Commitment.Verification == "VERIFIED" {
			judged = c.Reference
			break
		}
	}
	if judged == "" {
		t.Fatal("the secretariat could verify no report")
	}
	if st := statsOf(t, s, nil); st.Verified == 0 {
		t.Fatalf("%s was verified, yet commitmentStats counts no verified commitment", judged)
	}
	check("after " + judged + " was verified")

	// Pages of two walk the whole list once, in order, in every order.
	for _, o := range []map[string]any{{"field": "COUNT", "direction": "DESC"}, {"field": "OVERDUE", "direction": "ASC"}, {"field": "VERIFIED", "direction": "DESC"},
		{"field": "AVERAGE_PROGRESS", "direction": "DESC"}, {"field": "NAME"}} {
		whole := byStakeholder(t, s, map[string]any{"o": o, "first": 100})
		var walked []string
		var after any
		for range 100 {
			p := byStakeholder(t, s, map[string]any{"o": o, "first": 2, "after": after})
			for _, e := range p.Edges {
				walked = append(walked, e.Cursor)
			}
			if !p.PageInfo.HasNextPage {
				break
			}
			after = *p.PageInfo.EndCursor
		}
		var cursors []string
		for _, e := range whole.Edges {
			cursors = append(cursors, e.Cursor)
		}
		if !slices.Equal(walked, cursors) || len(cursors) < 10 {
			t.Errorf("order %v: pages of two walked %d bars, one page holds %d", o, len(walked), len(cursors))
		}
	}

	// Bad arguments are the client's error.
	for _, bad := range []struct {
		vars map[string]any
		code string
	}{
		{map[string]any{"first": 101}, "BAD_USER_INPUT"},
		{map[string]any{"first": 2, "after": "not a cursor"}, "BAD_USER_INPUT"},
		{map[string]any{"role": "CHAIR"}, "GRAPHQL_VALIDATION_FAILED"},
		{map[string]any{"o": map[string]any{"field": "SIZE"}}, "GRAPHQL_VALIDATION_FAILED"},
		{map[string]any{"f": map[string]any{"stakeholderIds": []string{"bogus"}}}, "BAD_USER_INPUT"},
	} {
		if r := s.do(false, byStakeholderQuery, bad.vars); !clientError(r, bad.code) {
			t.Errorf("%v: %s, want %s", bad.vars, r.body, bad.code)
		}
	}
}

// clientError reports whether r failed with code and no data.
func clientError(r response, code string) bool {
	return r.code() == code && (len(r.Data) == 0 || string(r.Data) == "null")
}

func leadName(t *testing.T, s *testServer, id string) string {
	t.Helper()
	var d struct{ Node struct{ Name string } }
	s.query(`query($id: ID!) { node(id: $id) { ... on Stakeholder { name } } }`, map[string]any{"id": id}, &d)
	return d.Node.Name
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// analyticsLeadSectors: for every filter and sector, the bar of bySector
// counts what commitments(filter + leadSectors: [sector]) lists, all led
// from that sector, and its overdue count what the same filter with
// overdue: true lists.
func analyticsLeadSectors(t *testing.T, s *testServer) {
	for _, f := range analyticsFilters {
		st := statsOf(t, s, f)
		for _, b := range st.BySector {
			g := map[string]any{"leadSectors": []string{b.Sector}}
			for k, v := range f {
				g[k] = v
			}
			list := allCommitments(t, s, g)
			var n struct{ Commitments struct{ TotalCount int } }
			s.query(`query($f: CommitmentFilter) { commitments(filter: $f) { totalCount } }`, map[string]any{"f": g}, &n)
			if n.Commitments.TotalCount != b.Count || len(list) != b.Count {
				t.Errorf("%v: sector %s counts %d, its drill-down totals %d and lists %d", f, b.Sector, b.Count, n.Commitments.TotalCount, len(list))
			}
			late := 0
			for _, c := range list {
				if c.Lead.Sector != b.Sector {
					t.Errorf("%v: the drill-down of %s lists %s, led from %s", f, b.Sector, c.Reference, c.Lead.Sector)
				}
				if c.Overdue {
					late++
				}
			}
			if late != b.Overdue {
				t.Errorf("%v: sector %s has %d overdue, its drill-down %d", f, b.Sector, b.Overdue, late)
			}
		}
	}
	if r := s.do(false, `{ commitments(filter: {leadSectors: [NOWHERE]}) { totalCount } }`, nil); r.code() == "" {
		t.Errorf("an unknown sector: %s", r.body)
	}
}

type analyticsOutcome struct {
	ID          string
	Summary     string
	Details     string
	DueDate     *string
	Status      string
	RecordedAt  string
	UpdatedAt   string
	Commitments []struct{ Pillar struct{ ID string } }
}

const outcomesQuery = `query($f: OutcomeFilter, $o: OutcomeOrder, $first: Int, $after: String) {
	outcomes(filter: $f, orderBy: $o, first: $first, after: $after) { totalCount
		edges { cursor node { id summary details dueDate status recordedAt updatedAt commitments { pillar { id } } } }
		pageInfo { hasNextPage endCursor } } }`

type outcomePage struct {
	TotalCount int
	Edges      []struct {
		Cursor string
		Node   analyticsOutcome
	}
	PageInfo struct {
		HasNextPage bool
		EndCursor   *string
	}
}

func outcomes(t *testing.T, s *testServer, vars map[string]any) outcomePage {
	t.Helper()
	var d struct{ Outcomes outcomePage }
	s.query(outcomesQuery, vars, &d)
	return d.Outcomes
}

func analyticsOutcomeFilters(t *testing.T, s *testServer, today string) {
	var all []analyticsOutcome
	for _, e := range outcomes(t, s, map[string]any{"first": 100}).Edges {
		all = append(all, e.Node)
	}
	if len(all) < 10 {
		t.Fatalf("the demo data hold %d outcomes", len(all))
	}
	p2 := gid(hub.TypePillar, "p2")
	for _, c := range []struct {
		filter map[string]any
		in     func(o analyticsOutcome) bool
	}{
		{map[string]any{"dueAfter": "2012-01-01"}, func(o analyticsOutcome) bool { return o.DueDate != nil && *o.DueDate >= "2012-01-01" }},
		{map[string]any{"dueBefore": "2012-06-30"}, func(o analyticsOutcome) bool { return o.DueDate != nil && *o.DueDate <= "2012-06-30" }},
		{map[string]any{"dueAfter": "2011-09-30", "dueBefore": "2012-03-31"}, func(o analyticsOutcome) bool {
			return o.DueDate != nil && *o.DueDate >= "2011-09-30" && *o.DueDate <= "2012-03-31"
		}},
		{map[string]any{"overdue": true}, func(o analyticsOutcome) bool {
			return o.DueDate != nil && *o.DueDate < today && (o.Status == "OPEN" || o.Status == "IN_PROGRESS")
		}},
		{map[string]any{"overdue": false}, func(o analyticsOutcome) bool {
			return !(o.DueDate != nil && *o.DueDate < today && (o.Status == "OPEN" || o.Status == "IN_PROGRESS"))
		}},
		{map[string]any{"search": "  MENTOR "}, func(o analyticsOutcome) bool {
			return strings.Contains(strings.ToLower(o.Summary+"\x00"+o.Details), "mentor")
		}},
		{map[string]any{"pillarIds": []string{p2}}, func(o analyticsOutcome) bool {
			return slices.ContainsFunc(o.Commitments, func(c struct{ Pillar struct{ ID string } }) bool { return c.Pillar.ID == p2 })
		}},
		{map[string]any{"pillarIds": []string{p2}, "statuses": []string{"DONE"}, "dueBefore": "2013-01-01"}, func(o analyticsOutcome) bool {
			return o.Status == "DONE" && o.DueDate != nil && *o.DueDate <= "2013-01-01" &&
				slices.ContainsFunc(o.Commitments, func(c struct{ Pillar struct{ ID string } }) bool { return c.Pillar.ID == p2 })
		}},
		{map[string]any{"dueAfter": "2030-01-01"}, func(analyticsOutcome) bool { return false }},
	} {
		var want []string
		for _, o := range all {
			if c.in(o) {
				want = append(want, o.ID)
			}
		}
		p := outcomes(t, s, map[string]any{"f": c.filter, "first": 100})
		var got []string
		for _, e := range p.Edges {
			got = append(got, e.Node.ID)
		}
		if !slices.Equal(got, want) || p.TotalCount != len(want) {
			t.Errorf("outcomes(filter: %v): %d (total %d), want %d", c.filter, len(got), p.TotalCount, len(want))
		}
		if (len(want) == len(all) || len(want) == 0) && c.filter["dueAfter"] != "2030-01-01" {
			t.Errorf("filter %v selects %d of %d outcomes: it tests nothing", c.filter, len(want), len(all))
		}
	}
	for _, bad := range []struct {
		filter map[string]any
		code   string
	}{
		{map[string]any{"dueAfter": "2012-13-01"}, "BAD_USER_INPUT"},
		{map[string]any{"pillarIds": []string{gid(hub.TypeCommitment, "C-2.1-001")}}, "BAD_USER_INPUT"},
		{map[string]any{"overdue": "yes"}, "GRAPHQL_VALIDATION_FAILED"},
	} {
		if r := s.do(false, outcomesQuery, map[string]any{"f": bad.filter}); !clientError(r, bad.code) {
			t.Errorf("outcomes(filter: %v): %s, want %s", bad.filter, r.body, bad.code)
		}
	}
}

// analyticsOrders: each order of outcomes, stakeholders and meetings,
// both ways, sorts by its field with a stable tie-break, and pages of
// three walk the same list as one page.
func analyticsOrders(t *testing.T, s *testServer) {
	type list struct {
		name, query, field string
		fields             []string
		value              func(node map[string]any, field string) string
	}
	str := func(node map[string]any, key string) string {
		v, _ := node[key].(string)
		return v
	}
	lists := []list{
		{"outcomes", `query($o: OutcomeOrder, $first: Int, $after: String) { page: outcomes(orderBy: $o, first: $first, after: $after) {
			edges { cursor node { id dueDate recordedAt updatedAt } } pageInfo { hasNextPage endCursor } } }`, "OutcomeOrder",
			[]string{"RECORDED_AT", "DUE_DATE", "UPDATED_AT"}, func(n map[string]any, f string) string {
				switch f {
				case "DUE_DATE":
					if d := str(n, "dueDate"); d != "" {
						return d
					}
					return "~"
				case "UPDATED_AT":
					return utc(t, str(n, "updatedAt"))
				}
				return utc(t, str(n, "recordedAt"))
			}},
		{"stakeholders", `query($o: StakeholderOrder, $first: Int, $after: String) { page: stakeholders(orderBy: $o, first: $first, after: $after) {
			edges { cursor node { id name sector createdAt updatedAt } } pageInfo { hasNextPage endCursor } } }`, "StakeholderOrder",
			[]string{"NAME", "SECTOR", "CREATED_AT", "UPDATED_AT"}, func(n map[string]any, f string) string {
				switch f {
				case "SECTOR":
					return fmt.Sprint(slices.Index([]string{"GOVERNMENT", "CIVIL_SOCIETY", "PRIVATE_SECTOR", "INTERNATIONAL_PARTNER"}, str(n, "sector")))
				case "CREATED_AT":
					return utc(t, str(n, "createdAt"))
				case "UPDATED_AT":
					return utc(t, str(n, "updatedAt"))
				}
				return strings.ToLower(str(n, "name"))
			}},
		{"meetings", `query($o: MeetingOrder, $first: Int, $after: String) { page: meetings(orderBy: $o, first: $first, after: $after) {
			edges { cursor node { id title startsAt updatedAt } } pageInfo { hasNextPage endCursor } } }`, "MeetingOrder",
			[]string{"STARTS_AT", "TITLE", "UPDATED_AT"}, func(n map[string]any, f string) string {
				switch f {
				case "TITLE":
					return strings.ToLower(str(n, "title"))
				case "UPDATED_AT":
					return utc(t, str(n, "updatedAt"))
				}
				return utc(t, str(n, "startsAt"))
			}},
	}
	type page struct {
		Page struct {
			Edges []struct {
				Cursor string
				Node   map[string]any
			}
			PageInfo struct {
				HasNextPage bool
				EndCursor   *string
			}
		}
	}
	for _, l := range lists {
		for _, field := range l.fields {
			for _, dir := range []string{"ASC", "DESC"} {
				o := map[string]any{"field": field, "direction": dir}
				var whole page
				s.query(l.query, map[string]any{"o": o, "first": 100}, &whole)
				edges := whole.Page.Edges
				if len(edges) < 3 {
					t.Fatalf("%s by %s: %d items", l.name, field, len(edges))
				}
				values := make([]string, len(edges))
				for i, e := range edges {
					values[i] = l.value(e.Node, field)
				}
				sortedValues := slices.Clone(values)
				sort.Strings(sortedValues)
				if dir == "DESC" {
					slices.Reverse(sortedValues)
				}
				if !slices.Equal(values, sortedValues) {
					t.Errorf("%s by %s %s is not in order: %v", l.name, field, dir, values)
				}
				var walked []string
				var after any
				for range 100 {
					var p page
					s.query(l.query, map[string]any{"o": o, "first": 3, "after": after}, &p)
					for _, e := range p.Page.Edges {
						walked = append(walked, e.Cursor)
					}
					if !p.Page.PageInfo.HasNextPage {
						break
					}
					after = *p.Page.PageInfo.EndCursor
				}
				var cursors []string
				for _, e := range edges {
					cursors = append(cursors, e.Cursor)
				}
				if !slices.Equal(walked, cursors) {
					t.Errorf("%s by %s %s: pages of three walked %d items, one page holds %d", l.name, field, dir, len(walked), len(cursors))
				}
			}
		}
		// Without orderBy the order is the one it always was; a bad field
		// or direction is the client's error.
		if r := s.do(false, l.query, map[string]any{"o": map[string]any{"field": "SIZE"}}); !clientError(r, "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("%s by an unknown field: %s", l.name, r.body)
		}
		if r := s.do(false, l.query, map[string]any{"o": map[string]any{"field": l.fields[0], "direction": "UP"}}); !clientError(r, "GRAPHQL_VALIDATION_FAILED") {
			t.Errorf("%s in an unknown direction: %s", l.name, r.body)
		}
		if r := s.do(false, l.query, map[string]any{"o": map[string]any{"field": l.fields[0]}, "first": 2, "after": "not a cursor"}); !clientError(r, "BAD_USER_INPUT") {
			t.Errorf("%s after a bad cursor: %s", l.name, r.body)
		}
	}
	var def, asked struct {
		Outcomes struct{ Nodes []struct{ ID string } }
	}
	s.query(`{ outcomes(first: 100) { nodes { id } } }`, nil, &def)
	s.query(`{ outcomes(first: 100, orderBy: {field: RECORDED_AT, direction: DESC}) { nodes { id } } }`, nil, &asked)
	if !slices.EqualFunc(def.Outcomes.Nodes, asked.Outcomes.Nodes, func(a, b struct{ ID string }) bool { return a.ID == b.ID }) {
		t.Error("outcomes without orderBy are no longer newest first")
	}
}

// utc turns an RFC 3339 time into a UTC text that sorts in time order.
func utc(t *testing.T, s string) string {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return at.UTC().Format("2006-01-02T15:04:05.000000000")
}

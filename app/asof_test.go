package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// asOfQuery asks everything asOf answers for: a commitment, a filtered and
// ordered page of them, the figures, and a stakeholder with its
// commitments, the series of their progress included.
const asOfQuery = `query($id: ID!, $lead: ID!, $asOf: DateTime) {
  commitment(id: $id, asOf: $asOf) {
    reference title status progress overdue version updatedAt completedAt dueDate
    lead { name } objective { code pillar { code } } pillar { code } participants { role stakeholder { name } }
    indicators { name latestValue target }
    progressReports(first: 3) { totalCount nodes { progress status note } }
    history(last: 2) { totalCount nodes { kind version } }
    outcomes { id }
    progressSeries(interval: YEAR, from: "2011-01-01", to: "2026-12-31") { start progress reports }
  }
  commitments(first: 30, asOf: $asOf, filter: {overdue: true}, orderBy: {field: PROGRESS, direction: DESC}) {
    totalCount nodes { reference title progress status overdue dueDate }
  }
  commitmentStats(asOf: $asOf) {
    total averageProgress overdue
    byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { code title } count averageProgress }
    progressSeries(interval: QUARTER, from: "2011-01-01", to: "2026-12-31") { start end progress commitments reports }
  }
  stakeholder(id: $lead, asOf: $asOf) { name description version commitments(first: 50) { totalCount nodes { reference progress overdue } } }
}`

// TestAsOfAnswersAsRecorded records the answers of asOfQuery while
// changes happen through the API, then asks each recorded instant again
// with asOf: the answers must be the same.
func TestAsOfAnswersAsRecorded(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	var first struct {
		Commitments struct {
			Nodes []struct {
				ID, Reference string
				Lead          struct{ ID string }
				Objective     struct{ ID string }
			}
		}
	}
	s.query(`{ commitments(first: 1, filter: {statuses: [ON_TRACK, AT_RISK, DELAYED]}) { nodes { id reference lead { id } objective { id } } } }`, nil, &first)
	c := first.Commitments.Nodes[0]
	vars := func(at *time.Time) map[string]any {
		v := map[string]any{"id": c.ID, "lead": c.Lead.ID}
		if at != nil {
			v["asOf"] = at.Format(time.RFC3339Nano)
		}
		return v
	}
	ask := func(at *time.Time) string {
		t.Helper()
		r := s.do(false, asOfQuery, vars(at))
		if len(r.Errors) > 0 {
			t.Fatalf("asOf %v: %+v", at, r.Errors)
		}
		return string(r.Data)
	}

	steps := []struct {
		what  string
		query string
		vars  map[string]any
	}{
		{"report progress", `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"commitmentId": c.ID, "progress": 61, "status": "AT_RISK", "note": "Slower than planned"}}},
		{"retitle and move the due date", `mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"id": c.ID, "title": "Renamed while the test records", "dueDate": "2031-06-30"}}},
		{"rename the lead", `mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"id": c.Lead.ID, "description": "Described while the test records"}}},
		{"a new commitment", `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"objectiveId": c.Objective.ID, "leadId": c.Lead.ID, "title": "Made while the test records",
				"startDate": "2020-01-01", "dueDate": "2021-01-01"}}},
		{"complete it", `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
			map[string]any{"in": map[string]any{"commitmentId": c.ID, "progress": 100, "status": "COMPLETED", "note": "Done at last"}}},
	}
	type recorded struct {
		at     time.Time
		answer string
	}
	var answers []recorded
	record := func() {
		answer := ask(nil)
		at := time.Now()
		answers = append(answers, recorded{at, answer})
		time.Sleep(2 * time.Millisecond) // event times hold milliseconds: the next change comes after at
	}
	record()
	for _, st := range steps {
		var out map[string]struct{ UserErrors []struct{ Message string } }
		s.mutate(st.query, st.vars, &out)
		for _, p := range out {
			if len(p.UserErrors) > 0 {
				t.Fatalf("%s: %+v", st.what, p.UserErrors)
			}
		}
		record()
	}
	for i := 1; i < len(answers); i++ {
		if answers[i].answer == answers[i-1].answer {
			t.Fatalf("step %q changed nothing the query shows", steps[i-1].what)
		}
	}
	for i, a := range answers {
		if got := ask(&a.at); got != a.answer {
			t.Errorf("asOf the time of answer %d (%v):\n got %s\nwant %s", i, a.at, got, a.answer)
		}
	}
	// Restarted, the hub rebuilds its timelines from the checkpoints' histories.
	s.stop()
	s = startServer(t, s.dir, hub.Options{})
	for i, a := range answers {
		if got := ask(&a.at); got != a.answer {
			t.Errorf("after a restart, asOf the time of answer %d:\n got %s\nwant %s", i, got, a.answer)
		}
	}
}

// TestAsOfTheDemoPlan: the demo's data carry the plan's own dates, so "the
// end of 2013" has an answer of its own, overdue judged then.
func TestAsOfTheDemoPlan(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	type stats struct {
		CommitmentStats struct {
			Total, Overdue  int
			AverageProgress float64
			ByStatus        []struct {
				Status string
				Count  int
			}
		}
		Commitments struct {
			TotalCount int
			Nodes      []struct {
				Reference, DueDate, Status string
				Overdue                    bool
				Progress                   int
				ProgressReports            struct {
					Nodes []struct {
						Progress   int
						ReportedAt time.Time
					}
				}
			}
		}
	}
	q := `query($asOf: DateTime) {
	  commitmentStats(asOf: $asOf) { total overdue averageProgress byStatus { status count } }
	  commitments(first: 100, asOf: $asOf) { totalCount nodes { reference dueDate status overdue progress progressReports(first: 1) { nodes { progress reportedAt } } } }
	}`
	var now, then stats
	s.query(q, nil, &now)
	end2013 := "2013-12-31T23:59:59-06:00"
	s.query(q, map[string]any{"asOf": end2013}, &then)
	n, p := now.CommitmentStats, then.CommitmentStats
	if p.Total == 0 || p.Total > n.Total || p.AverageProgress >= n.AverageProgress || p.Overdue >= n.Overdue {
		t.Fatalf("at the end of 2013: %+v; now: %+v", p, n)
	}
	cut, _ := time.Parse(time.RFC3339, end2013)
	for _, c := range then.Commitments.Nodes {
		open := c.Status != "COMPLETED" && c.Status != "CANCELLED"
		if want := open && c.DueDate < "2013-12-31"; c.Overdue != want {
			t.Errorf("%s due %s: overdue %v at the end of 2013", c.Reference, c.DueDate, c.Overdue)
		}
		if r := c.ProgressReports.Nodes; len(r) > 0 && (r[0].ReportedAt.After(cut) || r[0].Progress != c.Progress) {
			t.Errorf("%s at the end of 2013: progress %d, latest report %+v", c.Reference, c.Progress, r[0])
		}
	}
	if then.Commitments.TotalCount != p.Total {
		t.Errorf("%d commitments listed, %d counted", then.Commitments.TotalCount, p.Total)
	}
	var before stats
	s.query(q, map[string]any{"asOf": "1999-01-01"}, &before)
	if before.CommitmentStats.Total != 0 || before.Commitments.TotalCount != 0 {
		t.Errorf("before the plan: %+v", before)
	}
}

// TestAsOfRefusesBadInstants: a malformed instant and one after now are
// the client's error.
func TestAsOfRefusesBadInstants(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, q := range []string{
		`{ commitmentStats(asOf: "2013-13-45") { total } }`,
		`{ commitments(asOf: "yesterday") { totalCount } }`,
		`{ commitmentStats(asOf: 2013) { total } }`,
		`{ commitmentStats(asOf: "` + future + `") { total } }`,
		`{ commitments(asOf: "9999-12-31T23:59:59Z") { totalCount } }`,
		`{ commitment(id: "x", asOf: "` + future + `") { title } }`,
		`{ stakeholder(id: "x", asOf: "` + future + `") { name } }`,
	} {
		r := s.do(false, q, nil)
		if r.code() != "BAD_USER_INPUT" {
			t.Errorf("%s: %s", q, r.body)
		}
	}
	r := s.do(false, `{ commitmentStats(asOf: "`+future+`") { total } }`, nil)
	if msg := r.Errors[0].Message; !strings.Contains(msg, "after now") {
		t.Errorf("the future refused with %q", msg)
	}
}

// TestAsOfKeepsTodaysPolicy: a meeting made private after an instant does
// not show through asOf to those who may not see it now, in the API and in
// the exports.
func TestAsOfKeepsTodaysPolicy(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	var found struct {
		Outcomes struct {
			Nodes []struct {
				ID          string
				Meeting     struct{ ID string }
				Commitments []struct{ ID string }
			}
		}
	}
	s.query(`{ outcomes(first: 100) { nodes { id meeting { id } commitments { id } } } }`, nil, &found)
	var outcome, meeting, commitment string
	for _, o := range found.Outcomes.Nodes {
		if len(o.Commitments) > 0 {
			outcome, meeting, commitment = o.ID, o.Meeting.ID, o.Commitments[0].ID
			break
		}
	}
	if outcome == "" {
		t.Fatal("no public outcome linked to a commitment in the demo")
	}
	then := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	var up map[string]struct{ UserErrors []struct{ Message string } }
	s.mutate(`mutation($id: ID!) { updateMeeting(input: {id: $id, private: true}) { userErrors { message } } }`, map[string]any{"id": meeting}, &up)
	if len(up["updateMeeting"].UserErrors) > 0 {
		t.Fatal(up)
	}
	q := `query($id: ID!, $asOf: DateTime) { commitment(id: $id, asOf: $asOf) { outcomes { id } } }`
	vars := map[string]any{"id": commitment, "asOf": then.Format(time.RFC3339Nano)}
	shows := func(admin bool) bool {
		r := s.do(admin, q, vars)
		if len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		return strings.Contains(string(r.Data), outcome)
	}
	if shows(false) {
		t.Error("asOf shows an anonymous caller the outcome of a meeting private now")
	}
	if !shows(true) {
		t.Error("asOf hides the outcome from the admin")
	}
	exported := func(token string) string {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/export/meetings.json?asOf="+url.QueryEscape(then.Format(time.RFC3339Nano)), nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("export: %d %s", res.StatusCode, body)
		}
		return string(body)
	}
	if strings.Contains(exported(""), meeting) {
		t.Error("the meetings export asOf shows an anonymous caller a meeting private now")
	}
	if all := exported(testAdminToken); !strings.Contains(all, meeting) || !strings.Contains(all, `"private":false`) {
		t.Error("the meetings export asOf does not show the admin the meeting as it was (public)")
	}
}

// TestAsOfExports: the exports take asOf as the API does.
func TestAsOfExports(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	get := func(path string) (int, string) {
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	type row struct {
		Reference string
		Progress  int
		Overdue   bool
	}
	rows := func(path string) []row {
		code, body := get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		var out []row
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	at := "2013-12-31T23:59:59-06:00"
	exported := rows("/export/commitments.json?asOf=" + url.QueryEscape(at))
	var api struct {
		Commitments struct{ Nodes []row }
	}
	s.query(`query($asOf: DateTime) { commitments(first: 100, asOf: $asOf) { nodes { reference progress overdue } } }`, map[string]any{"asOf": at}, &api)
	if fmt.Sprint(exported) != fmt.Sprint(api.Commitments.Nodes) {
		t.Errorf("export asOf %v\napi asOf %v", exported, api.Commitments.Nodes)
	}
	if now := rows("/export/commitments.json"); fmt.Sprint(now) == fmt.Sprint(exported) {
		t.Error("the export asOf the end of 2013 is today's")
	}
	code, body := get("/export/progress-reports.csv?asOf=" + url.QueryEscape(at))
	if code != http.StatusOK || strings.Contains(body, "2014-") || strings.Contains(body, "2015-") {
		t.Errorf("progress reports asOf the end of 2013: %d\n%s", code, body)
	}
	for _, bad := range []string{"asOf=not-a-time", "asOf=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))} {
		if code, body := get("/export/stakeholders.csv?" + bad); code != http.StatusBadRequest || !strings.Contains(body, "asOf") {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
	if code, _ := get("/export/audit-log.csv?asOf=2013-01-01"); code != http.StatusBadRequest && code != http.StatusUnauthorized {
		t.Errorf("audit log asOf: %d", code)
	}
}

package app

import (
	"strings"
	"testing"

	"convene/hub"
)

const periodsQuery = `query($id: ID!) { node(id: $id) { ... on Commitment {
	indicators { name baseline baselineDate baselineNote additive periods { start end target actual note breakdown { dimension value community { name } actual } } }
	progressReports(first: 5) { nodes { progress periodActuals { indicator periodStart actual note breakdown { dimension value actual } } } }
	history(last: 1) { nodes { kind fields { field } } } } } }`

// userErrorsAt runs a mutation as the admin and returns its payload's
// user errors' fields, joined with dots.
func userErrorsAt(t *testing.T, s *testServer, query string, in map[string]any) []string {
	t.Helper()
	var out map[string]struct {
		UserErrors []struct {
			Field   []string
			Message string
		}
	}
	s.mutate(query, map[string]any{"in": in}, &out)
	var fields []string
	for _, p := range out {
		for _, e := range p.UserErrors {
			fields = append(fields, strings.Join(e.Field, "."))
		}
	}
	return fields
}

// TestIndicatorPeriods: an indicator's baseline and periods through
// createCommitment, updateCommitment and reportProgress over the real
// server; every rule a user error naming its field; reports' actuals in
// the report, the indicator, the history, and after a restart.
func TestIndicatorPeriods(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	const create = `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { id } userErrors { field message } } }`
	indicator := func(periods ...map[string]any) map[string]any {
		return map[string]any{"name": "Young people mentored", "unit": "people", "baseline": 12, "baselineDate": "2013-12-31",
			"baselineNote": "Programme register, December 2013", "target": 200, "additive": true, "periods": periods}
	}
	period := func(start, end string, target float64) map[string]any {
		return map[string]any{"start": start, "end": end, "target": target}
	}
	commitment := func(ind map[string]any) map[string]any {
		return map[string]any{"objectiveId": gid(hub.TypeObjective, "o2-1"), "leadId": gid(hub.TypeStakeholder, "cydp"),
			"title": "Mentoring in Collet", "startDate": "2014-01-01", "dueDate": "2014-12-31", "indicators": []any{ind}}
	}
	for what, c := range map[string]struct {
		ind  map[string]any
		want string
	}{
		"overlapping periods":          {indicator(period("2014-01-01", "2014-06-30", 80), period("2014-06-01", "2014-12-31", 120)), "input.indicators.0.periods.1.start"},
		"a period ending before start": {indicator(period("2014-03-01", "2014-02-01", 80)), "input.indicators.0.periods.0.end"},
		"a period past the due date":   {indicator(period("2014-07-01", "2015-01-31", 80)), "input.indicators.0.periods.0.end"},
		"a period before the start":    {indicator(period("2013-12-01", "2014-03-31", 80)), "input.indicators.0.periods.0.start"},
		"a bad baseline date":          {map[string]any{"name": "x", "unit": "u", "baseline": 0, "target": 1, "baselineDate": "2013-02-30"}, ""},
	} {
		r := s.do(true, create, map[string]any{"in": commitment(c.ind)})
		if c.want == "" { // a Date the scalar refuses
			if r.code() != "BAD_USER_INPUT" && r.code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s: %s", what, r.body)
			}
			continue
		}
		if got := userErrorsAt(t, s, create, commitment(c.ind)); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: user errors at %v, want %s", what, got, c.want)
		}
	}

	var created struct {
		CreateCommitment struct{ Commitment struct{ ID string } }
	}
	s.mutate(create, map[string]any{"in": commitment(indicator(period("2014-07-01", "2014-12-31", 120), period("2014-01-01", "2014-06-30", 80)))}, &created)
	id := created.CreateCommitment.Commitment.ID
	if id == "" {
		t.Fatal("the commitment was not created")
	}

	const report = `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { progressReport { periodActuals { actual } } userErrors { field message } } }`
	actual := func(start string, value float64, parts ...map[string]any) map[string]any {
		return map[string]any{"indicator": "Young people mentored", "periodStart": start, "actual": value, "breakdown": parts}
	}
	part := func(dim, value string, n float64) map[string]any {
		return map[string]any{"dimension": dim, "value": value, "actual": n}
	}
	progress := func(actuals ...map[string]any) map[string]any {
		return map[string]any{"commitmentId": id, "progress": 40, "status": "ON_TRACK", "note": "First half", "periodActuals": actuals}
	}
	collet := gid(hub.TypeCommunity, "collet")
	for what, c := range map[string]struct {
		in   map[string]any
		want string
	}{
		"a breakdown over its total": {progress(actual("2014-01-01", 70, part("SEX", "FEMALE", 40), part("SEX", "MALE", 35))), "input.periodActuals.0.breakdown"},
		"no such period":             {progress(actual("2014-02-01", 70)), "input.periodActuals.0.periodStart"},
		"no such indicator":          {progress(map[string]any{"indicator": "Nothing", "periodStart": "2014-01-01", "actual": 1}), "input.periodActuals.0.indicator"},
		"an unknown sex":             {progress(actual("2014-01-01", 70, part("SEX", "X", 4))), "input.periodActuals.0.breakdown.0.value"},
		"a bad age band":             {progress(actual("2014-01-01", 70, part("AGE_BAND", "24-15", 4))), "input.periodActuals.0.breakdown.0.value"},
		"a community that is not":    {progress(actual("2014-01-01", 70, part("COMMUNITY", "nope", 4))), "input.periodActuals.0.breakdown.0.value"},
		"a period reported twice":    {progress(actual("2014-01-01", 70), actual("2014-01-01", 71)), "input.periodActuals.1.periodStart"},
		"a part given twice":         {progress(actual("2014-01-01", 70, part("AGE_BAND", "15-24", 4), part("AGE_BAND", "15-24", 5))), "input.periodActuals.0.breakdown.1.value"},
	} {
		if got := userErrorsAt(t, s, report, c.in); len(got) != 1 || got[0] != c.want {
			t.Errorf("%s: user errors at %v, want %s", what, got, c.want)
		}
	}
	good := progress(actual("2014-01-01", 74, part("SEX", "female", 40), part("SEX", "MALE", 34), part("AGE_BAND", "15-24", 60), part("COMMUNITY", collet, 74)))
	if got := userErrorsAt(t, s, report, good); len(got) != 0 {
		t.Fatalf("a good report: %v", got)
	}

	type answer struct {
		Node struct {
			Indicators []struct {
				Name, BaselineDate, BaselineNote string
				Baseline                         float64
				Additive                         bool
				Periods                          []struct {
					Start, End, Note string
					Target           float64
					Actual           *float64
					Breakdown        []struct {
						Dimension, Value string
						Community        *struct{ Name string }
						Actual           float64
					}
				}
			}
			ProgressReports struct {
				Nodes []struct {
					Progress      int
					PeriodActuals []struct {
						Indicator, PeriodStart string
						Actual                 float64
					}
				}
			}
			History struct {
				Nodes []struct {
					Kind   string
					Fields []struct{ Field string }
				}
			}
		}
	}
	var got answer
	s.query(periodsQuery, map[string]any{"id": id}, &got)
	ind := got.Node.Indicators[0]
	if ind.BaselineDate != "2013-12-31" || ind.BaselineNote == "" || !ind.Additive || len(ind.Periods) != 2 ||
		ind.Periods[1].Start != "2014-07-01" || ind.Periods[0].Actual == nil || *ind.Periods[0].Actual != 74 || ind.Periods[1].Actual != nil {
		t.Fatalf("the indicator %+v", ind)
	}
	b := ind.Periods[0].Breakdown
	if len(b) != 4 || b[0].Value != "FEMALE" || b[3].Value != collet || b[3].Community == nil || b[3].Community.Name == "" {
		t.Fatalf("the breakdown %+v", b)
	}
	if r := got.Node.ProgressReports.Nodes; len(r) != 1 || len(r[0].PeriodActuals) != 1 || r[0].PeriodActuals[0].PeriodStart != "2014-01-01" {
		t.Fatalf("the report %+v", r)
	}
	if h := got.Node.History.Nodes; len(h) != 1 || h[0].Kind != "ProgressReported" || !strings.Contains(mustString(t, h[0].Fields), "indicators") {
		t.Fatalf("the history %+v", h)
	}

	// Exported before any actual of the second period: its actual is empty.
	cydp := "stakeholderIds=" + gid(hub.TypeStakeholder, "cydp")
	if rows := s.export("indicator-periods.ndjson?"+cydp, "").mustOK(t, "indicator periods").objects(t, true); len(rows) != 2 ||
		rows[0]["actual"] == nil || rows[1]["actual"] != nil || rows[1]["period-start"].(map[string]any)["iso-date"] != "2014-07-01" {
		t.Fatalf("the NDJSON rows %s", mustJSON(t, rows))
	}
	if rows := s.export("indicator-periods.csv?"+cydp, "").mustOK(t, "indicator periods").records(t); len(rows) != 2 || rows[1]["actual"] != "" {
		t.Fatalf("the CSV rows %v", rows)
	}

	// Moving the due date before a period's end is refused; updating the
	// indicators keeps the actual of a period that keeps its start.
	const update = `mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) { commitment { id } userErrors { field message } } }`
	if got := userErrorsAt(t, s, update, map[string]any{"id": id, "dueDate": "2014-09-30"}); len(got) != 1 || got[0] != "input.indicators.0.periods.1.end" {
		t.Fatalf("an earlier due date: %v", got)
	}
	if got := userErrorsAt(t, s, update, map[string]any{"id": id, "indicators": []any{indicator(period("2014-01-01", "2014-06-30", 90))}}); len(got) != 0 {
		t.Fatalf("new periods: %v", got)
	}
	var after answer
	s.query(periodsQuery, map[string]any{"id": id}, &after)
	if p := after.Node.Indicators[0].Periods; len(p) != 1 || p[0].Target != 90 || p[0].Actual == nil || *p[0].Actual != 74 || len(p[0].Breakdown) != 4 {
		t.Fatalf("after new periods: %+v", p)
	}

	// The export: one row per period, IATI's element names in JSON.
	rows := s.export("indicator-periods.csv?"+cydp, "").mustOK(t, "indicator periods").records(t)
	if len(rows) != 1 || rows[0]["reference"] == "" || rows[0]["period-start"] != "2014-01-01" || rows[0]["period-end"] != "2014-06-30" ||
		rows[0]["target"] != "90" || rows[0]["indicator"] != "Young people mentored" || rows[0]["baseline"] != "12 (on 2013-12-31)" ||
		!strings.HasPrefix(rows[0]["actual"], "74 (sex FEMALE: 40; sex MALE: 34; age 15-24: 60; community ") {
		t.Fatalf("the CSV rows %v", rows)
	}
	objs := s.export("indicator-periods.json?"+cydp, "").mustOK(t, "indicator periods").objects(t, false)
	if len(objs) != 1 {
		t.Fatalf("the JSON rows %v", objs)
	}
	o := objs[0]
	actuals, _ := o["actual"].([]any)
	last, _ := actuals[len(actuals)-1].(map[string]any)
	if o["period-start"].(map[string]any)["iso-date"] != "2014-01-01" || o["target"].(map[string]any)["value"] != 90.0 ||
		o["baseline"].(map[string]any)["iso-date"] != "2013-12-31" || o["indicator"].(map[string]any)["title"] != "Young people mentored" ||
		o["result"].(map[string]any)["title"] != "Mentoring in Collet" || len(actuals) != 5 || actuals[0].(map[string]any)["value"] != 74.0 ||
		!strings.Contains(mustString(t, last["dimension"]), `"name":"community","value":"`+collet+`"`) {
		t.Fatalf("the JSON row %s", mustJSON(t, objs))
	}

	// After a restart (the report's event replayed from the log), the same.
	before := string(mustJSON(t, after))
	s.stop()
	s2 := startServer(t, dir, hub.Options{})
	var again answer
	s2.query(periodsQuery, map[string]any{"id": id}, &again)
	if string(mustJSON(t, again)) != before {
		t.Fatalf("after a restart:\n%s\nbefore:\n%s", mustJSON(t, again), before)
	}
}

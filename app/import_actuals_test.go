package app

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"convene/hub"
)

// TestProgressReportsPeriodActuals: the progress-reports export carries
// each report's period actuals as reportProgress takes them (in CSV one
// JSON array, in JSON an array), and the import reads that cell back: a
// row of the export imported again gives a report with the same actuals.
// A cell that is not such JSON, a community that is no global ID and an
// actual the hub refuses are problems at the periodActuals column.
func TestProgressReportsPeriodActuals(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	const ref = "C-1.3-003" // its second report gave actuals broken down by sex, age band and community
	type actual struct {
		Indicator   string
		PeriodStart string
		Actual      float64
		Note        string
		Breakdown   []struct {
			Dimension, Value string
			Actual           float64
		}
	}
	reports := func() [][]actual {
		var out struct {
			Commitment struct {
				ProgressReports struct {
					Nodes []struct{ PeriodActuals []actual }
				}
			}
		}
		s.query(`{ commitment(id: "`+gid(hub.TypeCommitment, ref)+`") { progressReports(first: 20) { nodes {
			periodActuals { indicator periodStart actual note breakdown { dimension value actual } } } } } }`, nil, &out)
		var all [][]actual
		for _, n := range out.Commitment.ProgressReports.Nodes {
			all = append(all, n.PeriodActuals)
		}
		return all
	}
	api := reports()

	// The export, newest first as the API: the cells decode to the API's actuals.
	rows := s.export("progress-reports.csv?search="+ref, "").mustOK(t, "csv").records(t)
	if len(rows) != len(api) {
		t.Fatalf("%d rows exported, the API lists %d reports", len(rows), len(api))
	}
	withActuals := -1
	for i, r := range rows {
		var got []actual
		if r["periodActuals"] != "" {
			if err := json.Unmarshal([]byte(r["periodActuals"]), &got); err != nil {
				t.Fatalf("row %d: periodActuals %q: %v", i, r["periodActuals"], err)
			}
			withActuals = i
		}
		if !reflect.DeepEqual(got, api[i]) && len(got)+len(api[i]) > 0 {
			t.Errorf("row %d: periodActuals %+v, the API says %+v", i, got, api[i])
		}
	}
	if withActuals < 0 || len(api[withActuals][0].Breakdown) < 7 {
		t.Fatalf("the demo's report with actuals is not exported: %v", rows)
	}
	if c := api[withActuals][0].Breakdown[4]; c.Dimension != "COMMUNITY" || c.Value != gid(hub.TypeCommunity, "collet") {
		t.Errorf("a community's part is %+v, want its global ID", c)
	}
	objs := s.export("progress-reports.json?search="+ref, "").mustOK(t, "json").objects(t, false)
	if as, _ := objs[withActuals]["periodActuals"].([]any); len(as) != 1 || as[0].(map[string]any)["indicator"] != api[withActuals][0].Indicator {
		t.Errorf("JSON periodActuals: %v", objs[withActuals]["periodActuals"])
	}
	if as, ok := objs[0]["periodActuals"].([]any); withActuals != 0 && (!ok || len(as) != 0) {
		t.Errorf("JSON periodActuals of a report without any: %v, want []", objs[0]["periodActuals"])
	}

	// Imported again (without reportedAt: the report is made now), the row
	// makes a newest report with the same actuals.
	row := rows[withActuals]
	file := func(actuals string) string {
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"reference", "progress", "status", "note", "periodActuals"})
		_ = w.Write([]string{ref, "70", "ON_TRACK", "actuals again", actuals})
		w.Flush()
		return b.String()
	}
	status, res, body := importCSV(t, s, testAdminToken, "", "text/csv", file(row["periodActuals"]))
	if status != http.StatusOK || res.Written != 1 {
		t.Fatalf("import: %d %s", status, body)
	}
	after := reports()
	if len(after) != len(api)+1 || !reflect.DeepEqual(after[0], api[withActuals]) {
		t.Errorf("the imported report's actuals are %+v, want %+v", after[0], api[withActuals])
	}
	if again := s.export("progress-reports.csv?search="+ref, "").mustOK(t, "csv").records(t); again[0]["periodActuals"] != row["periodActuals"] {
		t.Errorf("exported again: %q, want %q", again[0]["periodActuals"], row["periodActuals"])
	}

	// Bad cells: problems at the column, with the hub's word on what it says.
	for cell, want := range map[string]string{
		`{"indicator": "x"}`:   "is not a JSON array of reportProgress's periodActuals ([{\"indicator\": …, \"periodStart\": \"YYYY-MM-DD\", \"actual\": …, \"note\": …, \"breakdown\": [{\"dimension\": …, \"value\": …, \"actual\": …}]}]): the cell is a JSON object",
		`[{"actual": "many"}]`: "actual is a JSON string",
		`[{"indicator": "Young people completing sessions", "periodStart": "2014-09-01", "actual": 1, "colour": "red"}]`: `unknown field "colour"`,
		`[] []`: "there is more after the array",
		`[{"indicator": "Young people completing sessions", "periodStart": "2014-09-01", "actual": 10, "breakdown": [{"dimension": "COMMUNITY", "value": "collet", "actual": 1}]}]`: `"collet" is not a community's global ID`,
		`[{"indicator": "No such indicator", "periodStart": "2014-09-01", "actual": 10}]`:                                                                                           "0.indicator: ",
		`[{"indicator": "Young people completing sessions", "periodStart": "2014-09-01", "actual": 10, "breakdown": [{"dimension": "sex", "value": "FEMALE", "actual": 11}]}]`:      "0.breakdown",
	} {
		status, res, body := importCSV(t, s, testAdminToken, "?dryRun=true", "text/csv", file(cell))
		if status != http.StatusUnprocessableEntity || len(res.Problems) != 1 || res.Problems[0].Column != "periodActuals" || !strings.Contains(res.Problems[0].Message, want) {
			t.Errorf("%s: %d %s; want a problem at periodActuals saying %q", cell, status, body, want)
		}
	}
}

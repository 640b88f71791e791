package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"convene/hub"
)

// TestHistoryExports: progress reports, commitment history and the audit
// log as files, each against the GraphQL answer for the same filter; the
// audit log for admins only.
func TestHistoryExports(t *testing.T) {
	s := startServerConfig(t, testConfig(t.TempDir(), "--max-cost", "0"), hub.Options{}) // whole histories, to compare
	_, editor := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	pillar := gid(hub.TypeObjective, "o2-1")

	// Progress reports: one row per report of the selected commitments.
	var q struct {
		Commitments struct {
			Nodes []struct {
				Reference       string
				ProgressReports struct {
					Nodes []struct {
						Progress   int
						Note       string
						ReportedAt string
					}
				}
				History struct {
					Nodes []struct {
						Kind   string
						At     string
						Fields []struct {
							Field  string
							Before *string
							After  *string
						}
					}
				}
			}
		}
	}
	s.query(`query($p: ID!) { commitments(first: 8, filter: {objectiveIds: [$p]}) { nodes { reference
		progressReports(first: 25) { nodes { progress note reportedAt } }
		history(first: 30) { nodes { kind at fields { field before after } } } } } }`, map[string]any{"p": pillar}, &q)
	var wantReports, wantChanges []string
	for _, c := range q.Commitments.Nodes {
		for _, r := range c.ProgressReports.Nodes {
			wantReports = append(wantReports, c.Reference+"|"+r.Note)
		}
		for _, h := range c.History.Nodes {
			fields, _ := json.Marshal(h.Fields)
			wantChanges = append(wantChanges, c.Reference+"|"+h.Kind+"|"+strings.ToLower(string(fields)))
		}
	}
	if len(wantReports) < 4 {
		t.Fatalf("only %d reports under objective 2.1", len(wantReports))
	}
	rows := s.export("progress-reports.csv?objectiveIds="+pillar, "").mustOK(t, "progress reports").records(t)
	var gotReports []string
	for _, r := range rows {
		gotReports = append(gotReports, r["reference"]+"|"+r["note"])
	}
	if strings.Join(gotReports, "\n") != strings.Join(wantReports, "\n") {
		t.Errorf("progress reports:\n%v\nwant\n%v", gotReports, wantReports)
	}
	// The reports of one period only.
	late := s.export("progress-reports.json?objectiveIds="+pillar+"&from=2014-01-01", "").mustOK(t, "late reports").objects(t, false)
	if len(late) == 0 || len(late) >= len(rows) {
		t.Errorf("%d reports from 2014 of %d", len(late), len(rows))
	}
	for _, r := range late {
		if r["reportedAt"].(string) < "2014-01-01" {
			t.Errorf("a report before the period: %v", r)
		}
	}

	// Commitment history: the changes, fields as objects.
	changes := s.export("commitment-history.ndjson?objectiveIds="+pillar, "").mustOK(t, "history").objects(t, true)
	var gotChanges []string
	for _, c := range changes {
		raw, _ := json.Marshal(c["fields"])
		var typed []struct {
			Field  string
			Before *string
			After  *string
		}
		if err := json.Unmarshal(raw, &typed); err != nil {
			t.Fatal(err)
		}
		fields, _ := json.Marshal(typed)
		gotChanges = append(gotChanges, c["reference"].(string)+"|"+c["kind"].(string)+"|"+strings.ToLower(string(fields)))
	}
	if strings.Join(gotChanges, "\n") != strings.Join(wantChanges, "\n") {
		t.Errorf("history:\n%.2000s\nwant\n%.2000s", strings.Join(gotChanges, "\n"), strings.Join(wantChanges, "\n"))
	}
	created := s.export("commitment-history.csv?objectiveIds="+pillar+"&kinds=CommitmentCreated", "").mustOK(t, "creations").records(t)
	if len(created) != len(q.Commitments.Nodes) || !strings.Contains(created[0]["fields"], "title: ") {
		t.Errorf("%d creations of %d commitments: %v", len(created), len(q.Commitments.Nodes), created[0])
	}

	// The audit log: admins only, as the query.
	for token, want := range map[string]int{"": http.StatusUnauthorized, editor: http.StatusForbidden} {
		if e := s.export("audit-log.csv", token); e.status != want {
			t.Errorf("audit log as %q: %d, want %d", token, e.status, want)
		}
	}
	var audit struct{ AuditLog struct{ TotalCount int } }
	s.mustDecode(s.do(true, `{ auditLog(filter: {from: "2014-01-01T00:00:00Z"}) { totalCount } }`, nil), &audit)
	entries := s.export("audit-log.json?from=2014-01-01", testAdminToken).mustOK(t, "audit log").objects(t, false)
	if len(entries) != audit.AuditLog.TotalCount || len(entries) == 0 || entries[0]["entityType"] == nil {
		t.Errorf("audit log: %d rows, the query counts %d", len(entries), audit.AuditLog.TotalCount)
	}
	if e := s.export("audit-log.csv?entity=x", testAdminToken); e.status != http.StatusBadRequest {
		t.Errorf("an unknown parameter: %d", e.status)
	}
	if e := s.export("progress-reports.csv?from=yesterday", ""); e.status != http.StatusBadRequest {
		t.Errorf("a bad time: %d", e.status)
	}
}

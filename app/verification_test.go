package app

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"convene/hub"
	"convene/opaque"
)

const verifyMutation = `mutation($in: VerifyProgressReportInput!) { verifyProgressReport(input: $in) {
	commitment { version verification verifiedProgress progress latestReport { id verification { verdict } } }
	progressReport { id progress verification { verdict note evidence verifiedBy { role stakeholder { id } } verifiedAt } }
	userErrors { field message code } } }`

type verifyPayload struct {
	VerifyProgressReport struct {
		Commitment *struct {
			Version          int
			Verification     string
			VerifiedProgress int
			Progress         int
			LatestReport     struct {
				ID           string
				Verification *struct{ Verdict string }
			}
		}
		ProgressReport *struct {
			ID           string
			Progress     int
			Verification *struct {
				Verdict    string
				Note       string
				Evidence   []string
				VerifiedBy struct {
					Role        string
					Stakeholder struct{ ID string }
				}
				VerifiedAt string
			}
		}
		UserErrors []struct {
			Field         []string
			Message, Code string
		}
	}
}

// latestReportID is the global ID of a commitment's newest report.
func latestReportID(s *testServer, reference string) string {
	s.t.Helper()
	var out struct {
		CommitmentByReference struct{ LatestReport struct{ ID string } }
	}
	s.query(`query($r: String!) { commitmentByReference(reference: $r) { latestReport { id } } }`, map[string]any{"r": reference}, &out)
	return out.CommitmentByReference.LatestReport.ID
}

// TestVerifyProgressReport: over the real server, who may judge a report
// (FORBIDDEN for the others, with nothing written), what a verdict
// changes (the commitment's verification and verified progress, the
// roll-ups, the history, a subscriber's stream), and that it survives a
// restart.
func TestVerifyProgressReport(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	const ref = "C-2.1-003" // led by PfD (an international partner), which made its reports; BPD (government) takes part
	_, reporter := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	_, sameSector := issueToken(t, s, "EDITOR", "US Embassy officer", "us-embassy", nil)
	_, outsider := issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)
	_, checker := issueToken(t, s, "EDITOR", "BPD officer", "bpd", nil)
	_, viewer := issueToken(t, s, "VIEWER", "analyst", "", nil)
	reportID := latestReportID(s, ref)
	in := map[string]any{"reportId": reportID, "verdict": "VERIFIED", "note": "Certificates checked against the BPD training register.",
		"evidence": []string{"https://example.org/bpd/training-register-2013.pdf"}}

	for caller, c := range map[string]struct{ token, code string }{
		"anonymous":                              {"", "UNAUTHENTICATED"},
		"a viewer":                               {viewer, "FORBIDDEN"},
		"the reporter":                           {reporter, "FORBIDDEN"},
		"a participant of the reporter's sector": {sameSector, "FORBIDDEN"},
		"a stakeholder taking no part":           {outsider, "FORBIDDEN"},
	} {
		if r := s.as(c.token, verifyMutation, map[string]any{"in": in}); r.code() != c.code {
			t.Errorf("%s: code %q, want %s: %s", caller, r.code(), c.code, r.body)
		}
	}
	var still struct {
		CommitmentByReference struct {
			Verification     string
			VerifiedProgress int
		}
	}
	s.query(`{ commitmentByReference(reference: "`+ref+`") { verification verifiedProgress } }`, nil, &still)
	if still.CommitmentByReference.Verification != "UNVERIFIED" || still.CommitmentByReference.VerifiedProgress != 0 {
		t.Fatalf("after refused verdicts: %+v", still.CommitmentByReference)
	}

	// Bad input: user errors naming the field, never INTERNAL.
	for what, c := range map[string]struct {
		in    map[string]any
		field string
	}{
		"an ID of no report":              {map[string]any{"reportId": gid(hub.TypeCommitment, ref), "verdict": "VERIFIED", "note": "n"}, "input.reportId"},
		"garbage as an ID":                {map[string]any{"reportId": "not-an-id", "verdict": "VERIFIED", "note": "n"}, "input.reportId"},
		"a report past the last":          {map[string]any{"reportId": opaque.ReportID(ref, 99), "verdict": "VERIFIED", "note": "n"}, "input.reportId"},
		"a blank note":                    {map[string]any{"reportId": reportID, "verdict": "VERIFIED", "note": "  "}, "input.note"},
		"an evidence link that is no URL": {map[string]any{"reportId": reportID, "verdict": "DISPUTED", "note": "n", "evidence": []string{"see the file"}}, "input.evidence.0"},
	} {
		var out verifyPayload
		s.mustDecode(s.as(checker, verifyMutation, map[string]any{"in": c.in}), &out)
		ue := out.VerifyProgressReport.UserErrors
		if len(ue) != 1 || strings.Join(ue[0].Field, ".") != c.field || out.VerifyProgressReport.Commitment != nil {
			t.Errorf("%s: %+v, want one user error at %s", what, out.VerifyProgressReport, c.field)
		}
	}
	if r := s.as(checker, verifyMutation, map[string]any{"in": map[string]any{"reportId": reportID, "verdict": "MAYBE", "note": "n"}}); r.code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("an unknown verdict: %s", r.body)
	}

	seq := s.app.hub.Model().Seq()
	var out verifyPayload
	s.mustDecode(s.as(checker, verifyMutation, map[string]any{"in": in}), &out)
	p := out.VerifyProgressReport
	if len(p.UserErrors) > 0 || p.Commitment == nil || p.Commitment.Verification != "VERIFIED" || p.Commitment.VerifiedProgress != 100 ||
		p.Commitment.LatestReport.ID != reportID || p.Commitment.LatestReport.Verification.Verdict != "VERIFIED" {
		t.Fatalf("the verdict: %+v", p)
	}
	v := p.ProgressReport.Verification
	if p.ProgressReport.ID != reportID || v.Verdict != "VERIFIED" || v.Evidence[0] != in["evidence"].([]string)[0] || v.VerifiedBy.Role != "EDITOR" ||
		v.VerifiedBy.Stakeholder.ID != gid(hub.TypeStakeholder, "bpd") || v.VerifiedAt == "" {
		t.Fatalf("the report judged: %+v", p.ProgressReport)
	}

	// History and a subscriber replaying from before the verdict show it.
	replay := replayCommitment(t, s, ref, seq, 1)[0]
	fields := map[string]string{}
	for _, f := range replay.ChangedFields {
		fields[f.Field] = *f.After
	}
	if replay.Kind != "ProgressReportVerified" || !strings.Contains(fields["verdict"], `"verdict":"VERIFIED"`) || fields["verification"] != `"VERIFIED"` || fields["verifiedProgress"] != "100" {
		t.Fatalf("the subscriber saw %+v", replay)
	}
	var hist struct {
		CommitmentByReference struct {
			History struct {
				Nodes []struct {
					Kind   string
					Actor  struct{ Stakeholder struct{ ID string } }
					Fields []struct{ Field string }
				}
			}
		}
	}
	s.query(`{ commitmentByReference(reference: "`+ref+`") { history(last: 1) { nodes { kind actor { stakeholder { id } } fields { field } } } } }`, nil, &hist)
	if h := hist.CommitmentByReference.History.Nodes; len(h) != 1 || h[0].Kind != "ProgressReportVerified" || h[0].Actor.Stakeholder.ID != gid(hub.TypeStakeholder, "bpd") {
		t.Fatalf("history %+v", h)
	}

	// Roll-ups count verified progress apart from claimed progress.
	stats := `{ commitmentStats(filter: {pillarIds: ["` + gid(hub.TypePillar, "p2") + `"]}) { averageProgress verifiedProgress byPillar { verifiedProgress } bySector { sector verifiedProgress } } }`
	var st struct {
		CommitmentStats struct {
			AverageProgress, VerifiedProgress float64
			ByPillar                          []struct{ VerifiedProgress float64 }
			BySector                          []struct {
				Sector           string
				VerifiedProgress float64
			}
		}
	}
	s.query(stats, nil, &st)
	if st.CommitmentStats.VerifiedProgress <= 0 || st.CommitmentStats.VerifiedProgress >= st.CommitmentStats.AverageProgress {
		t.Fatalf("stats %+v", st.CommitmentStats)
	}

	// A new report awaits its verdict; the verified progress stays.
	var rp struct {
		ReportProgress struct {
			Commitment struct {
				Verification     string
				VerifiedProgress int
			}
			ProgressReport struct {
				ID           string
				Verification *struct{ Verdict string }
			}
		}
	}
	s.mustDecode(s.as(reporter, `mutation($id: ID!) { reportProgress(input: {commitmentId: $id, progress: 90, status: ON_TRACK, note: "Reopened for a second cohort."}) {
		commitment { verification verifiedProgress } progressReport { id verification { verdict } } } }`, map[string]any{"id": gid(hub.TypeCommitment, ref)}), &rp)
	if r := rp.ReportProgress; r.Commitment.Verification != "UNVERIFIED" || r.Commitment.VerifiedProgress != 100 || r.ProgressReport.ID == reportID || r.ProgressReport.Verification != nil {
		t.Fatalf("after a new report: %+v", r)
	}
	// The secretariat disputes it.
	s.mustDecode(s.do(true, verifyMutation, map[string]any{"in": map[string]any{"reportId": rp.ReportProgress.ProgressReport.ID, "verdict": "DISPUTED", "note": "No attendance lists yet."}}), &out)
	if c := out.VerifyProgressReport.Commitment; c == nil || c.Verification != "DISPUTED" || c.VerifiedProgress != 100 {
		t.Fatalf("disputed by the secretariat: %+v", out.VerifyProgressReport)
	}

	// After a restart, from the checkpoint and the log, the same.
	before2Version := out.VerifyProgressReport.Commitment.Version
	var before, after map[string]any
	q := `{ commitmentByReference(reference: "` + ref + `") { verification verifiedProgress progressReports(first: 3) { nodes { id verification { verdict note evidence verifiedBy { role } verifiedAt } } } } }`
	s.query(q, nil, &before)
	s.stop()
	s2 := startServer(t, dir, hub.Options{})
	s2.query(q, nil, &after)
	if b, a := string(mustJSON(t, before)), string(mustJSON(t, after)); a != b {
		t.Fatalf("after a restart:\n%s\nbefore:\n%s", a, b)
	}

	// Replayed from the log after the first verdict, the new report's
	// event (stored without the commitment's state) shows the commitment
	// of its time, rebuilt by undoing the later verdict: the new report
	// unverified, the one before it VERIFIED.
	ws := dialWS(t, s2, "graphql-transport-ws")
	defer ws.ws.CloseNow()
	ws.send(`{"type":"connection_init"}`)
	ws.expect("connection_ack")
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($ids: [ID!], $after: String) { commitmentUpdated(filter: {commitmentIds: $ids}, after: $after) {
			kind commitment { version verification verifiedProgress progressReports(first: 2) { nodes { verification { verdict } } } } } }`,
		"variables": map[string]any{"ids": []string{gid(hub.TypeCommitment, ref)},
			"after": base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(seq+1, 10)))}}})
	ws.send(string(sub))
	var replayed []string
	for range 2 {
		msg := ws.expect("next")
		replayed = append(replayed, string(mustJSON(t, msg["payload"])))
	}
	for _, want := range []string{`"kind":"ProgressReported"`, fmt.Sprintf(`"version":%d`, before2Version-1), `"verification":"UNVERIFIED","verifiedProgress":100`,
		`"nodes":[{"verification":null},{"verification":{"verdict":"VERIFIED"}}]`} {
		if !strings.Contains(replayed[0], want) {
			t.Fatalf("the report replayed, without %s: %s", want, replayed[0])
		}
	}
	if !strings.Contains(replayed[1], `"kind":"ProgressReportVerified"`) || !strings.Contains(replayed[1], `"verification":"DISPUTED"`) ||
		!strings.Contains(replayed[1], `"nodes":[{"verification":{"verdict":"DISPUTED"}},{"verification":{"verdict":"VERIFIED"}}]`) {
		t.Fatalf("the verdict replayed: %s", replayed[1])
	}
}

// TestDemoVerifications: the demo data's verdicts and period actuals, as
// an anonymous reader sees them.
func TestDemoVerifications(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	var out struct {
		Apprentices, Sessions struct {
			Progress, VerifiedProgress int
			Verification               string
			LatestReport               struct {
				Verification struct {
					Verdict    string
					VerifiedBy struct{ Stakeholder struct{ Acronym string } }
				}
			}
			Indicators []struct {
				Periods []struct {
					Actual    *float64
					Breakdown []struct{ Dimension string }
				}
			}
		}
		CommitmentStats struct{ AverageProgress, VerifiedProgress float64 }
	}
	fields := `progress verifiedProgress verification latestReport { verification { verdict verifiedBy { stakeholder { acronym } } } }
		indicators { periods { actual breakdown { dimension } } }`
	s.query(`{ apprentices: commitmentByReference(reference: "C-1.4-001") { `+fields+` }
		sessions: commitmentByReference(reference: "C-1.3-003") { `+fields+` }
		commitmentStats { averageProgress verifiedProgress } }`, nil, &out)
	a, ss := out.Apprentices, out.Sessions
	if a.Progress != 100 || a.VerifiedProgress != 60 || a.Verification != "DISPUTED" || a.LatestReport.Verification.VerifiedBy.Stakeholder.Acronym != "BCCI" ||
		len(a.Indicators[0].Periods) != 3 || a.Indicators[0].Periods[2].Actual == nil || *a.Indicators[0].Periods[2].Actual != 138 {
		t.Fatalf("C-1.4-001: %+v", a)
	}
	if ss.VerifiedProgress != 50 || ss.Verification != "UNVERIFIED" || len(ss.Indicators[0].Periods[0].Breakdown) != 7 || ss.Indicators[0].Periods[1].Actual != nil {
		t.Fatalf("C-1.3-003: %+v", ss)
	}
	if st := out.CommitmentStats; st.VerifiedProgress <= 0 || st.VerifiedProgress >= st.AverageProgress {
		t.Fatalf("stats %+v", st)
	}
	rows := s.export("commitments.csv?search=Youth%20Apprenticeship%20Programme%20first", "").mustOK(t, "commitments").records(t)
	if len(rows) != 1 || rows[0]["verification"] != "DISPUTED" || rows[0]["verifiedProgress"] != "60" || rows[0]["progress"] != "100" {
		t.Fatalf("the commitments export %v", rows)
	}
}

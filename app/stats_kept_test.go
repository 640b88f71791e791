package app

import (
	"encoding/json"
	"testing"

	"convene/hub"
)

// TestKeptFiguresAlikeForEveryViewer: the figures of every commitment,
// which the read model keeps between changes and every caller shares,
// are the same for the admin, a viewer, an editor and an anonymous
// caller whoever asks first; they agree with the commitments' own counts
// before and after a progress report and a meeting made private (which
// some of them may no longer see).
func TestKeptFiguresAlikeForEveryViewer(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	_, editor := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	_, viewer := issueToken(t, s, "VIEWER", "Analyst", "", nil)
	const figures = `{ commitmentStats { total averageProgress verifiedProgress overdue verified
		byStatus { status count overdue verified } bySector { sector count averageProgress overdue verified }
		byPillar { pillar { id code title } count averageProgress overdue verified } } }`
	alike := func(when string, tokens ...string) json.RawMessage {
		t.Helper()
		var first json.RawMessage
		for i, token := range tokens {
			r := s.as(token, figures, nil)
			if r.status != 200 || len(r.Errors) > 0 {
				t.Fatalf("%s: caller %d: %s", when, i, r.body)
			}
			if i == 0 {
				first = r.Data
			} else if string(r.Data) != string(first) {
				t.Fatalf("%s: caller %d sees\n%s\nwhere caller 0 sees\n%s", when, i, r.Data, first)
			}
		}
		var got struct {
			CommitmentStats struct {
				Total    int
				ByStatus []struct {
					Status string
					Count  int
				}
			}
		}
		s.mustDecode(response{Data: first}, &got)
		var all struct{ Commitments struct{ TotalCount int } }
		s.query(`{ commitments(first: 1) { totalCount } }`, nil, &all)
		if got.CommitmentStats.Total != all.Commitments.TotalCount || all.Commitments.TotalCount == 0 {
			t.Fatalf("%s: the figures count %d commitments, the list %d", when, got.CommitmentStats.Total, all.Commitments.TotalCount)
		}
		for _, b := range got.CommitmentStats.ByStatus {
			var of struct{ Commitments struct{ TotalCount int } }
			s.query(`query($s: [CommitmentStatus!]) { commitments(first: 1, filter: {statuses: $s}) { totalCount } }`, map[string]any{"s": []string{b.Status}}, &of)
			if b.Count != of.Commitments.TotalCount {
				t.Fatalf("%s: the figures count %d %s commitments, the list %d", when, b.Count, b.Status, of.Commitments.TotalCount)
			}
		}
		return first
	}
	before := alike("at start", testAdminToken, "", editor, viewer)
	alike("asked by the anonymous caller first", "", viewer, testAdminToken, editor)

	r := s.as(editor, `mutation { reportProgress(input: {commitmentId: "`+gid(hub.TypeCommitment, "C-2.1-002")+`", progress: 3, status: DELAYED, note: "set back"}) { userErrors { message } } }`, nil)
	if r.status != 200 || len(r.Errors) > 0 {
		t.Fatal(r.body)
	}
	reported := alike("after a progress report", "", editor, testAdminToken, viewer)
	if string(reported) == string(before) {
		t.Fatalf("the figures after a progress report are those before it:\n%s", reported)
	}

	var up struct {
		UpdateMeeting struct{ UserErrors []userError }
	}
	s.mutate(`mutation($id: ID!) { updateMeeting(input: {id: $id, private: true}) { userErrors { field message } } }`, map[string]any{"id": demoMeeting}, &up)
	if len(up.UpdateMeeting.UserErrors) > 0 {
		t.Fatalf("updateMeeting: %+v", up.UpdateMeeting.UserErrors)
	}
	if got := alike("after a meeting was made private", editor, "", viewer, testAdminToken); string(got) != string(reported) {
		t.Fatalf("a meeting made private changed the figures:\n%s\nwere\n%s", got, reported)
	}
}

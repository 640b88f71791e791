package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"convene/gateway"
	"convene/hub"

	"github.com/coder/websocket"
)

// TestClientInputs: what a client controls (its Authorization header,
// scalars, IDs, statuses, the shape of its query) is judged as the
// client's, on the real server with the demo data.
func TestClientInputs(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})

	t.Run("an Authorization value without Bearer is refused with 401", func(t *testing.T) {
		for _, c := range []struct{ header, says string }{
			{"cvn_" + strings.Repeat("a", 43), `the "Bearer " scheme is missing`},
			{testAdminToken, `the "Bearer " scheme is missing`},
			{"Basic dXNlcjpwdw==", `the scheme "Basic" is not supported`},
			{"Bearer", `the token after "Bearer " is missing`},
		} {
			for _, path := range []string{"/graphql", "/export/meetings.csv"} {
				var req *http.Request
				if path == "/graphql" {
					req, _ = http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(`{"query":"{ viewer { role } }"}`))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req, _ = http.NewRequest(http.MethodGet, s.url+path, nil)
				}
				req.Header.Set("Authorization", c.header)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var r response
				_ = json.Unmarshal(body, &r)
				if res.StatusCode != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || !strings.Contains(r.Errors[0].Message, c.says) {
					t.Errorf("%s with Authorization %q: %d %s", path, c.header, res.StatusCode, body)
				}
			}
		}
		// The same token with its scheme is the admin.
		var v struct{ Viewer struct{ Role string } }
		s.mustDecode(s.do(true, `{ viewer { role } }`, nil), &v)
		if v.Viewer.Role != "ADMIN" {
			t.Fatalf("with Bearer: %+v", v)
		}
		// Over the WebSocket: connection_init with a bare token closes 4403, saying why.
		ws := dialWS(t, s, "graphql-transport-ws")
		ws.send(`{"type":"connection_init","payload":{"Authorization":"` + testAdminToken + `"}}`)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _, err := ws.ws.Read(ctx)
		var closed websocket.CloseError
		if !errors.As(err, &closed) || closed.Code != 4403 || !strings.Contains(closed.Reason, `"Bearer " scheme is missing`) {
			t.Fatalf("connection_init with a bare token: %v", err)
		}
	})

	t.Run("a date in a DateTime argument is its midnight UTC; a bad one is BAD_USER_INPUT", func(t *testing.T) {
		count := func(r response) int {
			t.Helper()
			var out struct{ Meetings struct{ TotalCount int } }
			s.mustDecode(r, &out)
			return out.Meetings.TotalCount
		}
		midnight := count(s.do(false, `{ meetings(filter: {from: "2014-01-01T00:00:00Z"}) { totalCount } }`, nil))
		if midnight == 0 {
			t.Fatal("no meeting from 2014: the comparison below would prove nothing")
		}
		literal := count(s.do(false, `{ meetings(filter: {from: "2014-01-01"}) { totalCount } }`, nil))
		variable := count(s.do(false, `query($f: DateTime) { meetings(filter: {from: $f}) { totalCount } }`, map[string]any{"f": "2014-01-01"}))
		if literal != midnight || variable != midnight {
			t.Fatalf("from 2014-01-01: literal %d, variable %d, want %d as from its midnight UTC", literal, variable, midnight)
		}
		export := exportRows(t, s, "meetings", "from=2014-01-01")
		if export != midnight {
			t.Fatalf("the export from 2014-01-01 has %d rows, the query %d", export, midnight)
		}
		for _, bad := range []any{"2014-13-01", "yesterday", "", "2014-01-01T25:00:00Z", 20140101, true} {
			for _, r := range []response{
				s.do(false, `query($f: DateTime) { meetings(filter: {from: $f}) { totalCount } }`, map[string]any{"f": bad}),
				s.do(true, `query($f: DateTime) { auditLog(filter: {to: $f}) { totalCount } }`, map[string]any{"f": bad}),
			} {
				if r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "RFC 3339") {
					t.Errorf("DateTime %v: %s", bad, r.body)
				}
			}
		}
		if r := s.do(false, `{ meetings(filter: {to: "2015-02-30"}) { totalCount } }`, nil); r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "2015-09-17T14:00:00-06:00") {
			t.Errorf("a literal impossible date: %s", r.body)
		}
	})

	t.Run("a malformed or wrong-kind ID in a filter is BAD_USER_INPUT naming the argument", func(t *testing.T) {
		pillar := gid(hub.TypePillar, "p2")
		for _, c := range []struct {
			query, says string
			vars        map[string]any
		}{
			{`{ commitments(filter: {pillarIds: ["2"]}) { totalCount } }`, `filter.pillarIds[0]: "2" is not the ID of a Pillar`, nil},
			{`query($p: ID!) { commitments(filter: {stakeholderIds: [$p]}) { totalCount } }`, `filter.stakeholderIds[0]: "` + pillar + `" is not the ID of a Stakeholder`, map[string]any{"p": pillar}},
			{`query($p: [ID!]) { commitmentStats(filter: {objectiveIds: $p}) { total } }`, `filter.objectiveIds[1]: "` + pillar + `" is not the ID of an Objective`, map[string]any{"p": []string{gid(hub.TypeObjective, "o2-1"), pillar}}},
			{`{ commitments(filter: {communityIds: ["%%%"]}) { totalCount } }`, `filter.communityIds[0]`, nil},
			{`query($p: ID!) { meetings(filter: {stakeholderIds: [$p]}) { totalCount } }`, `filter.stakeholderIds[0]`, map[string]any{"p": pillar}},
			{`query($p: ID!) { outcomes(filter: {meetingIds: [$p]}) { totalCount } }`, `is not the ID of a Meeting`, map[string]any{"p": pillar}},
			{`query($p: ID!) { outcomes(filter: {ownerIds: [$p]}) { totalCount } }`, `filter.ownerIds[0]`, map[string]any{"p": pillar}},
		} {
			r := s.do(false, c.query, c.vars)
			if r.code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, c.says) || !strings.Contains(r.Errors[0].Message, "such as ") {
				t.Errorf("%s: %s", c.query, r.body)
			}
		}
		// Right kinds still filter, and the bootstrap token is an actor.
		var out struct{ Commitments struct{ TotalCount int } }
		s.mustDecode(s.do(false, `query($p: ID!) { commitments(filter: {pillarIds: [$p]}) { totalCount } }`, map[string]any{"p": pillar}), &out)
		if out.Commitments.TotalCount == 0 {
			t.Fatal("no commitment under pillar 2")
		}
		if r := s.do(true, `{ auditLog(filter: {actorIds: ["bootstrap"]}) { totalCount } }`, nil); len(r.Errors) > 0 {
			t.Fatalf("auditLog by the bootstrap token: %s", r.body)
		}
		// The exports say the same of the same value.
		res, err := http.Get(s.url + "/export/commitments.csv?pillarIds=2")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `pillarIds: "2" is not the ID of a Pillar`) {
			t.Fatalf("export: %d %s", res.StatusCode, body)
		}
		// A subscription's filter too, before it starts.
		ws := dialWS(t, s, "graphql-transport-ws")
		ws.send(`{"type":"connection_init"}`)
		ws.expect("connection_ack")
		ws.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { commitmentUpdated(filter: {pillarIds: [\"2\"]}) { cursor } }"}}`)
		got, _ := ws.next()
		if b, _ := json.Marshal(got); !strings.Contains(string(b), "BAD_USER_INPUT") || !strings.Contains(string(b), `filter.pillarIds[0]`) {
			t.Fatalf("subscription with a bad pillar ID: %s", b)
		}
	})

	t.Run("a report without status leaves a COMPLETED commitment completed", func(t *testing.T) {
		id := "C-2.1-003"
		before := hub.Commitments.Get(s.app.hub.Model(), id)
		if before.Status != hub.Completed {
			t.Fatalf("%s is %s in the demo data, not COMPLETED", id, before.Status)
		}
		seq := s.app.hub.Model().Seq()
		report := `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { status progress } userErrors { field message code } } }`
		var out struct {
			ReportProgress struct {
				Commitment *struct {
					Status   string
					Progress int
				}
				UserErrors []userError
			}
		}
		s.mustDecode(s.do(true, report, map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, id), "progress": 80, "note": "a note"}}), &out)
		if errs := out.ReportProgress.UserErrors; len(errs) != 1 || !strings.Contains(errs[0].Message, "ON_TRACK, AT_RISK or DELAYED") || out.ReportProgress.Commitment != nil {
			t.Fatalf("a report at 80%% without status: %+v", out.ReportProgress)
		}
		if got := s.app.hub.Model(); got.Seq() != seq || hub.Commitments.Get(got, id).Status != hub.Completed {
			t.Fatal("the refused report changed something")
		}
		// Reopening takes a status.
		s.mustDecode(s.do(true, report, map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, id), "progress": 80, "status": "ON_TRACK", "note": "reopened"}}), &out)
		if c := out.ReportProgress.Commitment; c == nil || c.Status != "ON_TRACK" || c.Progress != 80 {
			t.Fatalf("reopening with ON_TRACK: %+v", out.ReportProgress)
		}
		// A move the rule forbids names what may follow.
		s.mustDecode(s.do(true, report, map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, id), "progress": 0, "status": "NOT_STARTED", "note": "back"}}), &out)
		if errs := out.ReportProgress.UserErrors; len(errs) != 1 || errs[0].Code != "NOT_ALLOWED" || strings.Join(errs[0].Field, ".") != "input.status" ||
			!strings.Contains(errs[0].Message, "AT_RISK, DELAYED, COMPLETED or CANCELLED") {
			t.Fatalf("ON_TRACK to NOT_STARTED: %+v", out.ReportProgress)
		}
	})

	t.Run("nested plain lists are costed by what they can return", func(t *testing.T) {
		chain := `{ commitments(first: 100) { nodes { outcomes { commitments { outcomes { commitments { outcomes { commitments { participants { stakeholder { name } } } } } } } } } } }`
		r := gwPost(t, s.url, map[string]any{"query": chain})
		if r.status != 400 || r.code() != gateway.CodeCostLimit || r.hasData() {
			t.Fatalf("the issue's chain of plain lists: %s", r)
		}
		// The bound comes from the data: one level of it costs what it can return.
		z := s.app.hub.Model().ListSizes()
		r = gwPost(t, s.url, map[string]any{"query": `{ commitments(first: 10) { nodes { outcomes { commitments { reference } } } } }`})
		cost, _ := r.resp.Extensions["cost"].(map[string]any)
		if want := 1 + 10*(1+z.CommitmentOutcomes*(1+z.OutcomeCommitments)); r.code() != "" || cost["requestedQueryCost"] != float64(want) {
			t.Fatalf("two nested plain lists: want cost %d: %s", want, r)
		}
	})
}

// exportRows is the X-Export-Rows of an export with the given query string.
func exportRows(t *testing.T, s *testServer, name, query string) int {
	t.Helper()
	res, err := http.Get(s.url + "/export/" + name + ".csv?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("export %s?%s: %d %s", name, query, res.StatusCode, body)
	}
	var n int
	if err := json.Unmarshal([]byte(res.Header.Get("X-Export-Rows")), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

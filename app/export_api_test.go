package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"convene/hub"
)

// TestExport checks the analysts' exports against the API on one server:
// each filter selects, in the same order, what the matching GraphQL query
// does; the three formats agree; bad parameters are refused with a 400
// that says why; private meetings and outcomes, and contacts, follow the
// API's visibility rules; CSV quoting survives commas, quotes, newlines
// and non-ASCII text; with public reads off, exports need a token.
func TestExport(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	var (
		pfd    = gid(hub.TypeStakeholder, "pfd")
		p2     = gid(hub.TypePillar, "p2")
		collet = gid(hub.TypeCommunity, "collet")
		o21    = gid(hub.TypeObjective, "o2-1")
		m0915  = gid(hub.TypeMeeting, "m-2015-09")
	)
	type filterCase struct {
		export, params string // the export and its URL parameters
		field, filter  string // the GraphQL query field and filter type
		vars           map[string]any
	}
	cases := []filterCase{
		{"commitments", "sectors=CIVIL_SOCIETY&statuses=DELAYED,AT_RISK", "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"sectors": []string{"CIVIL_SOCIETY"}, "statuses": []string{"DELAYED", "AT_RISK"}}}},
		{"commitments", "overdue=true&pillarIds=" + p2 + "&orderBy=DUE_DATE&direction=DESC", "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"overdue": true, "pillarIds": []string{p2}}, "o": map[string]any{"field": "DUE_DATE", "direction": "DESC"}}},
		{"commitments", "search=youth&dueBefore=2014-01-01", "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"search": "youth", "dueBefore": "2014-01-01"}}},
		{"commitments", "stakeholderIds=" + pfd + "&dueAfter=2013-01-01&orderBy=progress", "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"stakeholderIds": []string{pfd}, "dueAfter": "2013-01-01"}, "o": map[string]any{"field": "PROGRESS", "direction": "ASC"}}},
		{"commitments", "communityIds=" + collet + "&objectiveIds=" + o21, "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"communityIds": []string{collet}, "objectiveIds": []string{o21}}}},
		{"commitments", "statuses=COMPLETED&statuses=CANCELLED&overdue=false", "commitments", "CommitmentFilter",
			map[string]any{"f": map[string]any{"statuses": []string{"COMPLETED", "CANCELLED"}, "overdue": false}}},
		{"commitments", "", "commitments", "CommitmentFilter", nil},
		{"stakeholders", "sectors=GOVERNMENT,PRIVATE_SECTOR", "stakeholders", "StakeholderFilter",
			map[string]any{"f": map[string]any{"sectors": []string{"GOVERNMENT", "PRIVATE_SECTOR"}}}},
		{"stakeholders", "search=belize", "stakeholders", "StakeholderFilter", map[string]any{"f": map[string]any{"search": "belize"}}},
		{"meetings", "statuses=HELD&from=2014-01-01&to=2015-06-01T00:00:00Z", "meetings", "MeetingFilter",
			map[string]any{"f": map[string]any{"statuses": []string{"HELD"}, "from": "2014-01-01T00:00:00Z", "to": "2015-06-01T00:00:00Z"}}},
		{"meetings", "stakeholderIds=" + pfd, "meetings", "MeetingFilter", map[string]any{"f": map[string]any{"stakeholderIds": []string{pfd}}}},
		{"outcomes", "kinds=DECISION,ACTION_ITEM&statuses=DONE", "outcomes", "OutcomeFilter",
			map[string]any{"f": map[string]any{"kinds": []string{"DECISION", "ACTION_ITEM"}, "statuses": []string{"DONE"}}}},
		{"outcomes", "meetingIds=" + m0915, "outcomes", "OutcomeFilter", map[string]any{"f": map[string]any{"meetingIds": []string{m0915}}}},
		{"outcomes", "ownerIds=" + pfd, "outcomes", "OutcomeFilter", map[string]any{"f": map[string]any{"ownerIds": []string{pfd}}}},
	}
	// apiIDs runs the GraphQL query of a case, as token's holder, and returns the IDs in order.
	apiIDs := func(t *testing.T, c filterCase, token string) []string {
		t.Helper()
		order, orderArg := "", ""
		if c.field == "commitments" {
			order, orderArg = ", $o: CommitmentOrder", ", orderBy: $o"
		}
		q := fmt.Sprintf(`query($f: %s%s) { %s(first: 100, filter: $f%s) { totalCount nodes { id } } }`, c.filter, order, c.field, orderArg)
		body, _ := json.Marshal(map[string]any{"query": q, "variables": c.vars})
		req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Data map[string]struct {
				TotalCount int
				Nodes      []struct{ ID string }
			}
			Errors []any
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
			t.Fatalf("%s: %v %v", q, err, out.Errors)
		}
		conn := out.Data[c.field]
		if conn.TotalCount > 100 {
			t.Fatalf("%d %s: more than a page", conn.TotalCount, c.field)
		}
		ids := make([]string, len(conn.Nodes))
		for i, n := range conn.Nodes {
			ids[i] = n.ID
		}
		return ids
	}
	// sameAsAPI checks the export of a case in every format against the API.
	sameAsAPI := func(t *testing.T, c filterCase, token string) {
		t.Helper()
		want := apiIDs(t, c, token)
		if len(want) == 0 {
			t.Fatalf("the case selects nothing: %+v", c)
		}
		sep := "?"
		if c.params == "" {
			sep = ""
		}
		csvIDList := csvIDs(s.export(c.export+".csv"+sep+c.params, token).mustOK(t, c.params).records(t))
		jsonIDList := jsonIDs(s.export(c.export+".json"+sep+c.params, token).mustOK(t, c.params).objects(t, false))
		ndjsonIDList := jsonIDs(s.export(c.export+".ndjson"+sep+c.params, token).mustOK(t, c.params).objects(t, true))
		for format, got := range map[string][]string{"csv": csvIDList, "json": jsonIDList, "ndjson": ndjsonIDList} {
			if !slices.Equal(got, want) {
				t.Errorf("%s.%s?%s: rows %v\nthe API returns %v", c.export, format, c.params, got, want)
			}
		}
	}

	t.Run("filters", func(t *testing.T) {
		for _, c := range cases {
			sameAsAPI(t, c, "")
		}
	})

	t.Run("format", func(t *testing.T) {
		csvRes := s.export("commitments.csv?search=C-2.1-002", "").mustOK(t, "csv")
		if ct := csvRes.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv; charset=utf-8") {
			t.Errorf("Content-Type %q", ct)
		}
		if !bytes.HasPrefix(csvRes.body, []byte("id,reference,title,")) || !bytes.Contains(csvRes.body, []byte("\r\n")) {
			t.Errorf("the CSV does not start with its header row, or lacks CRLF line ends: %.200s", csvRes.body)
		}
		bom := s.export("commitments.csv?search=C-2.1-002&bom=1", "").mustOK(t, "bom")
		if !bytes.Equal(bom.body, append([]byte("\uFEFF"), csvRes.body...)) {
			t.Errorf("?bom=1 is not the same CSV after a byte-order mark: %.40q", bom.body)
		}
		rec := csvRes.records(t)
		if len(rec) != 1 {
			t.Fatalf("want C-2.1-002 alone, got %d rows", len(rec))
		}
		r := rec[0]
		date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
		stamp := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
		if r["id"] != gid(hub.TypeCommitment, "C-2.1-002") || r["reference"] != "C-2.1-002" || r["leadId"] != pfd || r["pillarId"] != gid(hub.TypePillar, "p2") ||
			r["progress"] != "100" || r["overdue"] != "false" || !date.MatchString(r["dueDate"]) || !stamp.MatchString(r["completedAt"]) || !stamp.MatchString(r["updatedAt"]) {
			t.Errorf("unexpected row %v", r)
		}
		if !strings.Contains(r["participants"], "Partners for Democratic Change (LEAD); ") {
			t.Errorf("participants are not joined with \"; \": %q", r["participants"])
		}
		var api struct {
			CommitmentByReference struct{ Title, Status, DueDate string }
		}
		s.query(`{ commitmentByReference(reference: "C-2.1-002") { title status dueDate } }`, nil, &api)
		if c := api.CommitmentByReference; r["title"] != c.Title || r["status"] != c.Status || r["dueDate"] != c.DueDate {
			t.Errorf("the export says %v, the API %+v", r, c)
		}

		objs := s.export("commitments.json?search=C-2.1-002", "").mustOK(t, "json").objects(t, false)
		o := objs[0]
		if o["progress"] != 100.0 || o["overdue"] != false || o["title"] != r["title"] || o["dueDate"] != r["dueDate"] {
			t.Errorf("unexpected JSON %v", o)
		}
		if ps, _ := o["participants"].([]any); len(ps) == 0 || ps[0].(map[string]any)["role"] != "LEAD" || ps[0].(map[string]any)["id"] != pfd {
			t.Errorf("participants in JSON: %v", o["participants"])
		}
		empty := s.export("commitments.json?search=no-such-commitment", "").mustOK(t, "empty")
		if string(empty.body) != "[]\n" {
			t.Errorf("an empty JSON export is %q", empty.body)
		}
		if e := s.export("commitments.ndjson?search=no-such-commitment", "").mustOK(t, "empty"); len(e.body) != 0 {
			t.Errorf("an empty NDJSON export is %q", e.body)
		}
		if e := s.export("commitments.csv?search=no-such-commitment", "").mustOK(t, "empty"); bytes.Count(e.body, []byte("\n")) != 1 {
			t.Errorf("an empty CSV export is not its header row alone: %q", e.body)
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for path, want := range map[string]string{
			"commitments.csv?statuss=DELAYED":      `unknown parameter "statuss"`,
			"commitments.csv?statuses=LATE":        `statuses: "LATE" is not one of`,
			"commitments.csv?pillarIds=" + pfd:     `is not the ID of a Pillar`,
			"commitments.csv?pillarIds=not-an-id!": `is not the ID of a Pillar`,
			"commitments.csv?overdue=maybe":        "overdue must be true or false",
			"commitments.csv?dueBefore=2014-02-30": "dueBefore:",
			"commitments.csv?orderBy=COLOUR":       `orderBy: "COLOUR" is not one of`,
			"commitments.csv?search=a&search=b":    "search is given 2 times",
			"commitments.json?bom=1":               "bom applies to .csv exports only",
			"stakeholders.csv?overdue=true":        `unknown parameter "overdue"`,
			"meetings.csv?from=last+week":          "from:",
			"outcomes.ndjson?kinds=DECISION,PARTY": `kinds: "PARTY" is not one of`,
			"outcomes.csv?meetingIds=" + pfd:       "is not the ID of a Meeting",
			"commitments.csv?sectors=%zz":          "not valid",
		} {
			e := s.export(path, "")
			if e.status != http.StatusBadRequest || !strings.Contains(string(e.body), want) {
				t.Errorf("GET /export/%s: %d %q, want 400 with %q", path, e.status, e.body, want)
			}
		}
		for _, path := range []string{"commitments.xlsx", "tokens.csv", "commitments", "commitments.csv/extra"} {
			if e := s.export(path, ""); e.status != http.StatusNotFound {
				t.Errorf("GET /export/%s: %d, want 404", path, e.status)
			}
		}
		if e := s.export("commitments.csv", "wrong-token"); e.status != http.StatusUnauthorized {
			t.Errorf("a wrong token: %d, want 401", e.status)
		}
	})

	t.Run("visibility", func(t *testing.T) {
		var sm struct {
			ScheduleMeeting struct{ Meeting struct{ ID string } }
		}
		s.mutate(`mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"title": "Private export check", "startsAt": "2015-05-04T14:00:00Z", "endsAt": "2015-05-04T16:00:00Z",
				"location": "Closed room", "convenerId": gid(hub.TypeStakeholder, "restore"), "private": true,
				"participants": []any{map[string]any{"stakeholderId": pfd}}}}, &sm)
		meeting := sm.ScheduleMeeting.Meeting.ID
		var ro struct {
			RecordMeetingOutcome struct{ Outcome struct{ ID string } }
		}
		s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"meetingId": meeting, "kind": "DECISION", "summary": "A private decision"}}, &ro)
		outcome := ro.RecordMeetingOutcome.Outcome.ID
		if meeting == "" || outcome == "" {
			t.Fatalf("creating the private meeting and outcome: %+v %+v", sm, ro)
		}
		editor := func(stakeholder string) string {
			var it struct {
				IssueToken struct{ Secret string }
			}
			s.mutate(`mutation($in: IssueTokenInput!) { issueToken(input: $in) { secret userErrors { message } } }`,
				map[string]any{"in": map[string]any{"label": "export check " + stakeholder, "role": "EDITOR", "stakeholderId": gid(hub.TypeStakeholder, stakeholder)}}, &it)
			if it.IssueToken.Secret == "" {
				t.Fatalf("issuing an editor token: %+v", it)
			}
			return it.IssueToken.Secret
		}
		invited, other := editor("pfd"), editor("yff")
		for _, who := range []struct {
			name, token string
			sees        bool
		}{{"anonymous", "", false}, {"admin", testAdminToken, true}, {"invited editor", invited, true}, {"other editor", other, false}} {
			for _, path := range []string{"meetings.csv", "meetings.json", "meetings.ndjson?stakeholderIds=" + pfd, "outcomes.csv", "outcomes.json?kinds=DECISION", "outcomes.ndjson"} {
				e := s.export(path, who.token).mustOK(t, path)
				var got []string
				if strings.Contains(path, ".csv") {
					got = csvIDs(e.records(t))
				} else {
					got = jsonIDs(e.objects(t, strings.Contains(path, ".ndjson")))
				}
				id := meeting
				if strings.HasPrefix(path, "outcomes") {
					id = outcome
				}
				if exportIDSet(got)[id] != who.sees {
					t.Errorf("%s: /export/%s shows the private item: %v, want %v", who.name, path, !who.sees, who.sees)
				}
			}
			// And exactly what the API shows the same caller.
			sameAsAPI(t, filterCase{"meetings", "stakeholderIds=" + pfd, "meetings", "MeetingFilter", map[string]any{"f": map[string]any{"stakeholderIds": []string{pfd}}}}, who.token)
			sameAsAPI(t, filterCase{"outcomes", "kinds=DECISION", "outcomes", "OutcomeFilter", map[string]any{"f": map[string]any{"kinds": []string{"DECISION"}}}}, who.token)
		}

		// Contacts: for authenticated callers only.
		var cs struct {
			CreateStakeholder struct{ Stakeholder struct{ ID string } }
		}
		s.mutate(`mutation($in: CreateStakeholderInput!) { createStakeholder(input: $in) { stakeholder { id } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"name": "Contact Export Check Trust", "sector": "CIVIL_SOCIETY",
				"contacts": []any{map[string]any{"name": "Ana Flores", "title": "Director", "email": "ana@example.org", "phone": "+501 555 0100"}}}}, &cs)
		for _, who := range []struct {
			token string
			sees  bool
		}{{"", false}, {testAdminToken, true}, {other, true}} {
			r := s.export("stakeholders.csv?search=Contact+Export+Check", who.token).mustOK(t, "stakeholders").records(t)
			if len(r) != 1 {
				t.Fatalf("want the new stakeholder alone, got %v", r)
			}
			if got := r[0]["contacts"]; (got == "Ana Flores, Director <ana@example.org> +501 555 0100") != who.sees || (!who.sees && got != "") {
				t.Errorf("token %q: contacts cell %q", who.token, got)
			}
			o := s.export("stakeholders.json?search=Contact+Export+Check", who.token).mustOK(t, "stakeholders").objects(t, false)[0]
			if who.sees {
				if c, _ := o["contacts"].([]any); len(c) != 1 || c[0].(map[string]any)["email"] != "ana@example.org" {
					t.Errorf("token %q: contacts %v", who.token, o["contacts"])
				}
			} else if o["contacts"] != nil || bytes.Contains(mustJSON(t, o), []byte("ana@example.org")) {
				t.Errorf("anonymous: contacts %v", o["contacts"])
			}
		}
	})

	t.Run("quoting", func(t *testing.T) {
		title := "Clinic, \"Safe Streets\" pilot\nphase two — café, naïve; 50% done"
		description := "Line one, with a comma\nLine \"two\"\n\n\"Quoted\" last line"
		var cc struct {
			CreateCommitment struct{ Commitment struct{ ID string } }
		}
		s.mutate(`mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { id } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"objectiveId": o21, "leadId": pfd, "title": title, "description": description,
				"startDate": "2014-01-01", "dueDate": "2014-12-31"}}, &cc)
		id := cc.CreateCommitment.Commitment.ID
		if id == "" {
			t.Fatalf("createCommitment: %+v", cc)
		}
		q := "commitments.csv?search=" + url.QueryEscape("safe streets")
		e := s.export(q, "").mustOK(t, q)
		if !bytes.Contains(e.body, []byte(`"Clinic, ""Safe Streets"" pilot`+"\r\n"+`phase two — café, naïve; 50% done"`)) {
			t.Errorf("the title is not quoted as RFC 4180 says:\n%s", e.body)
		}
		r := e.records(t)
		if len(r) != 1 || r[0]["id"] != id || r[0]["title"] != title || r[0]["description"] != description {
			t.Fatalf("the CSV does not give the text back: %q", r)
		}
		withBOM := s.export(q+"&bom=1", "").mustOK(t, q)
		if !bytes.HasPrefix(withBOM.body, []byte{0xEF, 0xBB, 0xBF}) || !bytes.Equal(withBOM.body[3:], e.body) {
			t.Error("the BOM variant differs from the CSV by more than the BOM")
		}
		for _, nd := range []bool{false, true} {
			ext := ".json"
			if nd {
				ext = ".ndjson"
			}
			o := s.export("commitments"+ext+"?search="+url.QueryEscape("safe streets"), "").mustOK(t, ext).objects(t, nd)
			if len(o) != 1 || o[0]["title"] != title || o[0]["description"] != description {
				t.Errorf("%s does not give the text back: %v", ext, o)
			}
		}
	})
	t.Run("formulas", func(t *testing.T) {
		// A stakeholder's text must not run as a spreadsheet formula; the
		// JSON exports keep it exact.
		title := `=HYPERLINK("http://example.invalid","Formula pilot")`
		var cc struct {
			CreateCommitment struct{ Commitment struct{ ID string } }
		}
		s.mutate(`mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { id } userErrors { field message } } }`,
			map[string]any{"in": map[string]any{"objectiveId": o21, "leadId": pfd, "title": title, "description": "-1 looks like a number",
				"startDate": "2014-01-01", "dueDate": "2014-12-31"}}, &cc)
		q := "commitments.csv?search=" + url.QueryEscape("formula pilot")
		r := s.export(q, "").mustOK(t, q).records(t)
		if len(r) != 1 || r[0]["title"] != "'"+title || r[0]["description"] != "'-1 looks like a number" || r[0]["progress"] != "0" {
			t.Fatalf("formula-like text is not defused: %q", r)
		}
		o := s.export("commitments.json?search="+url.QueryEscape("formula pilot"), "").mustOK(t, "json").objects(t, false)
		if len(o) != 1 || o[0]["title"] != title {
			t.Fatalf("the JSON export changed the text: %v", o)
		}
	})

	t.Run("public reads off", func(t *testing.T) {
		// The same app with CONVENE_PUBLIC_READ=false: exports need a token too.
		private := *s.app
		private.publicRead = false
		srv := httptest.NewServer(private.Handler())
		defer srv.Close()
		ps := &testServer{t: t, url: srv.URL}
		if e := ps.export("commitments.csv", ""); e.status != http.StatusUnauthorized {
			t.Errorf("anonymous export with public reads off: %d %s, want 401", e.status, e.body)
		}
		if r := ps.export("commitments.csv", testAdminToken).mustOK(t, "admin").records(t); len(r) == 0 {
			t.Error("the admin's export is empty")
		}
	})
}

package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"convene/hub"
)

// eventCount is the number of events in the database's log.
func (s *testServer) eventCount() int {
	s.t.Helper()
	events, err := s.app.store.ReadAfter(context.Background(), 0)
	if err != nil {
		s.t.Fatal(err)
	}
	return len(events)
}

type userError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

func TestMutationsHappyPath(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	events := s.eventCount()
	step := func(name, query string, vars map[string]any, out any) {
		t.Helper()
		s.mutate(query, vars, out)
		events++
		if got := s.eventCount(); got != events {
			t.Fatalf("%s: %d events in the log, want %d", name, got, events)
		}
	}

	var created struct {
		CreateStakeholder struct {
			Stakeholder struct {
				ID, Name, Sector string
				Version          int
			}
			UserErrors []userError
		}
	}
	step("createStakeholder", `mutation($in: CreateStakeholderInput!) { createStakeholder(input: $in) {
		stakeholder { id name sector version } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"name": "Southside Youth Network", "sector": "CIVIL_SOCIETY", "website": "https://example.org"}}, &created)
	sh := created.CreateStakeholder.Stakeholder
	if sh.Name != "Southside Youth Network" || sh.Version != 1 || len(created.CreateStakeholder.UserErrors) != 0 {
		t.Fatalf("createStakeholder: %+v", created)
	}

	var updated struct {
		UpdateStakeholder struct {
			Stakeholder struct {
				Acronym string
				Version int
				Parent  struct{ Name string }
			}
		}
	}
	step("updateStakeholder", `mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) {
		stakeholder { acronym version parent { name } } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"id": sh.ID, "expectedVersion": 1, "acronym": "SYN", "parentId": gid(hub.TypeStakeholder, "bcchurches")}}, &updated)
	if u := updated.UpdateStakeholder.Stakeholder; u.Acronym != "SYN" || u.Version != 2 || u.Parent.Name == "" {
		t.Fatalf("updateStakeholder: %+v", u)
	}

	var cc struct {
		CreateCommitment struct {
			Commitment struct {
				ID, Reference, Status string
				Progress              int
				Participants          []struct{ Role string }
				TargetCommunities     []struct{ Name string }
			}
		}
	}
	step("createCommitment", `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) {
		commitment { id reference status progress participants { role } targetCommunities { name } } userErrors { field } } }`,
		map[string]any{"in": map[string]any{
			"objectiveId": gid(hub.TypeObjective, "o2-1"), "leadId": sh.ID, "title": "Street outreach in Collet",
			"startDate": "2014-01-01", "dueDate": "2014-12-31",
			"participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "cpu"), "role": "SUPPORTING"}},
			"communityIds": []any{gid(hub.TypeCommunity, "collet")},
			"indicators":   []any{map[string]any{"name": "Youth reached", "unit": "people", "baseline": 0, "target": 200}},
		}}, &cc)
	c := cc.CreateCommitment.Commitment
	if !strings.HasPrefix(c.Reference, "C-2.1-") || c.Status != "NOT_STARTED" || len(c.Participants) != 2 || c.Participants[0].Role != "LEAD" || len(c.TargetCommunities) != 1 {
		t.Fatalf("createCommitment: %+v", c)
	}

	var uc struct {
		UpdateCommitment struct {
			Commitment struct{ Title, DueDate string }
		}
	}
	step("updateCommitment", `mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) {
		commitment { title dueDate } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"id": c.ID, "title": "Street outreach in Collet and Lake Independence", "dueDate": "2015-03-31"}}, &uc)
	if uc.UpdateCommitment.Commitment.DueDate != "2015-03-31" {
		t.Fatalf("updateCommitment: %+v", uc)
	}

	var rp struct {
		ReportProgress struct {
			Commitment struct {
				Status, CompletionLevel string
				Progress                int
				CompletedAt             *string
				Indicators              []struct{ LatestValue *float64 }
			}
			ProgressReport struct {
				Progress   int
				ReportedBy struct{ Role string }
			}
		}
	}
	report := `mutation($in: ReportProgressInput!) { reportProgress(input: $in) {
		commitment { status progress completionLevel completedAt indicators { latestValue } }
		progressReport { progress reportedBy { role } } userErrors { field } } }`
	step("reportProgress", report, map[string]any{"in": map[string]any{"commitmentId": c.ID, "progress": 40, "status": "ON_TRACK", "note": "First cohort reached",
		"indicatorValues": []any{map[string]any{"name": "Youth reached", "value": 85}}}}, &rp)
	if got := rp.ReportProgress.Commitment; got.Status != "ON_TRACK" || got.Progress != 40 || got.CompletionLevel != "LIMITED" ||
		got.Indicators[0].LatestValue == nil || *got.Indicators[0].LatestValue != 85 || rp.ReportProgress.ProgressReport.ReportedBy.Role != "ADMIN" {
		t.Fatalf("reportProgress: %+v", rp)
	}
	step("reportProgress to completion", report, map[string]any{"in": map[string]any{"commitmentId": c.ID, "progress": 100, "status": "COMPLETED", "note": "Done"}}, &rp)
	if got := rp.ReportProgress.Commitment; got.Status != "COMPLETED" || got.CompletedAt == nil || got.CompletionLevel != "COMPLETE" {
		t.Fatalf("reportProgress to 100: %+v", got)
	}

	var sm struct {
		ScheduleMeeting struct{ Meeting struct{ ID, Status string } }
	}
	step("scheduleMeeting", `mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id status } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"title": "Outreach review", "startsAt": "2015-04-02T14:00:00-06:00", "endsAt": "2015-04-02T16:00:00-06:00",
			"location": "Youth centre", "convenerId": gid(hub.TypeStakeholder, "restore"),
			"participants": []any{map[string]any{"stakeholderId": sh.ID}}, "agenda": []any{map[string]any{"title": "Results", "durationMinutes": 45}}}}, &sm)
	if sm.ScheduleMeeting.Meeting.Status != "SCHEDULED" {
		t.Fatalf("scheduleMeeting: %+v", sm)
	}

	var um struct {
		UpdateMeeting struct {
			Meeting struct{ Status, Minutes string }
		}
	}
	step("updateMeeting", `mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { meeting { status minutes } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"id": sm.ScheduleMeeting.Meeting.ID, "status": "HELD", "minutes": "Agreed to extend."}}, &um)
	if um.UpdateMeeting.Meeting.Status != "HELD" || um.UpdateMeeting.Meeting.Minutes != "Agreed to extend." {
		t.Fatalf("updateMeeting: %+v", um)
	}

	var ro struct {
		RecordMeetingOutcome struct {
			Outcome struct {
				ID, Kind, Status string
				Commitments      []struct{ Reference string }
				Owner            struct{ Name string }
				Meeting          struct{ Outcomes []struct{ ID string } }
			}
		}
	}
	step("recordMeetingOutcome", `mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) {
		outcome { id kind status commitments { reference } owner { name } meeting { outcomes { id } } } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"meetingId": sm.ScheduleMeeting.Meeting.ID, "kind": "ACTION_ITEM", "summary": "Extend to Lake Independence",
			"ownerId": sh.ID, "dueDate": "2015-06-30", "commitmentIds": []any{c.ID}}}, &ro)
	o := ro.RecordMeetingOutcome.Outcome
	if o.Status != "OPEN" || len(o.Commitments) != 1 || o.Commitments[0].Reference != c.Reference || len(o.Meeting.Outcomes) != 1 {
		t.Fatalf("recordMeetingOutcome: %+v", o)
	}

	var us struct {
		UpdateOutcomeStatus struct {
			Outcome struct {
				Status  string
				History struct {
					Nodes []struct {
						Kind   string
						Fields []struct{ Field string }
					}
				}
			}
		}
	}
	step("updateOutcomeStatus", `mutation($in: UpdateOutcomeStatusInput!) { updateOutcomeStatus(input: $in) {
		outcome { status history { nodes { kind fields { field } } } } userErrors { field } } }`,
		map[string]any{"in": map[string]any{"id": o.ID, "status": "DONE", "note": "Extended in May"}}, &us)
	h := us.UpdateOutcomeStatus.Outcome.History.Nodes
	if us.UpdateOutcomeStatus.Outcome.Status != "DONE" || len(h) != 2 || h[1].Kind != "MeetingOutcomeStatusChanged" {
		t.Fatalf("updateOutcomeStatus: %+v", us)
	}
}

// TestValidationWritesNothing: each bad input comes back as a userError on
// the right field, and the event log does not grow.
func TestValidationWritesNothing(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	cpc := gid(hub.TypeCommitment, "C-2.1-002")
	cancelled := ""
	for _, m := range s.app.hub.Model().Meetings(hub.MeetingFilter{Statuses: []hub.MeetingStatus{hub.MeetingCanceled}}) {
		cancelled = gid(hub.TypeMeeting, m.ID)
	}
	held := gid(hub.TypeMeeting, s.app.hub.Model().Meetings(hub.MeetingFilter{Statuses: []hub.MeetingStatus{hub.Held}})[0].ID)
	commitment := func(over map[string]any) map[string]any {
		in := map[string]any{"objectiveId": gid(hub.TypeObjective, "o1-1"), "leadId": gid(hub.TypeStakeholder, "yff"),
			"title": "A title", "startDate": "2013-01-01", "dueDate": "2013-12-31"}
		for k, v := range over {
			in[k] = v
		}
		return in
	}
	cases := []struct {
		name, mutation string
		input          map[string]any
		field          string
		code           string
	}{
		{"progress above 100", "reportProgress", map[string]any{"commitmentId": cpc, "progress": 101, "note": "n"}, "input.progress", "INVALID"},
		{"progress below 0", "reportProgress", map[string]any{"commitmentId": cpc, "progress": -1, "note": "n"}, "input.progress", "INVALID"},
		{"blank note", "reportProgress", map[string]any{"commitmentId": cpc, "progress": 50, "note": "  "}, "input.note", "REQUIRED"},
		{"completed below 100", "reportProgress", map[string]any{"commitmentId": cpc, "progress": 50, "status": "COMPLETED", "note": "n"}, "input.progress", "INVALID"},
		{"unknown commitment", "reportProgress", map[string]any{"commitmentId": gid(hub.TypeCommitment, "C-9.9-999"), "progress": 5, "note": "n"}, "input.commitmentId", "NOT_FOUND"},
		{"malformed commitment id", "reportProgress", map[string]any{"commitmentId": "%%%", "progress": 5, "note": "n"}, "input.commitmentId", "NOT_FOUND"},
		{"id of another type", "reportProgress", map[string]any{"commitmentId": gid(hub.TypeStakeholder, "yff"), "progress": 5, "note": "n"}, "input.commitmentId", "NOT_FOUND"},
		{"unknown indicator", "reportProgress", map[string]any{"commitmentId": cpc, "progress": 5, "note": "n", "indicatorValues": []any{map[string]any{"name": "nope", "value": 1}}}, "input.indicatorValues.0.name", "NOT_FOUND"},
		{"due before start", "createCommitment", commitment(map[string]any{"dueDate": "2012-12-31"}), "input.dueDate", "INVALID"},
		{"empty title", "createCommitment", commitment(map[string]any{"title": ""}), "input.title", "REQUIRED"},
		{"unknown objective", "createCommitment", commitment(map[string]any{"objectiveId": gid(hub.TypeObjective, "o9")}), "input.objectiveId", "NOT_FOUND"},
		{"unknown lead", "createCommitment", commitment(map[string]any{"leadId": gid(hub.TypeStakeholder, "nobody")}), "input.leadId", "NOT_FOUND"},
		{"lead as participant", "createCommitment", commitment(map[string]any{"participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "yff"), "role": "FUNDING"}}}), "input.participants.0.stakeholderId", "INVALID"},
		{"unknown community", "createCommitment", commitment(map[string]any{"communityIds": []any{gid(hub.TypeCommunity, "atlantis")}}), "input.communityIds.0", "NOT_FOUND"},
		{"duplicate name", "createStakeholder", map[string]any{"name": "belize police department", "sector": "GOVERNMENT"}, "input.name", "TAKEN"},
		{"bad website", "createStakeholder", map[string]any{"name": "New body", "sector": "GOVERNMENT", "website": "ftp://x"}, "input.website", "INVALID"},
		{"parent cycle", "updateStakeholder", map[string]any{"id": gid(hub.TypeStakeholder, "bpd"), "parentId": gid(hub.TypeStakeholder, "cpu")}, "input.parentId", "INVALID"},
		{"unknown stakeholder", "updateStakeholder", map[string]any{"id": gid(hub.TypeStakeholder, "nobody"), "name": "x"}, "input.id", "NOT_FOUND"},
		{"update unknown commitment", "updateCommitment", map[string]any{"id": gid(hub.TypeCommitment, "C-0-000"), "title": "x"}, "input.id", "NOT_FOUND"},
		{"ends before it starts", "scheduleMeeting", map[string]any{"title": "t", "location": "l", "convenerId": gid(hub.TypeStakeholder, "restore"),
			"startsAt": "2015-01-01T10:00:00Z", "endsAt": "2015-01-01T09:00:00Z"}, "input.endsAt", "INVALID"},
		{"zero-minute agenda item", "scheduleMeeting", map[string]any{"title": "t", "location": "l", "convenerId": gid(hub.TypeStakeholder, "restore"),
			"startsAt": "2015-01-01T10:00:00Z", "endsAt": "2015-01-01T11:00:00Z", "agenda": []any{map[string]any{"title": "a", "durationMinutes": 0}}}, "input.agenda.0.durationMinutes", "INVALID"},
		{"held back to scheduled", "updateMeeting", map[string]any{"id": held, "status": "SCHEDULED"}, "input.status", "NOT_ALLOWED"},
		{"outcome of a cancelled meeting", "recordMeetingOutcome", map[string]any{"meetingId": cancelled, "kind": "DECISION", "summary": "s"}, "input.meetingId", "NOT_ALLOWED"},
		{"blank outcome summary", "recordMeetingOutcome", map[string]any{"meetingId": held, "kind": "DECISION", "summary": ""}, "input.summary", "REQUIRED"},
		{"unknown outcome", "updateOutcomeStatus", map[string]any{"id": gid(hub.TypeOutcome, "nope"), "status": "DONE"}, "input.id", "NOT_FOUND"},
	}
	before := s.eventCount()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputType := strings.ToUpper(tc.mutation[:1]) + tc.mutation[1:] + "Input"
			q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { userErrors { field message code } } }`, inputType, tc.mutation)
			var out map[string]struct{ UserErrors []userError }
			s.mutate(q, map[string]any{"in": tc.input}, &out)
			errs := out[tc.mutation].UserErrors
			found := false
			for _, e := range errs {
				if strings.Join(e.Field, ".") == tc.field && e.Code == tc.code && e.Message != "" {
					found = true
				}
			}
			if !found {
				t.Fatalf("want %s on %s, got %+v", tc.code, tc.field, errs)
			}
		})
	}
	if after := s.eventCount(); after != before {
		t.Fatalf("refused mutations wrote %d events", after-before)
	}
}

func TestMutationsNeedTheAdminToken(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	before := s.eventCount()
	q := `mutation { createStakeholder(input: {name: "Anonymous", sector: GOVERNMENT}) { stakeholder { id } } }`
	if r := s.do(false, q, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous mutation: %+v", r)
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", strings.NewReader(`{"query":"{ communities { name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer wrong-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a wrong token got %d, want 401", res.StatusCode)
	}
	if s.eventCount() != before {
		t.Fatal("a refused mutation wrote an event")
	}
}

func TestStaleExpectedVersionConflicts(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	c := hub.Commitments.Get(s.app.hub.Model(), "C-2.1-002")
	before := s.eventCount()
	r := s.do(true, `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { progress } } }`,
		map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, c.ID), "expectedVersion": c.Version - 1, "progress": 99, "note": "stale"}})
	if r.code() != "CONFLICT" || r.Errors[0].Extensions["currentVersion"] != float64(c.Version) {
		t.Fatalf("stale version: %+v", r.Errors)
	}
	if s.eventCount() != before || hub.Commitments.Get(s.app.hub.Model(), c.ID).Progress != c.Progress {
		t.Fatal("a conflicting mutation changed something")
	}
}

// TestConcurrentWritersOneWins races writers holding the same version,
// within one server and across two hubs sharing one database.
func TestConcurrentWritersOneWins(t *testing.T) {
	a := startServer(t, t.TempDir(), hub.Options{})
	b := startSecondServer(t, a)
	race := func(name string, servers []*testServer) {
		c := hub.Commitments.Get(a.app.hub.Model(), "C-1.1-002")
		version := c.Version
		var wg sync.WaitGroup
		results := make([]response, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				srv := servers[i%len(servers)]
				results[i] = srv.do(true, `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { version } } }`,
					map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, c.ID), "expectedVersion": version, "progress": 100, "note": fmt.Sprint("writer ", i)}})
			}()
		}
		wg.Wait()
		wins := 0
		for _, r := range results {
			switch r.code() {
			case "":
				wins++
			case "CONFLICT":
			default:
				t.Fatalf("%s: unexpected error %+v", name, r.Errors)
			}
		}
		if wins != 1 {
			t.Fatalf("%s: %d writers won, want exactly 1", name, wins)
		}
		if err := a.app.hub.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := hub.Commitments.Get(a.app.hub.Model(), c.ID).Version; got != version+1 {
			t.Fatalf("%s: version %d after the race, want %d", name, got, version+1)
		}
	}
	race("one server", []*testServer{a})
	race("two hubs on one database", []*testServer{a, b})
}

// TestStakeholderNameUniqueAcrossInstances: the name rule is checked
// against the model a command is built on, and a command that loses the
// race for its sequence number is built again on the newer model, so two
// hubs cannot both create "Same Name".
func TestStakeholderNameUniqueAcrossInstances(t *testing.T) {
	a := startServer(t, t.TempDir(), hub.Options{})
	b := startSecondServer(t, a)
	servers := []*testServer{a, b}
	var wg sync.WaitGroup
	results := make([]response, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = servers[i%2].do(true, `mutation($in: CreateStakeholderInput!) { createStakeholder(input: $in) { stakeholder { id } userErrors { code field } } }`,
				map[string]any{"in": map[string]any{"name": "Same Name Youth Trust", "sector": "CIVIL_SOCIETY"}})
		}()
	}
	wg.Wait()
	created, taken := 0, 0
	for _, r := range results {
		switch {
		case len(r.Errors) > 0:
			t.Fatalf("unexpected error %+v", r.Errors)
		case strings.Contains(string(r.Data), `"code":"TAKEN"`):
			taken++
		case strings.Contains(string(r.Data), `"stakeholder":{"id"`):
			created++
		}
	}
	if created != 1 || taken != len(results)-1 {
		t.Fatalf("%d created, %d refused as taken, want 1 and %d", created, taken, len(results)-1)
	}
}

// startSecondServer runs another hub on the first one's database, as a
// second instance pointed at MONGODB_URI would.
func startSecondServer(t *testing.T, first *testServer) *testServer {
	t.Helper()
	cfg := testConfig(t.TempDir())
	cfg.mongoURI, cfg.database = sameDatabase(first)
	a, err := Open(context.Background(), cfg, first.app.logger, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptestServer(a)
	s := &testServer{t: t, app: a, url: srv.URL, srv: srv}
	t.Cleanup(s.stop)
	return s
}

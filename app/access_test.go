package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/hub"

	"github.com/coder/websocket"
)

// issueToken issues a token as the bootstrap admin and returns its id and secret.
func issueToken(t *testing.T, s *testServer, role, label, stakeholder string, expiresAt *time.Time) (string, string) {
	t.Helper()
	in := map[string]any{"label": label, "role": role}
	if stakeholder != "" {
		in["stakeholderId"] = gid(hub.TypeStakeholder, stakeholder)
	}
	if expiresAt != nil {
		in["expiresAt"] = expiresAt.Format(time.RFC3339Nano)
	}
	var out struct {
		IssueToken struct {
			Token      struct{ ID string }
			Secret     string
			UserErrors []userError
		}
	}
	s.mutate(`mutation($in: IssueTokenInput!) { issueToken(input: $in) { token { id } secret userErrors { field message } } }`, map[string]any{"in": in}, &out)
	if len(out.IssueToken.UserErrors) > 0 || out.IssueToken.Secret == "" {
		t.Fatalf("issueToken: %+v", out.IssueToken)
	}
	return out.IssueToken.Token.ID, out.IssueToken.Secret
}

// snapshotDigest summarises every stored document: the event log and the
// snapshot collections.
func (s *testServer) snapshotDigest() string {
	s.t.Helper()
	ctx := context.Background()
	snaps, wm, err := s.app.store.LoadSnapshots(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	events, err := s.app.store.ReadAfter(ctx, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	h := sha256.New()
	fmt.Fprint(h, len(snaps), wm, len(events))
	lines := make([]string, 0, len(snaps))
	for _, sn := range snaps {
		lines = append(lines, string(mustJSON(s.t, sn.State)))
	}
	sortStrings(lines)
	for _, l := range lines {
		io.WriteString(h, l)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// settle waits until snapshot writes behind have caught up.
func (s *testServer) settle() string {
	s.t.Helper()
	prev := s.snapshotDigest()
	for range 20 {
		time.Sleep(1200 * time.Millisecond)
		cur := s.snapshotDigest()
		if cur == prev {
			return cur
		}
		prev = cur
	}
	s.t.Fatal("snapshots never settled")
	return ""
}

// TestAuthorizationMatrix: every mutation as every kind of caller. Denials
// carry the right code and leave the log and the collections unchanged;
// allowed calls succeed.
func TestAuthorizationMatrix(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	soon := time.Now().Add(1500 * time.Millisecond)
	tokens := map[string]string{"anonymous": ""}
	_, tokens["viewer"] = issueToken(t, s, "VIEWER", "analyst", "", nil)
	_, tokens["editor of the owner"] = issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	_, tokens["editor of another"] = issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)
	_, tokens["admin"] = issueToken(t, s, "ADMIN", "second secretary", "", nil)
	revokedID, revoked := issueToken(t, s, "ADMIN", "to revoke", "", nil)
	tokens["revoked"] = revoked
	s.mutate(`mutation($id: ID!) { revokeToken(input: {id: $id}) { userErrors { message } } }`, map[string]any{"id": revokedID}, nil)
	_, tokens["expired"] = issueToken(t, s, "ADMIN", "short-lived", "", &soon)
	var victims []string // tokens for revokeToken to revoke, one per allowed call
	for i := range 8 {   // one per caller
		id, _ := issueToken(t, s, "VIEWER", fmt.Sprint("victim ", i), "", nil)
		victims = append(victims, id)
	}
	// One of each to delete, for the one allowed call.
	deletable := map[string]string{}
	for kind, q := range map[string]string{
		"StrategicPlan": `mutation { createStrategicPlan(input: {title: "To delete", periodStart: "2030-01-01", periodEnd: "2030-12-31"}) { strategicPlan { id } } }`,
		"Pillar":        `mutation($p: ID!) { createPillar(input: {planId: $p, code: "98", title: "To delete"}) { pillar { id } } }`,
		"Objective":     `mutation($p: ID!) { createObjective(input: {pillarId: $p, code: "1.98", title: "To delete"}) { objective { id } } }`,
		"Community":     `mutation { createCommunity(input: {name: "To delete"}) { community { id } } }`,
	} {
		var out map[string]map[string]map[string]string
		s.mutate(q, map[string]any{"p": map[string]string{"Pillar": gid(hub.TypePlan, "restore-2011-2015"), "Objective": gid(hub.TypePillar, "p1")}[kind]}, &out)
		for _, payload := range out {
			for _, e := range payload {
				deletable[kind] = e["id"]
			}
		}
	}
	time.Sleep(time.Until(soon) + 100*time.Millisecond)

	// Referral networks: a service and a network of the owner's (pfd), in
	// which it refers to YFF's service; referrals of its to withdraw, one
	// per call.
	pfdService := gid(hub.TypeService, createServiceAs(s, testAdminToken, "pfd", "Dialogue follow-up", []string{"port-loyola"}, nil))
	pfdNetwork := createNetwork(s, "PfD's network", "pfd", "port-loyola", "yff")
	var withdrawable []string
	for range 8 {
		withdrawable = append(withdrawable, gid(hub.TypeReferral, makeReferralAs(s, testAdminToken, pfdNetwork, "pfd", "yff-life-skills")))
	}
	heldMeeting := gid(hub.TypeMeeting, "m-2015-05")
	ownedOutcome := gid(hub.TypeOutcome, "o-2015-05-c")
	cpc := gid(hub.TypeCommitment, "C-2.1-002")
	n := 0
	unique := func() string { n++; return fmt.Sprint(n) }
	type mutation struct {
		name    string
		query   string
		input   func() map[string]any
		allowed []string
	}
	// The callers for whom a mutation's target does not exist (they may
	// not see it): refused with a NOT_FOUND userError.
	hidden := map[string][]string{"updateReferralStatus": {"editor of another"}}
	owners := []string{"admin", "editor of the owner"}
	mutations := []mutation{
		{"createStakeholder", `mutation($in: CreateStakeholderInput!) { createStakeholder(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"name": "Body " + unique(), "sector": "CIVIL_SOCIETY"} }, []string{"admin"}},
		{"updateStakeholder", `mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypeStakeholder, "pfd"), "description": "Updated " + unique()}
			}, owners},
		{"createCommitment", `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"objectiveId": gid(hub.TypeObjective, "o2-1"), "leadId": gid(hub.TypeStakeholder, "pfd"),
					"title": "New " + unique(), "startDate": "2015-01-01", "dueDate": "2015-12-31"}
			}, owners},
		{"updateCommitment", `mutation($in: UpdateCommitmentInput!) { updateCommitment(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": cpc, "description": "Revised " + unique()} }, owners},
		{"reportProgress", `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"commitmentId": cpc, "progress": 100, "status": "COMPLETED", "note": "Report " + unique()}
			}, owners},
		{"scheduleMeeting", `mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"title": "Meeting " + unique(), "startsAt": "2016-02-01T10:00:00Z", "endsAt": "2016-02-01T11:00:00Z",
					"location": "OPM", "convenerId": gid(hub.TypeStakeholder, "restore")}
			}, []string{"admin"}},
		{"updateMeeting", `mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": heldMeeting, "minutes": "Minutes " + unique()} }, []string{"admin"}},
		{"recordMeetingOutcome", `mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"meetingId": heldMeeting, "kind": "DECISION", "summary": "Decided " + unique()}
			}, []string{"admin"}},
		{"updateOutcomeStatus", `mutation($in: UpdateOutcomeStatusInput!) { updateOutcomeStatus(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				statuses := []string{"IN_PROGRESS", "DONE", "OPEN"}
				return map[string]any{"id": ownedOutcome, "status": statuses[n%3], "note": unique()}
			}, owners},
		{"createStrategicPlan", `mutation($in: CreateStrategicPlanInput!) { createStrategicPlan(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"title": "Plan " + unique(), "periodStart": "2016-01-01", "periodEnd": "2020-12-31"}
			}, []string{"admin"}},
		{"updateStrategicPlan", `mutation($in: UpdateStrategicPlanInput!) { updateStrategicPlan(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypePlan, "restore-2011-2015"), "description": "Revised " + unique()}
			}, []string{"admin"}},
		{"createPillar", `mutation($in: CreatePillarInput!) { createPillar(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"planId": gid(hub.TypePlan, "restore-2011-2015"), "code": "9." + unique(), "title": "Pillar"}
			}, []string{"admin"}},
		{"updatePillar", `mutation($in: UpdatePillarInput!) { updatePillar(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypePillar, "p1"), "description": "Revised " + unique()}
			}, []string{"admin"}},
		{"createObjective", `mutation($in: CreateObjectiveInput!) { createObjective(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"pillarId": gid(hub.TypePillar, "p1"), "code": "1.9" + unique(), "title": "Objective"}
			}, []string{"admin"}},
		{"updateObjective", `mutation($in: UpdateObjectiveInput!) { updateObjective(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypeObjective, "o1-1"), "description": "Revised " + unique()}
			}, []string{"admin"}},
		{"createCommunity", `mutation($in: CreateCommunityInput!) { createCommunity(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"name": "Community " + unique()} }, []string{"admin"}},
		{"updateCommunity", `mutation($in: UpdateCommunityInput!) { updateCommunity(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypeCommunity, "lake-i"), "area": "Area " + unique()}
			}, []string{"admin"}},
		{"deleteStrategicPlan", `mutation($in: DeleteInput!) { deleteStrategicPlan(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": deletable["StrategicPlan"]} }, []string{"admin"}},
		{"deletePillar", `mutation($in: DeleteInput!) { deletePillar(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": deletable["Pillar"]} }, []string{"admin"}},
		{"deleteObjective", `mutation($in: DeleteInput!) { deleteObjective(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": deletable["Objective"]} }, []string{"admin"}},
		{"deleteCommunity", `mutation($in: DeleteInput!) { deleteCommunity(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": deletable["Community"]} }, []string{"admin"}},
		{"issueToken", `mutation($in: IssueTokenInput!) { issueToken(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"label": "Issued " + unique(), "role": "VIEWER"} }, []string{"admin"}},
		{"revokeToken", `mutation($in: RevokeTokenInput!) { revokeToken(input: $in) { userErrors { message } } }`,
			func() map[string]any { id := victims[0]; victims = victims[1:]; return map[string]any{"id": id} }, []string{"admin"}},
		{"createService", `mutation($in: CreateServiceInput!) { createService(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"providerId": gid(hub.TypeStakeholder, "pfd"), "name": "Service " + unique(), "category": "MENTORING",
					"communityIds": []any{gid(hub.TypeCommunity, "port-loyola")}}
			}, owners},
		{"updateService", `mutation($in: UpdateServiceInput!) { updateService(input: $in) { userErrors { message } } }`,
			func() map[string]any { return map[string]any{"id": pfdService, "description": "Revised " + unique()} }, owners},
		{"createReferralNetwork", `mutation($in: CreateReferralNetworkInput!) { createReferralNetwork(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"name": "Network " + unique(), "coordinatorId": gid(hub.TypeStakeholder, "pfd"), "communityId": gid(hub.TypeCommunity, "albert")}
			}, []string{"admin"}},
		{"updateReferralNetwork", `mutation($in: UpdateReferralNetworkInput!) { updateReferralNetwork(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"id": gid(hub.TypeReferralNetwork, pfdNetwork), "name": "PfD's network " + unique()}
			}, owners},
		{"makeReferral", `mutation($in: MakeReferralInput!) { makeReferral(input: $in) { userErrors { message } } }`,
			func() map[string]any {
				return map[string]any{"networkId": gid(hub.TypeReferralNetwork, pfdNetwork), "fromId": gid(hub.TypeStakeholder, "pfd"),
					"serviceId": gid(hub.TypeService, "yff-life-skills"), "ageBand": "AGE_18_24"}
			}, owners},
		{"updateReferralStatus", `mutation($in: UpdateReferralStatusInput!) { updateReferralStatus(input: $in) { userErrors { message code } } }`,
			func() map[string]any {
				id := withdrawable[0]
				withdrawable = withdrawable[1:]
				return map[string]any{"id": id, "status": "WITHDRAWN"}
			}, owners},
	}
	callers := []string{"anonymous", "viewer", "editor of the owner", "editor of another", "admin", "revoked", "expired"}
	wantCode := map[string]string{"anonymous": "UNAUTHENTICATED", "revoked": "UNAUTHENTICATED", "expired": "UNAUTHENTICATED",
		"viewer": "FORBIDDEN", "editor of the owner": "FORBIDDEN", "editor of another": "FORBIDDEN", "admin": ""}

	// Denials first, on settled collections, so that any write shows.
	before := s.settle()
	for _, m := range mutations {
		for _, caller := range callers {
			if contains(m.allowed, caller) {
				continue
			}
			r := s.as(tokens[caller], m.query, map[string]any{"in": m.input()})
			if contains(hidden[m.name], caller) {
				var out map[string]struct{ UserErrors []userError }
				if json.Unmarshal(r.Data, &out) != nil || len(out[m.name].UserErrors) != 1 || out[m.name].UserErrors[0].Code != "NOT_FOUND" {
					t.Errorf("%s as %s: %s, want a NOT_FOUND userError", m.name, caller, r.body)
				}
				continue
			}
			if r.code() != wantCode[caller] {
				t.Errorf("%s as %s: code %q (status %d), want %s", m.name, caller, r.code(), r.status, wantCode[caller])
			}
		}
	}
	time.Sleep(1200 * time.Millisecond) // a snapshot write behind would have happened
	if after := s.snapshotDigest(); after != before {
		t.Fatal("a refused mutation changed the event log or the collections")
	}
	for _, m := range mutations {
		for _, caller := range m.allowed {
			r := s.as(tokens[caller], m.query, map[string]any{"in": m.input()})
			var out map[string]struct{ UserErrors []userError }
			if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || len(out[m.name].UserErrors) > 0 {
				t.Errorf("%s as %s was refused: %+v %s", m.name, caller, r.Errors, r.Data)
			}
		}
	}
}

// TestPrivateDataStaysPrivate: a private meeting, its outcome and a
// stakeholder's contacts, through queries, node, history and a live
// subscription, for each kind of caller.
func TestPrivateDataStaysPrivate(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	_, viewer := issueToken(t, s, "VIEWER", "analyst", "", nil)
	_, invited := issueToken(t, s, "EDITOR", "BPD officer", "bpd", nil)
	_, outsider := issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)

	var sched struct {
		ScheduleMeeting struct{ Meeting struct{ ID string } }
	}
	s.mutate(`mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
		"title": "Closed briefing on gang truce", "startsAt": "2015-10-01T10:00:00Z", "endsAt": "2015-10-01T11:00:00Z", "location": "MNS",
		"convenerId": gid(hub.TypeStakeholder, "mns"), "private": true,
		"participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "bpd")}}}}, &sched)
	meetingID := sched.ScheduleMeeting.Meeting.ID

	// A live anonymous subscriber and one for the invited editor.
	q := `subscription { meetingOutcomeRecorded { cursor outcome { summary } } }`
	anon := startSubscriber(t, "anonymous", s.url, subOptions{query: q, count: 1})
	member := startSubscriber(t, "invited editor", s.url, subOptions{query: q, token: invited, count: 1})

	var rec struct {
		RecordMeetingOutcome struct{ Outcome struct{ ID string } }
	}
	s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } } }`, map[string]any{"in": map[string]any{
		"meetingId": meetingID, "kind": "DECISION", "summary": "Confidential: truce terms",
		"commitmentIds": []any{gid(hub.TypeCommitment, "C-2.1-002")}}}, &rec)
	outcomeID := rec.RecordMeetingOutcome.Outcome.ID
	recordDecision(t, s, "Public decision after the private one")

	if msg := member.next(10 * time.Second); !strings.Contains(msg, "Confidential: truce terms") {
		t.Fatalf("the invited editor's subscription got %s", msg)
	}
	if msg := anon.next(10 * time.Second); strings.Contains(msg, "Confidential") || !strings.Contains(msg, "Public decision") {
		t.Fatalf("the anonymous subscription got %s", msg)
	}

	probe := `query($m: ID!, $o: ID!) {
		meeting(id: $m) { title }
		node(id: $o) { id }
		meetings(first: 100) { nodes { id } }
		outcomes(first: 100) { nodes { id } }
		commitmentByReference(reference: "C-2.1-002") { outcomes { id } }
	}`
	for caller, token := range map[string]string{"anonymous": "", "outsider editor": outsider, "invited editor": invited, "viewer": viewer, "admin": testAdminToken} {
		r := s.as(token, probe, map[string]any{"m": meetingID, "o": outcomeID})
		if len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", caller, r.Errors)
		}
		sees := strings.Contains(string(r.Data), "Closed briefing")
		leaks := strings.Count(string(r.Data), outcomeID) + strings.Count(string(r.Data), meetingID)
		switch caller {
		case "anonymous", "outsider editor":
			if sees || leaks > 0 {
				t.Errorf("%s sees the private meeting: %s", caller, r.Data)
			}
		default:
			if !sees || leaks < 4 {
				t.Errorf("%s does not see the private meeting everywhere (%d mentions): %s", caller, leaks, r.Data)
			}
		}
	}

	// Contacts: null for anonymous callers, in queries and in history.
	s.mutate(`mutation { updateStakeholder(input: {id: "`+gid(hub.TypeStakeholder, "cydp")+`", contacts: [{name: "Ada Young", title: "Coordinator", email: "ada@example.org", phone: "+501 600 0000"}]}) { userErrors { message } } }`, nil, nil)
	contacts := `{ stakeholder(id: "` + gid(hub.TypeStakeholder, "cydp") + `") { contacts { name email } history(last: 1) { nodes { fields { field after } } } } }`
	if r := s.as("", contacts, nil); strings.Contains(string(r.Data), "Ada") || strings.Contains(string(r.Data), `"contacts":[`) {
		t.Fatalf("anonymous sees contacts: %s", r.Data)
	}
	if r := s.as(viewer, contacts, nil); strings.Count(string(r.Data), "ada@example.org") != 2 {
		t.Fatalf("a viewer should see the contacts and their history: %s", r.Data)
	}
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTokenSecretsAreNeverShownAgain: after issueToken, the secret is in
// no response, no log line and no stored document; revoking it closes an
// open WebSocket with 4403 and refuses it over HTTP.
func TestTokenSecretsAreNeverShownAgain(t *testing.T) {
	logs := &syncBuffer{}
	cfg := testConfig(t.TempDir())
	s := startServerLogger(t, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	id, secret := issueToken(t, s, "EDITOR", "Red Cross officer", "brc", nil)

	r := s.as(secret, `{ viewer { authenticated role tokenLabel stakeholder { name } } }`, nil)
	if !strings.Contains(string(r.Data), `"role":"EDITOR"`) || !strings.Contains(string(r.Data), "Belize Red Cross") {
		t.Fatalf("viewer with the new token: %s", r.Data)
	}
	ws := dialWS(t, s, "graphql-transport-ws")
	ws.send(`{"type":"connection_init","payload":{"Authorization":"Bearer ` + secret + `"}}`)
	ws.expect("connection_ack")

	responses := []response{
		s.as(testAdminToken, `{ tokens(first: 100) { nodes { id label role active stakeholder { name } } } }`, nil),
		s.as(testAdminToken, `{ auditLog(first: 50) { nodes { kind actor { name token { label } } fields { field before after } node { id } } } }`, nil), // 100 would cost over 1000: up to 14 fields an entry
		s.as(testAdminToken, `query($id: ID!) { node(id: $id) { ... on Token { label active createdAt } } }`, map[string]any{"id": id}),
	}
	s.mutate(`mutation($id: ID!) { revokeToken(input: {id: $id}) { token { active revokedAt } } }`, map[string]any{"id": id}, nil)
	ws.expectClose(4403)
	if r := s.as(secret, `{ viewer { role } }`, nil); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("a revoked token: status %d code %s", r.status, r.code())
	}
	s.stop() // flush every snapshot, then search the stored documents too
	for _, r := range responses {
		if len(r.Errors) > 0 || strings.Contains(string(r.Data), secret) {
			t.Fatalf("a response shows the secret or failed: %+v %s", r.Errors, r.Data)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatal("the secret is in the logs")
	}
	probe := startServer(t, s.dir, hub.Options{SnapshotInterval: -1})
	events, _ := probe.app.store.ReadAfter(context.Background(), 0)
	snaps, _, _ := probe.app.store.LoadSnapshots(context.Background())
	if stored := string(mustJSON(t, events)) + string(mustJSON(t, snaps)); strings.Contains(stored, secret) {
		t.Fatal("the secret is stored in the database")
	}
}

func TestAuditLogFilters(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	id, editor := issueToken(t, s, "EDITOR", "PfD officer", "pfd", nil)
	s.as(editor, `mutation { reportProgress(input: {commitmentId: "`+gid(hub.TypeCommitment, "C-2.1-002")+`", progress: 95, status: ON_TRACK, note: "nearly"}) { userErrors { message } } }`, nil)
	var out struct {
		AuditLog struct {
			TotalCount int
			Nodes      []struct {
				Kind  string
				Actor struct {
					Name        string
					Role        string
					Stakeholder struct{ Acronym string }
					Token       struct{ ID string }
				}
			}
		}
	}
	s.mutate(`query($ids: [ID!]) { auditLog(filter: {actorIds: $ids}, first: 10) { totalCount nodes { kind actor { name role stakeholder { acronym } token { id } } } } }`, map[string]any{"ids": []string{id}}, &out)
	if out.AuditLog.TotalCount != 1 || out.AuditLog.Nodes[0].Kind != "ProgressReported" || out.AuditLog.Nodes[0].Actor.Token.ID != id ||
		out.AuditLog.Nodes[0].Actor.Role != "EDITOR" || out.AuditLog.Nodes[0].Actor.Name != "PfD officer" {
		t.Fatalf("audit log by token: %+v", out.AuditLog)
	}
	if r := s.as(editor, `{ auditLog(first: 1) { totalCount } }`, nil); r.code() != "FORBIDDEN" {
		t.Fatalf("an editor reading the audit log: %+v", r.Errors)
	}
	if r := s.as("", `{ tokens { totalCount } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous reading tokens: %+v", r.Errors)
	}
}

func TestPublicReadOff(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.publicRead = false
	s := startServerConfig(t, cfg, hub.Options{})
	if r := s.as("", `{ communities { name } }`, nil); r.code() != "UNAUTHENTICATED" {
		t.Fatalf("anonymous read with public reads off: %+v %s", r.Errors, r.Data)
	}
	if r := s.as(testAdminToken, `{ communities { name } }`, nil); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	ws := dialWS(t, s, "graphql-transport-ws")
	ws.send(`{"type":"connection_init"}`)
	ws.expectClose(websocket.StatusCode(4403))
}

func TestTokenCreateCommand(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	cfg, err := ParseConfig([]string{"token", "create", "--role", "admin", "--label", "first admin", "--mongodb-uri", s.app.embedded.URI}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := createTokenCommand(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), &out); err != nil {
		t.Fatal(err)
	}
	secret := ""
	for _, f := range strings.Fields(out.String()) {
		if strings.HasPrefix(f, "cvn_") {
			secret = f
		}
	}
	waitFor(t, "the running server to see the new token", func() bool {
		r := s.as(secret, `{ viewer { role tokenLabel } }`, nil)
		return r.status == http.StatusOK && strings.Contains(string(r.Data), `"tokenLabel":"first admin"`)
	})
	if _, err := ParseConfig([]string{"token", "create", "--role", "EDITOR", "--label", "x", "--bogus"}, func(string) string { return "" }); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
}

func sortStrings(xs []string) { sort.Strings(xs) }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

package app

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"convene/hub"
	"convene/opaque"
)

// TestReadPolicy covers every kind of the registry × every kind of viewer
// × every path that reads: the kind's list query, node, nodes, history,
// its export, and the events subscription replayed from the log's start
// (over WebSocket and SSE) and live. Private data carries markers; a
// viewer who may not see it must find its marker in no answer. The
// expectations below are written out independently of hub's policy; a
// kind added to the registry without one fails the test until it says
// who may see it.
func TestReadPolicy(t *testing.T) {
	// Whole histories of every kind: more than the cost limit allows, and
	// what is tested here is who sees them.
	s := startServerConfig(t, testConfig(t.TempDir(), "--max-cost", "0"), hub.Options{})
	w := &policyWorld{t: t, s: s}
	w.setUp()

	for _, v := range w.viewers {
		t.Run(v.name, func(t *testing.T) {
			w.t = t
			for _, kind := range hub.EntityTypes() {
				w.queryPath(v, kind)
				w.nodePaths(v, kind)
				w.historyPath(v, kind)
				w.exportPath(v, kind, "")
				w.exportPath(v, kind, w.beforePrivate)
			}
			w.asOfPath(v)
			w.replay(v, "graphql-transport-ws")
			w.replay(v, "sse")
		})
	}
	w.t = t
	w.live()
	w.audiences()
}

// Markers of private data, and who may see each.
const (
	markContact = "policy-contact@example.org" // a stakeholder's contacts: authenticated viewers
	markMeeting = "MARK-M"                     // a meeting made private after it was scheduled: those it admits
	markOutcome = "MARK-O"                     // that meeting's outcome: the same
	markToken   = "MARK-T"                     // token labels: admins
	markWebhook = "MARK-W"                     // a webhook's URL: admins and the token that created it
)

type policyViewer struct {
	name, token   string
	authenticated bool
	admin         bool
	allMeetings   bool   // admins and viewers see every private meeting
	stakeholder   string // editors act for it
}

type policyWorld struct {
	t       *testing.T
	s       *testServer
	viewers []policyViewer
	meeting string // the meeting made private: its domain id
	outcome string
	hooker  string // the token that created the webhook
	// A referral from the invited stakeholder (bpd) to cydp's service,
	// whose contacts carry markContact.
	network, service, referral string
	// beforePrivate is an instant before the meeting was made private,
	// asked with asOf: the policy of now applies to the past.
	beforePrivate string
	// kindPaths: how each kind is listed and exported. A kind of the
	// registry missing here fails the test.
	kindPaths map[hub.EntityType]struct{ list, export string }
}

func (w *policyWorld) setUp() {
	t, s := w.t, w.s
	_, viewer := issueToken(t, s, "VIEWER", markToken+" analyst", "", nil)
	_, invited := issueToken(t, s, "EDITOR", markToken+" BPD officer", "bpd", nil)
	_, outsider := issueToken(t, s, "EDITOR", markToken+" BCCI officer", "bcci", nil)
	// The admin first: an answer it got must not be served to anyone after.
	w.viewers = []policyViewer{
		{name: "admin", token: testAdminToken, authenticated: true, admin: true, allMeetings: true},
		{name: "anonymous"},
		{name: "viewer", token: viewer, authenticated: true, allMeetings: true},
		{name: "editor of the invited stakeholder", token: invited, authenticated: true, stakeholder: "bpd"},
		{name: "editor of another stakeholder", token: outsider, authenticated: true, stakeholder: "bcci"},
	}
	w.kindPaths = map[hub.EntityType]struct{ list, export string }{
		hub.TypePlan:            {list: `{ strategicPlans { id title } }`},
		hub.TypePillar:          {list: `{ strategicPlans { pillars { id title } } }`},
		hub.TypeObjective:       {list: `{ strategicPlans { pillars { objectives { id title } } } }`},
		hub.TypeCommunity:       {list: `{ communities { id name } }`},
		hub.TypeStakeholder:     {list: `{ stakeholders(first: 100) { totalCount nodes { id contacts { email } } } }`, export: "stakeholders"},
		hub.TypeCommitment:      {list: `{ commitments(first: 100) { totalCount nodes { id title } } }`, export: "commitments"},
		hub.TypeMeeting:         {list: `{ meetings(first: 100) { totalCount nodes { id title location } } }`, export: "meetings"},
		hub.TypeOutcome:         {list: `{ outcomes(first: 100) { totalCount nodes { id summary } } }`, export: "outcomes"},
		hub.TypeToken:           {list: `{ tokens(first: 100) { totalCount nodes { id label } } }`},
		hub.TypeWebhook:         {list: `{ webhooks(first: 100) { totalCount nodes { id url } } }`},
		hub.TypeService:         {list: `query($after: String) { services(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id contacts { email } } } }`},
		hub.TypeReferralNetwork: {list: `query($after: String) { referralNetworks(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id members { id } } } }`},
		hub.TypeReferral:        {list: `query($after: String) { referrals(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id status } } }`},
	}
	w.hooker = invited
	if _, r := createWebhook(t, s, invited, "https://192.0.2.1/"+markWebhook, nil); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"secret":"whsec_`) {
		t.Fatalf("createWebhook: %s %v", r.Data, r.Errors)
	}

	s.mutate(`mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{
		"id": gid(hub.TypeStakeholder, "cydp"), "contacts": []any{map[string]any{"name": "Ada Young", "email": markContact}}}}, nil)
	var sched struct {
		ScheduleMeeting struct{ Meeting struct{ ID string } }
	}
	s.mutate(`mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
		"title": markMeeting + " briefing", "startsAt": "2015-10-01T10:00:00Z", "endsAt": "2015-10-01T11:00:00Z", "location": markMeeting + " room",
		"convenerId": gid(hub.TypeStakeholder, "mns"), "participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "bpd")}}}}, &sched)
	var rec struct {
		RecordMeetingOutcome struct{ Outcome struct{ ID string } }
	}
	s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } } }`, map[string]any{"in": map[string]any{
		"meetingId": sched.ScheduleMeeting.Meeting.ID, "kind": "DECISION", "summary": markOutcome + " decision",
		"commitmentIds": []any{gid(hub.TypeCommitment, "C-2.1-003")}}}, &rec)
	// Made private after its MeetingScheduled and MeetingOutcomeRecorded
	// events went out as public.
	w.beforePrivate = time.Now().UTC().Format(time.RFC3339Nano)
	time.Sleep(2 * time.Millisecond) // event times hold milliseconds: the change comes after it
	s.mutate(`mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{
		"id": sched.ScheduleMeeting.Meeting.ID, "private": true}}, nil)
	_, w.meeting, _ = opaque.ParseGlobalID(sched.ScheduleMeeting.Meeting.ID)
	_, w.outcome, _ = opaque.ParseGlobalID(rec.RecordMeetingOutcome.Outcome.ID)
	w.network = createNetwork(s, "Policy network", "bpd", "port-loyola", "cydp")
	w.service = createServiceAs(s, testAdminToken, "cydp", "Policy service", []string{"port-loyola"},
		map[string]any{"contacts": []any{map[string]any{"name": "Ada Young", "email": markContact}}})
	w.referral = makeReferralAs(s, invited, w.network, "", w.service)
	w.publicChange() // the log ends with an event everyone sees
	for _, kind := range hub.EntityTypes() {
		if _, ok := w.kindPaths[kind]; !ok {
			t.Fatalf("kind %s has no list query in this test: add one to kindPaths", kind)
		}
	}
}

// publicChange makes a change every viewer sees and returns its cursor.
func (w *policyWorld) publicChange() string {
	reportProgress(w.s, "C-2.1-003", 50+int(w.s.app.hub.Model().Seq()%40), "policy probe")
	return eventCursorOf(w.s.app.hub.Model().Seq())
}

func eventCursorOf(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(seq, 10)))
}

// sees is the expectation: whether v may see the entity.
func (w *policyWorld) sees(v policyViewer, kind hub.EntityType, id string) bool {
	m := w.s.app.hub.Model()
	switch kind {
	case hub.TypePlan, hub.TypePillar, hub.TypeObjective, hub.TypeCommunity, hub.TypeStakeholder, hub.TypeCommitment,
		hub.TypeService, hub.TypeReferralNetwork:
		return true
	case hub.TypeReferral:
		// Not viewers: a referral is seen by admins and the editors of
		// the two stakeholders in it.
		r := hub.Referrals.Get(m, id)
		return v.admin || (v.stakeholder != "" && (r.FromID == v.stakeholder || r.ToID == v.stakeholder))
	case hub.TypeMeeting:
		return meetingAdmits(v, hub.Meetings.Get(m, id))
	case hub.TypeOutcome:
		return meetingAdmits(v, hub.Meetings.Get(m, hub.Outcomes.Get(m, id).MeetingID))
	case hub.TypeToken:
		return v.admin
	case hub.TypeWebhook:
		return v.admin || (v.token != "" && v.token == w.hooker)
	}
	w.t.Fatalf("kind %s has no expectation in this test: say who may see it", kind)
	return false
}

func meetingAdmits(v policyViewer, mt *hub.Meeting) bool {
	if !mt.Private || v.allMeetings {
		return true
	}
	return v.stakeholder != "" && mt.Invites(v.stakeholder)
}

// noLeak fails when an answer holds a marker v may not see.
func (w *policyWorld) noLeak(v policyViewer, path, text string) {
	w.t.Helper()
	for marker, ok := range map[string]bool{
		markContact: v.authenticated,
		markMeeting: w.sees(v, hub.TypeMeeting, w.meeting),
		markOutcome: w.sees(v, hub.TypeOutcome, w.outcome),
		markToken:   v.admin,
		markWebhook: v.admin || (v.token != "" && v.token == w.hooker),
	} {
		if !ok && strings.Contains(text, marker) {
			w.t.Errorf("%s: %s leaks %q: %.600s", path, v.name, marker, text[max(0, strings.Index(text, marker)-300):])
		}
	}
}

// samples are the entities of a kind the per-entity paths try: a few,
// the ones the test set up, and one of each pattern of who sees it.
func (w *policyWorld) samples(kind hub.EntityType) []string {
	ids := w.s.app.hub.Model().IDs(kind)
	var out []string
	patterns := map[string]bool{}
	for i, id := range ids {
		var pattern []byte
		for _, v := range w.viewers {
			pattern = strconv.AppendBool(pattern, w.sees(v, kind, id))
		}
		if i < 2 || !patterns[string(pattern)] || slices.Contains([]string{"cydp", w.meeting, w.outcome, w.service, w.network, w.referral}, id) {
			out = append(out, id)
		}
		patterns[string(pattern)] = true
	}
	return out
}

// globalIDs collects the IDs of kind anywhere in a JSON answer.
func globalIDs(raw []byte, kind hub.EntityType) map[string]bool {
	var v any
	_ = json.Unmarshal(raw, &v)
	out := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && k == "id" {
					if t, id, ok := opaque.ParseGlobalID(s); ok && t == kind {
						out[id] = true
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// expectSet compares the entities of kind a path returned with what v may see.
func (w *policyWorld) expectSet(v policyViewer, path string, kind hub.EntityType, got map[string]bool) {
	w.t.Helper()
	for _, id := range w.s.app.hub.Model().IDs(kind) {
		if want := w.sees(v, kind, id); got[id] != want {
			w.t.Errorf("%s: %s sees %s %s: %v, want %v", path, v.name, kind, id, got[id], want)
		}
	}
}

func (w *policyWorld) queryPath(v policyViewer, kind hub.EntityType) {
	list := w.kindPaths[kind].list
	path := "query " + list
	if strings.Contains(list, "$after") {
		w.pagedQueryPath(v, kind, list)
		return
	}
	r := w.s.as(v.token, list, nil)
	w.noLeak(v, path, r.body)
	if (kind == hub.TypeToken && !v.admin) || (kind == hub.TypeWebhook && !v.authenticated) {
		if c := r.code(); c != "UNAUTHENTICATED" && c != "FORBIDDEN" {
			w.t.Errorf("%s: %s gets %s", path, v.name, r.body)
		}
		return
	}
	if len(r.Errors) > 0 {
		w.t.Fatalf("%s: %s: %s", path, v.name, r.body)
	}
	if strings.Contains(string(r.Data), `"totalCount":`) && strings.Contains(string(r.Data), "hasNextPage\":true") {
		w.t.Fatalf("%s: more than one page", path)
	}
	w.expectSet(v, path, kind, globalIDs(r.Data, kind))
}

// pagedQueryPath reads every page of a list whose query takes $after.
func (w *policyWorld) pagedQueryPath(v policyViewer, kind hub.EntityType, list string) {
	path := "query " + list
	got := map[string]bool{}
	vars := map[string]any{}
	for range 100 {
		r := w.s.as(v.token, list, vars)
		w.noLeak(v, path, r.body)
		if len(r.Errors) > 0 {
			w.t.Fatalf("%s: %s: %s", path, v.name, r.body)
		}
		maps.Copy(got, globalIDs(r.Data, kind))
		var page map[string]struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		w.s.mustDecode(r, &page)
		for _, p := range page {
			if !p.PageInfo.HasNextPage {
				w.expectSet(v, path, kind, got)
				return
			}
			vars["after"] = p.PageInfo.EndCursor
		}
	}
	w.t.Fatalf("%s: more than 100 pages", path)
}

func (w *policyWorld) nodePaths(v policyViewer, kind hub.EntityType) {
	ids := w.samples(kind)
	gids := make([]any, len(ids))
	for i, id := range ids {
		gids[i] = gid(kind, id)
		r := w.s.as(v.token, `query($id: ID!) { node(id: $id) { id __typename } }`, map[string]any{"id": gids[i]})
		w.noLeak(v, "node", r.body)
		if got, want := !strings.Contains(string(r.Data), `"node":null`), w.sees(v, kind, id); len(r.Errors) > 0 || got != want {
			w.t.Errorf("node(%s %s): %s sees it: %v, want %v (%s)", kind, id, v.name, got, want, r.body)
		}
	}
	r := w.s.as(v.token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": gids})
	var out struct{ Nodes []*struct{ ID string } }
	w.s.mustDecode(r, &out)
	for i, id := range ids {
		if got, want := out.Nodes[i] != nil, w.sees(v, kind, id); got != want {
			w.t.Errorf("nodes(%s %s): %s sees it: %v, want %v", kind, id, v.name, got, want)
		}
	}
}

func (w *policyWorld) historyPath(v policyViewer, kind hub.EntityType) {
	var typ struct {
		Type struct{ Fields []struct{ Name string } }
	}
	w.s.query(`query($t: String!) { type: __type(name: $t) { fields { name } } }`, map[string]any{"t": string(kind)}, &typ)
	if !slices.ContainsFunc(typ.Type.Fields, func(f struct{ Name string }) bool { return f.Name == "history" }) {
		return // a kind without a history field
	}
	q := fmt.Sprintf(`query($id: ID!) { node(id: $id) { id ... on %s { history(first: 60) { totalCount nodes { kind fields { field before after } } } } } }`, kind) // 100 would cost over 1000
	for _, id := range w.samples(kind) {
		r := w.s.as(v.token, q, map[string]any{"id": gid(kind, id)})
		path := fmt.Sprintf("history of %s %s", kind, id)
		w.noLeak(v, path, r.body)
		var out struct {
			Node *struct {
				History struct {
					TotalCount int
					Nodes      []struct{ Fields []struct{ Field string } }
				}
			}
		}
		w.s.mustDecode(r, &out)
		if got, want := out.Node != nil, w.sees(v, kind, id); got != want {
			w.t.Errorf("%s: %s sees it: %v, want %v", path, v.name, got, want)
			continue
		}
		if out.Node == nil {
			continue
		}
		if out.Node.History.TotalCount == 0 {
			w.t.Errorf("%s: empty for %s", path, v.name)
		}
		for _, c := range out.Node.History.Nodes {
			for _, f := range c.Fields {
				if !v.authenticated && slices.Contains(hub.PrivateFields(kind), f.Field) {
					w.t.Errorf("%s: %s sees the private field %s", path, v.name, f.Field)
				}
			}
		}
	}
}

// exportPath checks a kind's export, as it is now or (asOf not "") as
// it stood then.
func (w *policyWorld) exportPath(v policyViewer, kind hub.EntityType, asOf string) {
	name := w.kindPaths[kind].export
	if name == "" {
		return // a kind without an export
	}
	file := name + ".json"
	if asOf != "" {
		file += "?asOf=" + url.QueryEscape(asOf)
		name += " asOf " + asOf
	}
	e := w.s.export(file, v.token).mustOK(w.t, name)
	w.noLeak(v, "export "+name, string(e.body))
	var rows []map[string]any
	if err := json.Unmarshal(e.body, &rows); err != nil {
		w.t.Fatal(err)
	}
	got := map[string]bool{}
	for _, row := range rows {
		if t, id, ok := opaque.ParseGlobalID(fmt.Sprint(row["id"])); ok && t == kind {
			got[id] = true
		}
	}
	w.expectSet(v, "export "+name, kind, got)
}

// asOfPath asks, as the hub stood before the meeting was made private,
// for what leads to it: the outcome through its commitment, and a
// stakeholder's contacts.
func (w *policyWorld) asOfPath(v policyViewer) {
	q := `query($at: DateTime, $c: ID!, $s: ID!) {
	  commitment(id: $c, asOf: $at) { id outcomes { id summary } }
	  stakeholder(id: $s, asOf: $at) { id contacts { email } }
	  commitments(first: 100, asOf: $at) { nodes { id outcomes { id summary } } }
	}`
	r := w.s.as(v.token, q, map[string]any{"at": w.beforePrivate, "c": gid(hub.TypeCommitment, "C-2.1-003"), "s": gid(hub.TypeStakeholder, "cydp")})
	if len(r.Errors) > 0 {
		w.t.Fatalf("asOf: %s: %s", v.name, r.body)
	}
	w.noLeak(v, "asOf", r.body)
	if got, want := strings.Contains(r.body, markContact), v.authenticated; got != want {
		w.t.Errorf("asOf: %s sees the contacts: %v, want %v", v.name, got, want)
	}
	if got, want := strings.Contains(r.body, markOutcome), w.sees(v, hub.TypeOutcome, w.outcome); got != want {
		w.t.Errorf("asOf: %s sees the outcome: %v, want %v", v.name, got, want)
	}
}

// eventsSelection is what every events subscription of this test selects.
const eventsSelection = `{ cursor entityType node { id } changedFields { field before after } }`

// replay reads events(after: the log's start) up to the head over one
// transport, and checks that v receives the events of exactly the
// entities it may see, and no marker it may not.
func (w *policyWorld) replay(v policyViewer, transport string) {
	head := eventCursorOf(w.s.app.hub.Model().Seq())
	query := fmt.Sprintf(`subscription { events(after: %q) %s }`, eventCursorOf(0), eventsSelection)
	var msgs []string
	if transport == "sse" {
		msgs = w.sseUntil(v, query, "events", head)
	} else {
		c := w.dial(v)
		c.subscribe("1", query)
		msgs = c.until(head)
	}
	path := "events replay over " + transport
	seen := map[hub.EntityType]map[string]bool{}
	for _, m := range msgs {
		w.noLeak(v, path, m)
		var e struct{ Node struct{ ID string } }
		_ = json.Unmarshal([]byte(m), &e)
		if t, id, ok := opaque.ParseGlobalID(e.Node.ID); ok {
			if seen[t] == nil {
				seen[t] = map[string]bool{}
			}
			seen[t][id] = true
		}
	}
	for _, kind := range hub.EntityTypes() {
		w.expectSet(v, path, kind, seen[kind])
	}
	all := strings.Join(msgs, "\n")
	if v.authenticated && !strings.Contains(all, markContact) || w.sees(v, hub.TypeMeeting, w.meeting) && !strings.Contains(all, markMeeting) {
		w.t.Errorf("%s: %s misses private data it may see", path, v.name)
	}
}

// live subscribes every viewer to events from now over WebSocket, changes
// an entity of each kind that has a mutation, and checks who hears which.
func (w *policyWorld) live() {
	t, s := w.t, w.s
	clients := make([]*policyWS, len(w.viewers))
	for i, v := range w.viewers {
		clients[i] = w.dial(v)
		clients[i].subscribe("live", `subscription { events `+eventsSelection+` }`)
	}
	// Subscriptions start asynchronously: public changes until every
	// subscriber has heard one.
	for attempt, ready := 0, 0; ready < len(clients); attempt++ {
		if attempt == 20 {
			t.Fatal("the live subscriptions did not start")
		}
		head := w.publicChange()
		ready = 0
		for _, c := range clients {
			if c.ready || c.within(head, 500*time.Millisecond) {
				c.ready = true
				ready++
			}
		}
	}
	type ref struct {
		kind hub.EntityType
		id   string
	}
	s.mutate(`mutation($in: UpdateStakeholderInput!) { updateStakeholder(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{
		"id": gid(hub.TypeStakeholder, "cydp"), "contacts": []any{map[string]any{"name": "Ada Young", "email": "live-" + markContact}}}}, nil)
	s.mutate(`mutation($in: UpdateMeetingInput!) { updateMeeting(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{
		"id": gid(hub.TypeMeeting, w.meeting), "location": markMeeting + " live room"}}, nil)
	s.mutate(`mutation($in: UpdateOutcomeStatusInput!) { updateOutcomeStatus(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{
		"id": gid(hub.TypeOutcome, w.outcome), "status": "IN_PROGRESS"}}, nil)
	token, _ := issueToken(t, s, "VIEWER", markToken+" live", "", nil)
	_, tokenID, _ := opaque.ParseGlobalID(token)
	referral := makeReferralAs(s, testAdminToken, w.network, "bpd", w.service)
	head := w.publicChange()
	changed := []ref{{hub.TypeStakeholder, "cydp"}, {hub.TypeMeeting, w.meeting}, {hub.TypeOutcome, w.outcome},
		{hub.TypeToken, tokenID}, {hub.TypeCommitment, "C-2.1-003"}, {hub.TypeReferral, referral}}
	for _, kind := range hub.EntityTypes() {
		if !slices.ContainsFunc(changed, func(r ref) bool { return r.kind == kind }) {
			t.Logf("live: no mutation changes a %s; its events are covered by the replays", kind)
		}
	}
	for i, v := range w.viewers {
		seen := map[string]bool{}
		for _, m := range clients[i].until(head) {
			w.noLeak(v, "live events", m)
			var e struct{ Node struct{ ID string } }
			_ = json.Unmarshal([]byte(m), &e)
			seen[e.Node.ID] = true
		}
		for _, r := range changed {
			if got, want := seen[gid(r.kind, r.id)], w.sees(v, r.kind, r.id); got != want {
				t.Errorf("live events: %s hears %s %s: %v, want %v", v.name, r.kind, r.id, got, want)
			}
		}
	}
}

// audiences: viewers the policy names alike must see alike, so that a
// shared live execution shows none of them anything it should not.
func (w *policyWorld) audiences() {
	m := w.s.app.hub.Model()
	viewers := []hub.Viewer{{}, {Role: hub.RoleAdmin}, {Role: hub.RoleAdmin, TokenID: "other"},
		{Role: hub.RoleViewer}, {Role: hub.RoleViewer, TokenID: "other"},
		{Role: hub.RoleEditor, StakeholderID: "bpd"}, {Role: hub.RoleEditor, StakeholderID: "bpd", TokenID: "other"},
		{Role: hub.RoleEditor, StakeholderID: "bcci"}, {Role: hub.RoleEditor, StakeholderID: "mns"}}
	for i, a := range viewers {
		for _, b := range viewers[i+1:] {
			if a.Audience() != b.Audience() {
				continue
			}
			for _, kind := range hub.EntityTypes() {
				for _, id := range m.IDs(kind) {
					if m.CanSee(a, kind, id) != m.CanSee(b, kind, id) {
						w.t.Errorf("audience %q: %+v and %+v see %s %s differently", a.Audience(), a, b, kind, id)
					}
				}
				for _, f := range hub.PrivateFields(kind) {
					if a.SeesField(kind, f) != b.SeesField(kind, f) {
						w.t.Errorf("audience %q: %+v and %+v see %s.%s differently", a.Audience(), a, b, kind, f)
					}
				}
			}
		}
	}
}

// ---------------------------------------------------------------- transports

// policyWS is a graphql-transport-ws client whose messages are read in the
// background, so that waits can time out.
type policyWS struct {
	t     *testing.T
	ws    *websocket.Conn
	msgs  chan []byte
	ready bool
}

func (w *policyWorld) dial(v policyViewer) *policyWS {
	t := w.t
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(w.s.url, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 24)
	t.Cleanup(func() { ws.CloseNow() })
	c := &policyWS{t: t, ws: ws, msgs: make(chan []byte, 1<<16)}
	go func() {
		defer close(c.msgs)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			c.msgs <- data
		}
	}()
	init := map[string]any{}
	if v.token != "" {
		init["Authorization"] = "Bearer " + v.token
	}
	c.send(map[string]any{"type": "connection_init", "payload": init})
	if m := c.read(5 * time.Second); m == nil || m["type"] != "connection_ack" {
		t.Fatalf("connection_init as %s: %v", v.name, m)
	}
	return c
}

func (c *policyWS) send(msg map[string]any) {
	b, _ := json.Marshal(msg)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

func (c *policyWS) subscribe(id, query string) {
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
}

// read returns the next message other than a ping, or nil after d.
func (c *policyWS) read(d time.Duration) map[string]any {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case data, ok := <-c.msgs:
			if !ok {
				return nil
			}
			var m map[string]any
			if json.Unmarshal(data, &m) != nil || m["type"] == "ping" || m["type"] == "pong" {
				continue
			}
			return m
		case <-timer.C:
			return nil
		}
	}
}

// until returns the events (as JSON) received up to the one at cursor.
func (c *policyWS) until(cursor string) []string {
	c.t.Helper()
	var out []string
	for {
		m := c.read(20 * time.Second)
		if m == nil || m["type"] != "next" {
			c.t.Fatalf("waiting for the event at %s: got %v", cursor, m)
		}
		e, _ := json.Marshal(m["payload"].(map[string]any)["data"].(map[string]any)["events"])
		out = append(out, string(e))
		var ev struct{ Cursor string }
		_ = json.Unmarshal(e, &ev)
		if ev.Cursor == cursor {
			return out
		}
	}
}

// within reports whether the event at cursor arrives within d.
func (c *policyWS) within(cursor string, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		m := c.read(time.Until(deadline))
		if m == nil {
			return false
		}
		if strings.Contains(fmt.Sprint(m), cursor) {
			return true
		}
	}
}

// sseUntil runs a subscription over server-sent events as v and returns
// its messages' field (as JSON) up to the one at cursor.
func (w *policyWorld) sseUntil(v policyViewer, query, field, cursor string) []string {
	t := w.t
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, w.s.url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if v.token != "" {
		req.Header.Set("Authorization", "Bearer "+v.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []string
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data:")
		if !ok {
			continue
		}
		var m struct{ Data map[string]json.RawMessage }
		if json.Unmarshal([]byte(line), &m) != nil || m.Data[field] == nil {
			t.Fatalf("SSE as %s: %s", v.name, line)
		}
		out = append(out, string(m.Data[field]))
		var ev struct{ Cursor string }
		_ = json.Unmarshal(m.Data[field], &ev)
		if ev.Cursor == cursor {
			return out
		}
	}
	t.Fatalf("SSE as %s ended before the event at %s: %v", v.name, cursor, sc.Err())
	return nil
}

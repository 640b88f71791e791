package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"convene/hub"
)

// webhookConfig is a test server's configuration with webhooks allowed to
// reach the loopback receiver.
func webhookConfig(dir string) Config {
	cfg := testConfig(dir)
	cfg.webhooks.allowPrivate, cfg.webhooks.allowHTTP = true, true
	return cfg
}

// TestWebhookRefusals: who may create webhooks, which filters and which
// URLs (server-side request forgery) are refused.
func TestWebhookRefusals(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{}) // neither private addresses nor http allowed
	_, viewer := issueToken(t, s, "VIEWER", "analyst", "", nil)
	for _, c := range []struct{ url, want string }{
		{"http://93.184.216.34/hook", "must be https"},
		{"https://127.0.0.1/hook", "loopback"},
		{"https://[::1]:8443/hook", "loopback"},
		{"https://localhost/hook", "loopback"},
		{"https://10.0.0.7/hook", "private"},
		{"https://192.168.1.20/hook", "private"},
		{"https://169.254.169.254/latest/meta-data/", "link-local"},
		{"https://[fd00:ec2::254]/", "private"},
		{"gopher://93.184.216.34/", "https"},
		{"not a url", "https"},
	} {
		_, r := createWebhook(t, s, "", c.url, nil)
		if !strings.Contains(string(r.Data), `"webhook":null`) || !strings.Contains(string(r.Data), c.want) || !strings.Contains(string(r.Data), `"code":"INVALID"`) {
			t.Errorf("%s: want a userError saying %q, got %s %v", c.url, c.want, r.Data, r.Errors)
		}
	}
	if _, r := createWebhook(t, s, viewer, "https://93.184.216.34/hook", nil); r.code() != "FORBIDDEN" {
		t.Errorf("a viewer token created a webhook: %s %v", r.Data, r.Errors)
	}
	r := s.do(false, `mutation { createWebhook(input: {url: "https://93.184.216.34/", filter: {events: {}}}) { secret } }`, nil)
	if r.code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous createWebhook: %s %v", r.Data, r.Errors)
	}
	for _, f := range []map[string]any{
		{},
		{"outcomes": map[string]any{}, "events": map[string]any{}},
		{"outcomes": map[string]any{"meetingIds": []string{"not-an-id"}}},
		{"commitments": map[string]any{"pillarIds": []string{gid(hub.TypeCommitment, "C-2.1-004")}}},
	} {
		if _, r := createWebhook(t, s, "", "https://93.184.216.34/hook", f); r.code() != "BAD_USER_INPUT" {
			t.Errorf("filter %v: %s %v", f, r.Data, r.Errors)
		}
	}
	r = s.as(testAdminToken, `mutation { deleteWebhook(input: {id: "V2ViaG9vazpub3Bl"}) { userErrors { code } } }`, nil)
	if !strings.Contains(string(r.Data), "NOT_FOUND") {
		t.Errorf("deleting no webhook: %s %v", r.Data, r.Errors)
	}
}

// TestWebhookVisibility: a webhook sees what its creator's token sees, at
// delivery time: an editor's webhook gets no outcome of a private meeting
// that does not invite its stakeholder, and stops when the token is revoked.
func TestWebhookVisibility(t *testing.T) {
	s := startServerConfig(t, webhookConfig(t.TempDir()), hub.Options{})
	_, editor := issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)
	var tokens struct {
		Tokens struct{ Nodes []struct{ ID, Label string } }
	}
	s.mustDecode(s.as(testAdminToken, `{ tokens { nodes { id label } } }`, nil), &tokens)
	admins, editors := newReceiver(t, "127.0.0.1:0"), newReceiver(t, "127.0.0.1:0")
	aw, _ := createWebhook(t, s, "", admins.url(), nil)
	ew, r := createWebhook(t, s, editor, editors.url(), nil)
	if ew.ID == "" {
		t.Fatalf("an editor's createWebhook: %s %v", r.Data, r.Errors)
	}
	admins.secret, editors.secret = aw.Secret, ew.Secret

	// The editor sees its own webhook only; the admin both.
	var list struct {
		Webhooks struct{ Nodes []struct{ ID string } }
	}
	s.mustDecode(s.as(editor, `{ webhooks { nodes { id } } }`, nil), &list)
	if len(list.Webhooks.Nodes) != 1 || list.Webhooks.Nodes[0].ID != ew.ID {
		t.Errorf("the editor lists %+v", list)
	}
	s.mustDecode(s.as(testAdminToken, `{ webhooks { nodes { id } } }`, nil), &list)
	if len(list.Webhooks.Nodes) != 2 {
		t.Errorf("the admin lists %+v", list)
	}
	if r := s.as(editor, `mutation($in: WebhookIDInput!) { deleteWebhook(input: $in) { userErrors { code } } }`, map[string]any{"in": map[string]any{"id": aw.ID}}); !strings.Contains(string(r.Data), "NOT_FOUND") {
		t.Errorf("the editor deleted the admin's webhook: %s %v", r.Data, r.Errors)
	}

	var sched struct {
		ScheduleMeeting struct{ Meeting struct{ ID string } }
	}
	s.mutate(`mutation($in: ScheduleMeetingInput!) { scheduleMeeting(input: $in) { meeting { id } } }`, map[string]any{"in": map[string]any{
		"title": "closed briefing", "startsAt": "2015-10-01T10:00:00Z", "endsAt": "2015-10-01T11:00:00Z", "private": true, "location": "room 1",
		"convenerId": gid(hub.TypeStakeholder, "mns"), "participants": []any{map[string]any{"stakeholderId": gid(hub.TypeStakeholder, "bpd")}}}}, &sched)
	recordOutcome(s, sched.ScheduleMeeting.Meeting.ID, "DECISION", "private decision", "bpd")
	public := heldMeeting(s)
	recordOutcome(s, public, "DECISION", "public decision", "bcci")
	admins.waitFor(2, 20*time.Second)
	editors.waitFor(1, 20*time.Second)
	if got := admins.summaries(); !slices.Equal(got, []string{"private decision", "public decision"}) {
		t.Errorf("the admin's webhook got %v", got)
	}
	if got := editors.summaries(); !slices.Equal(got, []string{"public decision"}) {
		t.Errorf("the editor's webhook got %v", got)
	}

	// Revoking the editor's token stops its webhook.
	var tok struct {
		Viewer struct{ TokenLabel string }
	}
	s.mustDecode(s.as(editor, `{ viewer { tokenLabel } }`, nil), &tok)
	for _, n := range tokens.Tokens.Nodes {
		if n.Label == tok.Viewer.TokenLabel {
			s.mutate(`mutation($in: RevokeTokenInput!) { revokeToken(input: $in) { userErrors { message } } }`, map[string]any{"in": map[string]any{"id": n.ID}}, nil)
		}
	}
	recordOutcome(s, public, "ACTION_ITEM", "after the revocation", "bcci")
	admins.waitFor(3, 20*time.Second)
	time.Sleep(2 * time.Second)
	if got := editors.summaries(); len(got) != 1 {
		t.Errorf("the revoked token's webhook still delivers: %v", got)
	}

	// redeliverWebhook sends again what followed a cursor, with the same ids.
	admins.mu.Lock()
	first := admins.got[0].body["data"].(map[string]any)["meetingOutcomeRecorded"].(map[string]any)["cursor"].(string)
	before := len(admins.got)
	admins.mu.Unlock()
	r = s.as(testAdminToken, `mutation($in: RedeliverWebhookInput!) { redeliverWebhook(input: $in) { webhook { active } userErrors { message } } }`,
		map[string]any{"in": map[string]any{"id": aw.ID, "after": first}})
	if !strings.Contains(string(r.Data), `"active":true`) {
		t.Fatalf("redeliverWebhook: %s %v", r.Data, r.Errors)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		admins.mu.Lock()
		n := len(admins.got)
		var again []string
		for _, d := range admins.got[before:] {
			again = append(again, d.id)
		}
		ids := []string{admins.got[1].id, admins.got[2].id}
		admins.mu.Unlock()
		if n >= before+2 {
			if !slices.Equal(again, ids) {
				t.Errorf("redelivered %v, want %v", again, ids)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redelivered %v within 20s", again)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := s.as(testAdminToken, `mutation($in: RedeliverWebhookInput!) { redeliverWebhook(input: $in) { userErrors { message } } }`,
		map[string]any{"in": map[string]any{"id": aw.ID, "after": "bm90LWEtY3Vyc29y"}}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("redeliver after a bad cursor: %s %v", r.Data, r.Errors)
	}
}

// TestWebhookSecretKept: the signing secret appears in the create and
// rotate payloads only: not in any other answer, the audit log, history,
// exports, the event log, checkpoints or the server's log.
func TestWebhookSecretKept(t *testing.T) {
	var logs lockedBuffer
	cfg := webhookConfig(t.TempDir())
	s := startServerLogger(t, cfg, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	rcv := newReceiver(t, "127.0.0.1:0")
	w, _ := createWebhook(t, s, "", rcv.url(), map[string]any{"events": map[string]any{"entityTypes": []string{"WEBHOOK", "MEETING_OUTCOME"}}})
	rcv.secret = w.Secret
	var rot struct {
		RotateWebhookSecret struct{ Secret string }
	}
	s.mustDecode(s.as(testAdminToken, `mutation($in: WebhookIDInput!) { rotateWebhookSecret(input: $in) { secret userErrors { message } } }`, map[string]any{"in": map[string]any{"id": w.ID}}), &rot)
	rotated := rot.RotateWebhookSecret.Secret
	if !strings.HasPrefix(rotated, "whsec_") || rotated == w.Secret {
		t.Fatalf("rotated to %q", rotated)
	}
	rcv.mu.Lock()
	rcv.secret = rotated
	rcv.mu.Unlock()
	var test struct {
		TestWebhook struct {
			Delivery struct {
				StatusCode int
				MessageID  string
			}
		}
	}
	s.mustDecode(s.as(testAdminToken, `mutation($in: WebhookIDInput!) { testWebhook(input: $in) { delivery { statusCode messageId } } }`, map[string]any{"in": map[string]any{"id": w.ID}}), &test)
	if test.TestWebhook.Delivery.StatusCode != 200 {
		t.Errorf("testWebhook with the rotated secret: %+v (bad: %v)", test, rcv.bad)
	}
	recordOutcome(s, heldMeeting(s), "DECISION", "secret probe", "bpd")
	rcv.waitFor(3, 20*time.Second) // the test, the rotation's event, the outcome

	var answers bytes.Buffer
	for _, q := range []string{
		`{ webhooks { nodes { id url description filter { subscription filter } creator { name } createdAt active disabledAt disabledReason deliveries { nodes { messageId cursor at attempt statusCode durationMs error response nextRetry } } } } }`,
		`{ auditLog(first: 20) { nodes { kind fields { field before after } node { id } } } }`,
		`query($id: ID!) { node(id: $id) { id ... on Webhook { url } } }`,
	} {
		r := s.as(testAdminToken, q, map[string]any{"id": w.ID})
		if len(r.Errors) > 0 {
			t.Errorf("%s: %v", q, r.Errors)
		}
		answers.Write(r.Data)
	}
	for _, kind := range []string{"commitments", "stakeholders", "meetings", "outcomes"} {
		req, _ := http.NewRequest("GET", s.url+"/export/"+kind+".json", nil)
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&answers, resp.Body)
		resp.Body.Close()
	}
	events, err := s.app.store.ReadAfter(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	for _, e := range events {
		b, _ := bson.Marshal(e)
		logged.Write(b)
	}
	s.app.hub.Close(context.Background()) // writes the checkpoint
	snaps, _, err := s.app.store.LoadSnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sealed := 0
	for _, sn := range snaps {
		b, _ := bson.Marshal(sn)
		logged.Write(b)
		if bytes.Contains(b, []byte("gcm1:")) {
			sealed++
		}
	}
	key, _ := os.ReadFile(filepath.Join(cfg.dataDir, "webhook-key"))
	for _, secret := range []string{w.Secret, rotated} {
		body := strings.TrimPrefix(secret, "whsec_")
		for where, text := range map[string]string{"an answer or export": answers.String(), "the event log or a checkpoint": logged.String(), "the server log": logs.String()} {
			if strings.Contains(text, body) {
				t.Errorf("a webhook secret is in %s", where)
			}
		}
	}
	if strings.Contains(logged.String(), strings.TrimSpace(string(key))) || strings.Contains(logs.String(), strings.TrimSpace(string(key))) {
		t.Error("the webhook key is in the log")
	}
	if sealed == 0 || !strings.Contains(answers.String(), `"subscription":"events"`) {
		t.Errorf("no sealed secret in the checkpoints (%d), or the answers hold no webhook: %.300s", sealed, answers.String())
	}
}

// TestWebhookTwoInstances: two instances on one database (sharing the
// webhook key) deliver each event once; when the one that delivers stops
// without a word, the other takes its lease over when it expires.
func TestWebhookTwoInstances(t *testing.T) {
	a := startServerConfig(t, webhookConfig(t.TempDir()), hub.Options{})
	key, err := os.ReadFile(filepath.Join(a.dir, "webhook-key"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := webhookConfig(t.TempDir())
	cfg.mongoURI, cfg.database = sameDatabase(a)
	cfg.webhooks.key = strings.TrimSpace(string(key))
	b := startServerConfig(t, cfg, hub.Options{})
	rcv := newReceiver(t, "127.0.0.1:0")
	w, _ := createWebhook(t, a, "", rcv.url(), nil)
	rcv.secret = w.Secret
	meeting := heldMeeting(a)
	var wg sync.WaitGroup
	for i, s := range []*testServer{a, b, a, b, a, b} {
		wg.Go(func() { recordOutcome(s, meeting, "DECISION", "two "+string(rune('0'+i)), "bpd") })
	}
	wg.Wait()
	rcv.waitFor(6, 30*time.Second)
	time.Sleep(2 * time.Second)
	rcv.mu.Lock()
	n := len(rcv.got)
	rcv.mu.Unlock()
	if n != 6 {
		t.Errorf("%d deliveries of 6 events: %v", n, rcv.ids())
	}
	// The deliverer holding the lease stops without a word (as if killed);
	// the other takes over when the lease runs out.
	var l struct{ Owner string }
	if err := a.app.store.Database().Collection("webhook_leases").FindOne(context.Background(), bson.D{},
		options.FindOne().SetSort(bson.D{{Key: "term", Value: -1}})).Decode(&l); err != nil {
		t.Fatal(err)
	}
	holder := a
	if l.Owner == b.app.webhooks.Instance() {
		holder = b
	} else if l.Owner != a.app.webhooks.Instance() {
		t.Fatalf("the lease is held by %q, neither instance", l.Owner)
	}
	holder.app.webhooks.Close()
	recordOutcome(a, meeting, "DECISION", "after a stopped", "bpd")
	rcv.waitFor(7, 40*time.Second)
	if got := rcv.summaries(); got[len(got)-1] != "after a stopped" {
		t.Errorf("received %v", got)
	}
}

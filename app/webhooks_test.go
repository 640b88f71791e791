package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint on loopback that verifies each delivery
// per the Standard Webhooks specification, independently of the server's
// code, and keeps what it accepted.
type receiver struct {
	t      *testing.T
	secret string
	addr   string
	srv    *http.Server
	mu     sync.Mutex
	got    []delivered // in arrival order, duplicates included
	bad    []string
}

type delivered struct {
	id   string
	seq  int64
	body map[string]any
}

func newReceiver(t *testing.T, addr string) *receiver {
	r := &receiver{t: t}
	r.listen(addr)
	return r
}

func (r *receiver) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve)}
	go r.srv.Serve(ln)
	r.t.Cleanup(func() { r.srv.Close() })
}

func (r *receiver) url() string { return "http://" + r.addr + "/hook" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	r.mu.Lock()
	defer r.mu.Unlock()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	sent, _ := strconv.ParseInt(ts, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) || time.Since(time.Unix(sent, 0)).Abs() > 5*time.Minute {
		r.bad = append(r.bad, id+" "+sig)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	parts := strings.Split(id, "_")
	seq, _ := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	r.got = append(r.got, delivered{id: id, seq: seq, body: m})
}

// ids returns the distinct webhook-ids received, first arrival order.
func (r *receiver) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.got {
		if !slices.Contains(out, d.id) {
			out = append(out, d.id)
		}
	}
	return out
}

// waitFor waits until n distinct messages arrived.
func (r *receiver) waitFor(n int, within time.Duration) []string {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if ids := r.ids(); len(ids) >= n {
			return ids
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatalf("received %v within %v; want %d messages (bad signatures: %v)", r.ids(), within, n, r.bad)
	return nil
}

// summaries returns the outcome summaries received, by distinct id.
func (r *receiver) summaries() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	seen := map[string]bool{}
	for _, d := range r.got {
		if seen[d.id] {
			continue
		}
		seen[d.id] = true
		data, _ := d.body["data"].(map[string]any)
		ev, _ := data["meetingOutcomeRecorded"].(map[string]any)
		o, _ := ev["outcome"].(map[string]any)
		s, _ := o["summary"].(string)
		out = append(out, s)
	}
	return out
}

type createdWebhook struct {
	ID, Secret string
}

// createWebhook registers an outcomes webhook as token (the admin when "").
func createWebhook(t *testing.T, s *testServer, token, url string, filter map[string]any) (createdWebhook, response) {
	t.Helper()
	if token == "" {
		token = testAdminToken
	}
	if filter == nil {
		filter = map[string]any{"outcomes": map[string]any{}}
	}
	r := s.as(token, `mutation($in: CreateWebhookInput!) { createWebhook(input: $in) { webhook { id url active } secret userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"url": url, "description": "test receiver", "filter": filter}})
	var out struct {
		CreateWebhook struct {
			Webhook *struct{ ID string }
			Secret  string
		}
	}
	_ = json.Unmarshal(r.Data, &out)
	w := createdWebhook{Secret: out.CreateWebhook.Secret}
	if out.CreateWebhook.Webhook != nil {
		w.ID = out.CreateWebhook.Webhook.ID
	}
	return w, r
}

// TestWebhookAcrossKill is the test: a webhook to a local
// receiver, outcomes recorded, the signature checked, the receiver and
// the server (a child process) killed and restarted, and every delivery
// received in log order with nothing lost.
func TestWebhookAcrossKill(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--addr", "127.0.0.1:0", "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken,
		"--webhook-allow-private", "--webhook-allow-http"}
	p, url, _ := startTimed(t, "before the kill", bin, args...)
	s := &testServer{t: t, url: url}
	rcv := newReceiver(t, "127.0.0.1:0")
	w, r := createWebhook(t, s, "", rcv.url(), nil)
	if w.ID == "" || !strings.HasPrefix(w.Secret, "whsec_") {
		t.Fatalf("createWebhook: %s %v", r.Data, r.Errors)
	}
	rcv.mu.Lock()
	rcv.secret = w.Secret
	rcv.mu.Unlock()
	meeting := heldMeeting(s)
	recordOutcome(s, meeting, "DECISION", "hook 0", "bpd")
	recordOutcome(s, meeting, "ACTION_ITEM", "hook 1", "cpu")
	rcv.waitFor(2, 20*time.Second)

	rcv.srv.Close() // the receiver goes away: these wait
	recordOutcome(s, meeting, "AGREEMENT", "hook 2", "pfd")
	recordOutcome(s, meeting, "DECISION", "hook 3", "bpd")
	waitWithin(t, 20*time.Second, "a failed attempt with a retry scheduled", func() bool {
		r := s.as(testAdminToken, `{ webhooks(first: 1) { nodes { deliveries(first: 5) { nodes { statusCode nextRetry } } } } }`, nil)
		return strings.Contains(string(r.Data), `"statusCode":null,"nextRetry":"`)
	})
	p.kill9()

	rcv.listen(rcv.addr)
	p, url, _ = startTimed(t, "after the kill", bin, args...)
	s = &testServer{t: t, url: url}
	recordOutcome(s, meeting, "RECOMMENDATION", "hook 4", "yff")
	ids := rcv.waitFor(5, 90*time.Second)
	if got, want := rcv.summaries(), []string{"hook 0", "hook 1", "hook 2", "hook 3", "hook 4"}; !slices.Equal(got, want) {
		t.Errorf("received %v, want %v in order", got, want)
	}
	rcv.mu.Lock()
	var seqs []int64
	for _, d := range rcv.got {
		seqs = append(seqs, d.seq)
	}
	bad := rcv.bad
	rcv.mu.Unlock()
	if !slices.IsSorted(seqs) {
		t.Errorf("deliveries out of log order: %v (ids %v)", seqs, ids)
	}
	if len(bad) > 0 {
		t.Errorf("deliveries with a bad signature: %v", bad)
	}
	var q struct {
		Webhooks struct {
			Nodes []struct {
				Deliveries struct {
					TotalCount int
					Nodes      []struct {
						MessageID  string
						Attempt    int
						StatusCode *int
						NextRetry  *string
					}
				}
			}
		}
	}
	s.mustDecode(s.as(testAdminToken, `{ webhooks(first: 1) { nodes { deliveries(first: 100) { totalCount nodes { messageId attempt statusCode nextRetry } } } } }`, nil), &q)
	if len(q.Webhooks.Nodes) != 1 || q.Webhooks.Nodes[0].Deliveries.TotalCount < 6 {
		t.Fatalf("deliveries listed: %+v", q)
	}
	failed := 0
	for _, d := range q.Webhooks.Nodes[0].Deliveries.Nodes {
		if d.StatusCode == nil || *d.StatusCode != 200 {
			failed++
			if d.NextRetry == nil {
				t.Errorf("a failed attempt with no retry scheduled: %+v", d)
			}
		}
	}
	if failed == 0 {
		t.Errorf("no failed attempt listed while the receiver was down: %+v", q)
	}
	p.terminate(30 * time.Second)
}

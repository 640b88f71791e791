package app

import (
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"convene/gateway"
	"convene/hub"
)

// A planned read is served by the gateway without gqlgen's operation
// setup once gqlgen has validated its document (package gateway,
// planned.go): the first request of a document goes through gqlgen, the
// next ones do not. These tests hold the next ones to the first: the
// same answer, the same request log fields, the same access control.
// (TestFastPathAnswersAsGqlgen holds their bytes to gqlgen's.)

// TestPlannedReadsKeepAccessControl: with public reads off, an anonymous
// planned read is refused every time, and a revoked token's at once.
func TestPlannedReadsKeepAccessControl(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.publicRead = false
	s := startServerConfig(t, cfg, hub.Options{})
	vars := map[string]any{"id": gid(hub.TypeCommitment, "C-2.1-001")}
	for i := range 3 {
		if r := s.as("", fastW1, vars); r.code() != "UNAUTHENTICATED" || string(r.Data) != "" && string(r.Data) != "null" {
			t.Fatalf("anonymous W1 #%d with public reads off: %d %s", i+1, r.status, r.body)
		}
		if r := s.as(testAdminToken, fastW1, vars); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"reference":"C-2.1-001"`) {
			t.Fatalf("the admin's W1 #%d: %d %s", i+1, r.status, r.body)
		}
	}
	id, secret := issueToken(t, s, "EDITOR", "planned", "pfd", nil)
	for i := range 2 {
		if r := s.as(secret, fastW1, vars); len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"reference":"C-2.1-001"`) {
			t.Fatalf("an editor's W1 #%d: %d %s", i+1, r.status, r.body)
		}
	}
	s.mutate(`mutation($id: ID!) { revokeToken(input: {id: $id}) { userErrors { message } } }`, map[string]any{"id": id}, nil)
	if r := s.as(secret, fastW1, vars); r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("a revoked token's W1: %d %s", r.status, r.body)
	}
}

// TestPlannedReadsLogAsGqlgen: the request log line of a planned read
// has the fields of the same read answered through gqlgen, with the
// operation's name, type and cost; and refusals still log theirs.
func TestPlannedReadsLogAsGqlgen(t *testing.T) {
	var logs syncBuffer
	text := gateway.NewTextHandler(&logs)
	s := startServerLogger(t, testConfig(t.TempDir(), "--max-cost", "5"), slog.New(text))
	vars := map[string]any{"id": gid(hub.TypeCommitment, "C-2.1-001")}
	const big = `query Big { commitments(first: 50) { nodes { id lead { name } } } }`
	for range 3 {
		if r := s.as(testAdminToken, fastW1, vars); len(r.Errors) > 0 || !strings.Contains(r.body, `"extensions":{"cost":{"maximum":5,"requestedQueryCost":2}}`) {
			t.Fatalf("W1: %d %s", r.status, r.body)
		}
		if r := s.as(testAdminToken, big, nil); r.code() != "COST_LIMIT" {
			t.Fatalf("a query over the maximum cost: %d %s", r.status, r.body)
		}
	}
	varying := regexp.MustCompile(`^time=\S+ | duration=\S+| request_id=\S+`)
	var w1, refused []string
	text.Flush()
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, `msg="graphql request"`) {
			continue
		}
		fields := varying.ReplaceAllString(line, "")
		switch {
		case strings.Contains(line, "operation=W1"):
			w1 = append(w1, fields)
		case strings.Contains(line, "operation=Big"):
			refused = append(refused, fields)
		}
	}
	const wantW1 = `level=INFO msg="graphql request" method=POST transport=http operation=W1 type=query status=200 code=OK cost=2`
	const wantRefused = `level=INFO msg="graphql request" method=POST transport=http operation=Big type=query status=400 code=COST_LIMIT cost=101`
	if len(w1) != 3 || len(refused) != 3 {
		t.Fatalf("%d W1 lines and %d refused lines, want 3 each:\n%s", len(w1), len(refused), logs.String())
	}
	for i := range 3 {
		if w1[i] != wantW1 || refused[i] != wantRefused {
			t.Errorf("request %d logged\n%s\n%s\nwant\n%s\n%s", i+1, w1[i], refused[i], wantW1, wantRefused)
		}
	}
}

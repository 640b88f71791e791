package app

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// replayEvents reads `events(after: <cursor 0>)` over server-sent
// events, as the given token, until none comes for a second, and returns
// the data lines.
func replayEvents(t *testing.T, s *testServer, token string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	zero := base64.RawURLEncoding.EncodeToString([]byte("e:0"))
	body := fmt.Sprintf(`{"query":"subscription { events(after: \"%s\") { cursor kind at version entityType actor { name role } changedFields { field before after } node { id } } }"}`, zero)
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				select {
				case lines <- data:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var out []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return out
			}
			out = append(out, l)
		case <-time.After(time.Second):
			return out
		}
	}
}

// answers are the queries whose answers a restore must keep, as each caller.
var answers = []string{
	`{ strategicPlans(includeArchived: true) { id title version archived history { nodes { kind at fields { field after } } } pillars(includeArchived: true) { id code objectives(includeArchived: true) { id code commitments(first: 100) { totalCount nodes { reference } } } } } }`,
	`{ commitmentStats { total averageProgress overdue byStatus { status count } bySector { sector count averageProgress } byPillar { pillar { code } count averageProgress } } }`,
	`{ commitments(first: 100) { totalCount pageInfo { endCursor } nodes { id reference title status progress version updatedAt lead { name } participants { role stakeholder { name } } progressReports(first: 100) { nodes { progress status note reportedAt reportedBy { name } } } history(first: 100) { nodes { kind at version actor { name role } fields { field before after } } } } } }`,
	`{ stakeholders(first: 100) { totalCount nodes { id name version contacts { name email } history { nodes { kind at } } } } }`,
	`{ meetings(first: 100) { totalCount nodes { id title status private minutes outcomes { id summary status } history { nodes { kind at fields { field } } } } } }`,
	`{ outcomes(first: 100) { totalCount edges { cursor node { id summary kind status commitments { reference } } } } }`,
	`{ communities(includeArchived: true) { id name archived } }`,
	`{ auditLog(first: 100) { totalCount edges { cursor node { kind at version entityType actor { name role } fields { field before after } node { id } } } } }`,
	`{ tokens(first: 100) { totalCount nodes { id label role createdAt revokedAt } } }`,
}

// TestBackupOfABusyDatabaseRestoresIdentically: a backup taken while
// writes go on is a prefix of the log; a backup restored into a second,
// empty database answers every query, history, the audit log and a
// subscription's replay from cursor 0 exactly as the first, for each
// kind of caller. A non-empty database refuses a restore.
func TestBackupOfABusyDatabaseRestoresIdentically(t *testing.T) {
	bin := releaseBinary(t)
	s1 := startServerConfig(t, testConfig(t.TempDir(), "--rate-limit", "0"), hub.Options{}) // a busy database
	_, editor := issueToken(t, s1, "EDITOR", "PfD officer", "pfd", nil)
	_, viewer := issueToken(t, s1, "VIEWER", "analyst", "", nil)
	s1.mutate(`mutation { updateStakeholder(input: {id: "`+gid(hub.TypeStakeholder, "cydp")+`", contacts: [{name: "Ada Young", email: "ada@example.org"}]}) { userErrors { message } } }`, nil, nil)
	uri := s1.app.embedded.URI
	dir := t.TempDir()

	// Busy: an editor reports progress while the backup reads the log.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := s1.as(editor, `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { message } } }`,
				map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, "C-2.1-003"), "progress": 50 + i%40, "note": fmt.Sprint("busy ", i)}})
			if len(r.Errors) > 0 {
				t.Errorf("a write during the backup: %s", r.body)
				return
			}
		}
	})
	busy := filepath.Join(dir, "busy.ndjson")
	time.Sleep(200 * time.Millisecond)
	_, stderr, code := runCLI(t, bin, "backup", busy, "--mongodb-uri", uri)
	close(stop)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: %s", stderr)
	}
	full := filepath.Join(dir, "full.ndjson")
	if _, stderr, code := runCLI(t, bin, "backup", full, "--mongodb-uri", uri); code != 0 || !strings.Contains(stderr, "(100%)") {
		t.Fatalf("backup: %d %s", code, stderr)
	}
	b1, _ := os.ReadFile(busy)
	b2, _ := os.ReadFile(full)
	h1, e1, _ := strings.Cut(string(b1), "\n")
	h2, e2, _ := strings.Cut(string(b2), "\n")
	if !strings.HasPrefix(h1, `{"format":"convene-backup","version":1,`) || !strings.HasPrefix(e2, e1) || len(e1) == 0 {
		t.Fatalf("the busy backup is not a prefix of the later one: headers %s / %s", h1, h2)
	}
	if n := strings.Count(e2, "\n"); int64(n) != s1.app.hub.Model().Seq() {
		t.Fatalf("the backup holds %d events, the log %d", n, s1.app.hub.Model().Seq())
	}

	// Restore into an empty database; a second restore is refused.
	dir2 := t.TempDir()
	db2 := []string{"--data-dir", dir2, "--embedded-addr", "127.0.0.1:0"}
	if _, stderr, code := runCLI(t, bin, append([]string{"restore", full}, db2...)...); code != 0 {
		t.Fatalf("restore: %s", stderr)
	}
	if _, stderr, code := runCLI(t, bin, append([]string{"restore", full}, db2...)...); code == 0 || !strings.Contains(stderr, "already holds events") {
		t.Fatalf("a restore into a non-empty database: %d %s", code, stderr)
	}
	s2 := startServer(t, dir2, hub.Options{})

	for _, token := range []string{"", viewer, editor, testAdminToken} {
		for _, q := range answers {
			a, b := s1.as(token, q, nil), s2.as(token, q, nil)
			if a.body != b.body {
				t.Errorf("as %q, %s\nbefore: %.600s\nafter:  %.600s", token, q, a.body, b.body)
			}
		}
	}
	for _, token := range []string{"", testAdminToken} {
		one, two := replayEvents(t, s1, token), replayEvents(t, s2, token)
		if len(one) < 300 || len(one) != len(two) {
			t.Fatalf("replay from 0 as %q: %d events, then %d", token, len(one), len(two))
		}
		for i := range one {
			if one[i] != two[i] {
				t.Fatalf("replay event %d:\n%s\n%s", i, one[i], two[i])
			}
		}
	}
}

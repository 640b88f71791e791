package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"convene/internal/backendtest"
	"convene/internal/pgtest"
)

// The fault suite (go test -run Faults ./...) runs the server binary as a
// child process and kills it, stops its database, fills its disk and
// damages its files; every acknowledged mutation must survive.

// serverBinary is the convene binary the fault suite kills and restarts.
func serverBinary(t *testing.T) string { return buildBinary(t) }

// faultBackends are the embedded backends the fault suite runs on.
var faultBackends = []backendtest.Backend{backendtest.SQLite, backendtest.PostgreSQL}

// backendArgs are the flags that put a server process on backend, with
// its data under dir.
func backendArgs(t *testing.T, b backendtest.Backend, dir string) []string {
	args := []string{"--data-dir", dir, "--addr", "127.0.0.1:0", "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken}
	if b == backendtest.PostgreSQL {
		args = append(args, "--embedded-backend", "postgresql", "--postgresql-url", backendtest.PostgreSQLURL(t, dir))
	}
	return args
}

// startTimed starts a server process and returns it with its URL and the
// time it took to serve.
func startTimed(t *testing.T, name, bin string, args ...string) (*serverProcess, string, time.Duration) {
	t.Helper()
	start := time.Now()
	p := startProcess(t, name, bin, args...)
	url := p.waitLog("url")
	return p, url, time.Since(start)
}

// kill9 kills the process with SIGKILL and waits for it.
func (p *serverProcess) kill9() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// post sends a GraphQL operation as the admin; unlike testServer.do it
// returns transport errors, which a killed server causes.
func post(url, query string, vars map[string]any) (response, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	var out response
	if err := json.Unmarshal(raw, &out); err != nil {
		return response{}, fmt.Errorf("status %d, body %s: %w", res.StatusCode, raw, err)
	}
	out.status, out.body = res.StatusCode, string(raw)
	return out, nil
}

const reportMutation = `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { version } userErrors { field message } } }`

// ack is a mutation the server acknowledged: the note it reported and
// the version it answered.
type ack struct {
	note    string
	version int
}

// report sends one progress report and returns its version when it was
// acknowledged; a GraphQL error is an error, with the response.
func report(url, commitmentID, note string, progress int) (int, response, error) {
	r, err := post(url, reportMutation, map[string]any{"in": map[string]any{"commitmentId": commitmentID, "progress": progress, "note": note}})
	if err != nil {
		return 0, r, err
	}
	if len(r.Errors) > 0 {
		return 0, r, fmt.Errorf("refused with %s: %s", r.code(), r.Errors[0].Message)
	}
	var out struct {
		ReportProgress struct {
			Commitment *struct{ Version int }
			UserErrors []userError
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || out.ReportProgress.Commitment == nil || len(out.ReportProgress.UserErrors) > 0 {
		return 0, r, fmt.Errorf("unexpected answer %s", r.body)
	}
	return out.ReportProgress.Commitment.Version, r, nil
}

// openCommitments returns the IDs of n commitments that take progress reports.
func openCommitments(t *testing.T, url string, n int) []string {
	t.Helper()
	r, err := post(url, fmt.Sprintf(`{ commitments(first: %d, filter: {statuses: [ON_TRACK, AT_RISK, DELAYED]}) { nodes { id } } }`, n), nil)
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("listing commitments: %v %+v", err, r.Errors)
	}
	var out struct {
		Commitments struct{ Nodes []struct{ ID string } }
	}
	if err := json.Unmarshal(r.Data, &out); err != nil || len(out.Commitments.Nodes) == 0 {
		t.Fatalf("listing commitments: %s %v", r.body, err)
	}
	var ids []string
	for _, c := range out.Commitments.Nodes {
		ids = append(ids, c.ID)
	}
	return ids
}

// ledger is what writers were told, per commitment, and what they tried.
type ledger struct {
	mu       sync.Mutex
	acked    map[string][]ack // by commitment
	tried    map[string]bool  // notes sent, acknowledged or not
	ackedN   int
	unknown  int   // sent, no answer: the server died first
	firstErr error // of the last writes
}

func newLedger() *ledger { return &ledger{acked: map[string][]ack{}, tried: map[string]bool{}} }

func (l *ledger) acknowledged() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ackedN
}

// audit is a commitment as stored: its version and its reports, each
// with the version its history gives it.
type audit struct {
	version  int
	reports  map[string]int // note → version
	notes    []string
	versions []int // of every history entry, oldest first
}

const auditQuery = `query($id: ID!) { node(id: $id) { ... on Commitment { version
	progressReports(first: 100) { totalCount nodes { note } }
	history(first: 100) { totalCount nodes { kind version } } } } }`

func readAudit(t *testing.T, url, id string) audit {
	t.Helper()
	r, err := post(url, auditQuery, map[string]any{"id": id})
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("reading %s: %v %+v", id, err, r.Errors)
	}
	var out struct {
		Node struct {
			Version         int
			ProgressReports struct {
				TotalCount int
				Nodes      []struct{ Note string }
			}
			History struct {
				TotalCount int
				Nodes      []struct {
					Kind    string
					Version int
				}
			}
		}
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	n := out.Node
	if n.ProgressReports.TotalCount > 100 || n.History.TotalCount > 100 {
		t.Fatalf("%s has more than a page of reports or history; write fewer", id)
	}
	a := audit{version: n.Version, reports: map[string]int{}}
	var reportVersions []int
	for _, h := range n.History.Nodes {
		a.versions = append(a.versions, h.Version)
		if h.Kind == "ProgressReported" {
			reportVersions = append(reportVersions, h.Version)
		}
	}
	if len(reportVersions) != len(n.ProgressReports.Nodes) {
		t.Fatalf("%s: %d progress reports but %d ProgressReported history entries: half-applied", id, len(n.ProgressReports.Nodes), len(reportVersions))
	}
	for i, p := range n.ProgressReports.Nodes { // newest first
		a.notes = append(a.notes, p.Note)
		a.reports[p.Note] = reportVersions[len(reportVersions)-1-i]
	}
	return a
}

// verify checks every acknowledged report is stored once with the version
// it was acknowledged with, and that histories are whole; it returns how
// many were lost, duplicated, and applied without an answer.
func (l *ledger) verify(t *testing.T, url string) (lost, duplicated, appliedUnanswered int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, acks := range l.acked {
		a := readAudit(t, url, id)
		for i, v := range a.versions {
			if v != i+1 {
				t.Errorf("%s: history versions %v are not 1..%d", id, a.versions, len(a.versions))
				break
			}
		}
		if len(a.versions) != a.version {
			t.Errorf("%s: version %d but %d history entries", id, a.version, len(a.versions))
		}
		seen := map[string]int{}
		for _, n := range a.notes {
			if seen[n]++; seen[n] == 2 {
				duplicated++
				t.Errorf("%s: report %q stored twice", id, n)
			}
		}
		for _, k := range acks {
			if v, ok := a.reports[k.note]; !ok {
				lost++
				t.Errorf("%s: acknowledged report %q (version %d) is missing", id, k.note, k.version)
			} else if v != k.version {
				t.Errorf("%s: report %q acknowledged as version %d is stored as version %d", id, k.note, k.version, v)
			}
		}
		for _, n := range a.notes {
			if l.tried[n] && !slices.ContainsFunc(acks, func(k ack) bool { return k.note == n }) {
				appliedUnanswered++
			}
		}
	}
	return lost, duplicated, appliedUnanswered
}

// write runs writers, one per commitment, each sending up to max reports
// until its first failure; it returns when all have stopped.
func (l *ledger) write(url string, ids []string, round, max int) {
	var wg sync.WaitGroup
	for w, id := range ids {
		wg.Go(func() {
			for i := range max {
				note := fmt.Sprintf("round %d writer %d report %d", round, w, i)
				l.mu.Lock()
				l.tried[note] = true
				l.mu.Unlock()
				v, _, err := report(url, id, note, 1+(round*max+i)%99)
				l.mu.Lock()
				if err == nil {
					l.acked[id] = append(l.acked[id], ack{note: note, version: v})
					l.ackedN++
				} else {
					l.unknown++
					if l.firstErr == nil {
						l.firstErr = err
					}
				}
				l.mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestFaultsKillUnderWriters: five times, 16 writers report progress while
// the server is killed with SIGKILL; after each restart every
// acknowledged report is there once, with its version, and histories,
// reports and versions agree.
func TestFaultsKillUnderWriters(t *testing.T) {
	bin := serverBinary(t)
	for _, b := range faultBackends {
		t.Run(string(b), func(t *testing.T) {
			dir := t.TempDir()
			args := backendArgs(t, b, dir)
			p, url, took := startTimed(t, "first start", bin, args...)
			t.Logf("first start (demo data loaded): %v", took.Round(time.Millisecond))
			ids := openCommitments(t, url, 16)
			l := newLedger()
			const rounds, perRound = 5, 15
			for round := range rounds {
				done := make(chan struct{})
				before := l.acknowledged()
				go func() { l.write(url, ids, round, perRound); close(done) }()
				// Kill once the round has written something, however slow the
				// machine: a fixed delay ends rounds with nothing acknowledged.
				for wait := time.Now().Add(30 * time.Second); l.acknowledged() < before+len(ids) && time.Now().Before(wait); {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
				killedAt := time.Now()
				p.kill9()
				<-done
				if l.firstErr != nil && !errors.Is(l.firstErr, syscall.ECONNREFUSED) && !errors.Is(l.firstErr, syscall.ECONNRESET) &&
					!errors.Is(l.firstErr, io.EOF) && !errors.Is(l.firstErr, io.ErrUnexpectedEOF) {
					t.Errorf("round %d: a writer failed before the kill at %v with %v", round+1, killedAt.Format(time.StampMilli), l.firstErr)
				}
				l.firstErr = nil
				p, url, took = startTimed(t, fmt.Sprintf("restart %d", round+1), bin, args...)
				lost, dup, extra := l.verify(t, url)
				t.Logf("round %d: SIGKILL, restart served in %v (%s snapshots, watermark %s, replayed to %s); %d acknowledged so far, %d lost, %d duplicated, %d applied without an answer",
					round+1, took.Round(time.Millisecond), p.waitLog("snapshots"), p.waitLog("watermark"), p.waitLog("seq"), l.ackedN, lost, dup, extra)
			}
			if l.ackedN < rounds*len(ids) {
				t.Errorf("only %d reports were acknowledged in %d rounds: the kills came too early to test anything", l.ackedN, rounds)
			}
			p.terminate(30 * time.Second)
		})
	}
}

// TestFaultsSubscriberAcrossKill: a subscriber that loses its server to
// SIGKILL resumes from its last cursor on the restarted server with no
// event missing and none twice.
func TestFaultsSubscriberAcrossKill(t *testing.T) {
	bin := serverBinary(t)
	for _, b := range faultBackends {
		t.Run(string(b), func(t *testing.T) {
			dir := t.TempDir()
			args := backendArgs(t, b, dir)
			p, url, _ := startTimed(t, "before the kill", bin, args...)
			s := &testServer{t: t, url: url}
			meeting := heldMeeting(s)
			sub := startSubscriber(t, "before the kill", url, subOptions{query: outcomeSubscription})
			recordOutcome(s, meeting, "DECISION", "kill 0", "bpd")
			recordOutcome(s, meeting, "ACTION_ITEM", "kill 1", "cpu")
			got := sub.expectOutcomes(5*time.Second, "kill 0", "kill 1")
			recordOutcome(s, meeting, "AGREEMENT", "kill 2 (acknowledged, then killed)", "pfd")
			p.kill9()
			sub.kill()

			p, url, took := startTimed(t, "after the kill", bin, args...)
			t.Logf("restart after SIGKILL served in %v", took.Round(time.Millisecond))
			s = &testServer{t: t, url: url}
			recordOutcome(s, meeting, "RECOMMENDATION", "kill 3 (after the restart)", "yff")
			again := startSubscriber(t, "resumed", url, subOptions{query: outcomeSubscription, vars: map[string]any{"after": got[1].Cursor}})
			replayed := again.expectOutcomes(5*time.Second, "kill 2 (acknowledged, then killed)", "kill 3 (after the restart)")
			again.expectQuiet(time.Second)
			recordOutcome(s, meeting, "DECISION", "kill 4 (live)", "bpd")
			live := again.expectOutcomes(5*time.Second, "kill 4 (live)")
			again.expectQuiet(300 * time.Millisecond)
			distinctCursors(t, got[0].Cursor, got[1].Cursor, replayed[0].Cursor, replayed[1].Cursor, live[0].Cursor)
			p.terminate(30 * time.Second)
		})
	}
}

// readyz returns /readyz's status and body.
func readyz(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, strings.TrimSpace(string(b))
}

// waitWithin polls cond every 100 ms for up to d and returns how long it took.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, d)
	return 0
}

// TestFaultsDatabaseStops: the database goes away under a serving
// instance (PostgreSQL stopped; on SQLite, the first instance, which
// holds the embedded database, killed under a second one). Reads go on
// from memory, /readyz says why it is not ready, mutations fail within
// five seconds with UNAVAILABLE, everything recovers when the database
// returns, nothing acknowledged is lost, and shutdown with the database
// away takes under ten seconds.
func TestFaultsDatabaseStops(t *testing.T) {
	bin := serverBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		port := freeLoopbackPort(t)
		holderArgs := append(backendArgs(t, backendtest.SQLite, filepath.Join(dir, "one")), "--embedded-addr", fmt.Sprintf("127.0.0.1:%d", port))
		holder, _, _ := startTimed(t, "the instance holding the database", bin, holderArgs...)
		uri := holder.waitLog("uri")
		serving, url, _ := startTimed(t, "the second instance", bin, "--mongodb-uri", uri, "--data-dir", filepath.Join(dir, "two"),
			"--addr", "127.0.0.1:0", "--admin-token", testAdminToken)
		databaseAway(t, url, func() { holder.kill9() }, func() {
			holder, _, _ = startTimed(t, "the holder, restarted", bin, holderArgs...)
		}, serving)
	})
	t.Run("postgresql", func(t *testing.T) {
		pg, err := pgtestStart(t)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pgURL, err := pg.CreateDatabase(ctx, "convene")
		if err != nil {
			t.Fatal(err)
		}
		serving, url, _ := startTimed(t, "the instance", bin, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--admin-token", testAdminToken,
			"--embedded-addr", "127.0.0.1:0", "--embedded-backend", "postgresql", "--postgresql-url", pgURL)
		databaseAway(t, url, func() {
			if err := pg.Stop(); err != nil {
				t.Fatal(err)
			}
		}, func() {
			if err := pg.StartAgain(); err != nil {
				t.Fatal(err)
			}
		}, serving)
	})
}

// databaseAway runs the scenario against the instance at url: stop takes
// its database away, start brings it back.
func databaseAway(t *testing.T, url string, stop, start func(), serving *serverProcess) {
	t.Helper()
	ids := openCommitments(t, url, 8)
	l := newLedger()
	l.write(url, ids, 0, 3)
	before := readAudit(t, url, ids[0])

	stop()
	// Mutations first, before anything else has noticed the database is gone.
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			start := time.Now()
			_, r, err := report(url, id, fmt.Sprintf("while the database is away %d", i), 50)
			took := time.Since(start)
			switch {
			case err == nil:
				t.Errorf("mutation with the database away was acknowledged")
			case len(r.Errors) == 0:
				t.Errorf("mutation with the database away: %v", err)
			case r.code() != "UNAVAILABLE":
				t.Errorf("mutation with the database away: code %q, want UNAVAILABLE: %s", r.code(), r.body)
			case took > 5*time.Second:
				t.Errorf("mutation with the database away failed after %v, want within 5 s", took)
			default:
				t.Logf("mutation %d with the database away: UNAVAILABLE after %v", i, took.Round(time.Millisecond))
			}
		})
	}
	wg.Wait()
	waited := waitWithin(t, 10*time.Second, "/readyz turning 503", func() bool { code, _ := readyz(t, url); return code == http.StatusServiceUnavailable })
	code, reason := readyz(t, url)
	if !strings.Contains(reason, "database unreachable") {
		t.Errorf("/readyz %d says %q, want the reason", code, reason)
	}
	t.Logf("database away: /readyz 503 after %v: %q", waited.Round(time.Millisecond), reason)
	if after := readAudit(t, url, ids[0]); after.version != before.version || len(after.notes) != len(before.notes) {
		t.Errorf("reads changed with the database away: %+v, before %+v", after, before)
	}

	start()
	recovered := waitWithin(t, 30*time.Second, "recovery once the database is back", func() bool {
		code, _ := readyz(t, url)
		_, _, err := report(url, ids[0], fmt.Sprintf("after the database came back %d", time.Now().UnixNano()), 60)
		return code == http.StatusOK && err == nil
	})
	t.Logf("database back: ready and writing again after %v", recovered.Round(time.Millisecond))
	l.write(url, ids, 1, 2)
	if lost, dup, _ := l.verify(t, url); lost+dup > 0 {
		t.Errorf("%d acknowledged reports lost, %d duplicated", lost, dup)
	}
	t.Logf("%d acknowledged reports, all present once", l.ackedN)

	stop()
	waitWithin(t, 10*time.Second, "/readyz turning 503 again", func() bool { code, _ := readyz(t, url); return code == http.StatusServiceUnavailable })
	shutdown := time.Now()
	serving.terminate(10 * time.Second)
	t.Logf("SIGTERM with the database away: exited in %v", time.Since(shutdown).Round(time.Millisecond))
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// pgtestStart starts a PostgreSQL server of the test's own, which it may
// stop; it is removed when the test ends.
func pgtestStart(t *testing.T) (*pgtest.Server, error) {
	s, err := pgtest.Start()
	if err == nil {
		t.Cleanup(s.Remove)
	}
	return s, err
}

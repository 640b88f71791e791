package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"convene/hub"
)

// The subscription tests drive the real server over WebSockets with the
// npm graphql-ws client (e2e/subscribe.mjs, run by Node.js), as a browser
// or a Node service would. They need `node` (20+) and `npm` on PATH; the
// packages pinned in e2e/package-lock.json are installed once, with
// `npm ci`, when e2e/node_modules is missing.

// ensureNodeDeps installs e2e's packages (the graphql-ws client, and the
// graphql-http audit) once per test binary when they are missing.
func ensureNodeDeps(t *testing.T) {
	t.Helper()
	ensureNpmPackages(t, repoPath("e2e"), "graphql-ws", "graphql", "ws", "graphql-http")
}

// subOptions configure one run of e2e/subscribe.mjs.
type subOptions struct {
	query       string
	vars        map[string]any
	token       string        // sent as connectionParams.Authorization
	count       int           // exit after this many messages; 0: run until killed
	timeout     time.Duration // the client's own deadline; 60 s when zero
	reportClose bool          // report the socket's close code as a line
	protocol    string        // "graphql-ws" for the legacy protocol
}

// subscriber is a running e2e/subscribe.mjs: each line it prints after
// {"ready":true} arrives on lines, which closes when the process exits.
type subscriber struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	ready  chan struct{}
	lines  chan string
	done   chan struct{}
	stderr lockedBuffer
	err    error // the process's exit, once done is closed
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// wsURL is the WebSocket address of a server's GraphQL endpoint.
func wsURL(httpURL string) string {
	return "ws" + strings.TrimPrefix(httpURL, "http") + "/graphql"
}

// startSubscriber starts a client on the server at httpURL and waits until its
// subscription is started (or the client has already exited, which the
// next read reports). The client is killed when the test ends.
func startSubscriber(t *testing.T, name, httpURL string, o subOptions) *subscriber {
	t.Helper()
	ensureNodeDeps(t)
	if o.timeout == 0 {
		o.timeout = time.Minute
	}
	vars := o.vars
	if vars == nil {
		vars = map[string]any{}
	}
	args := []string{repoPath("e2e", "subscribe.mjs"),
		"--url", wsURL(httpURL),
		"--query", o.query,
		"--variables", string(mustJSON(t, vars)),
		"--count", strconv.Itoa(o.count),
		"--timeout", strconv.Itoa(int(o.timeout / time.Millisecond)),
		"--ready-delay", "300",
	}
	if o.token != "" {
		args = append(args, "--token", o.token)
	}
	if o.reportClose {
		args = append(args, "--report-close")
	}
	if o.protocol != "" {
		args = append(args, "--protocol", o.protocol)
	}
	s := &subscriber{t: t, name: name, ready: make(chan struct{}), lines: make(chan string, 10000), done: make(chan struct{})}
	s.cmd = exec.Command("node", args...)
	s.cmd.Stderr = &s.stderr
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting subscriber %s: %v", name, err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		readied := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case line == "":
			case line == `{"ready":true}` && !readied:
				readied = true
				close(s.ready)
			default:
				s.lines <- line
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		s.err = s.cmd.Wait()
		close(s.lines)
		close(s.done)
	}()
	t.Cleanup(s.kill)
	select {
	case <-s.ready:
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
		t.Fatalf("subscriber %s: not ready after 20 s; stderr:\n%s", name, s.stderr.String())
	}
	return s
}

// kill stops the client (if it still runs) and waits for it.
func (s *subscriber) kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Errorf("subscriber %s did not exit after being killed", s.name)
	}
}

// describe says why the client stopped.
func (s *subscriber) describe() string {
	return fmt.Sprintf("exit: %v; stderr:\n%s", s.err, s.stderr.String())
}

// next returns the next line the client printed, failing the test when
// none comes within d or the client exits first.
func (s *subscriber) next(d time.Duration) string {
	s.t.Helper()
	select {
	case line, ok := <-s.lines:
		if !ok {
			s.t.Fatalf("subscriber %s exited before the next message; %s", s.name, s.describe())
		}
		return line
	case <-time.After(d):
		s.t.Fatalf("subscriber %s: no message within %v; stderr:\n%s", s.name, d, s.stderr.String())
	}
	return ""
}

// expectQuiet fails the test if the client prints anything, or exits,
// within d.
func (s *subscriber) expectQuiet(d time.Duration) {
	s.t.Helper()
	select {
	case line, ok := <-s.lines:
		if !ok {
			s.t.Fatalf("subscriber %s exited unexpectedly; %s", s.name, s.describe())
		}
		s.t.Fatalf("subscriber %s: unexpected extra message %s", s.name, line)
	case <-time.After(d):
	}
}

// waitExit waits up to d for the client to exit and returns its exit code.
func (s *subscriber) waitExit(d time.Duration) int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(d):
		s.t.Fatalf("subscriber %s still running after %v; stderr:\n%s", s.name, d, s.stderr.String())
	}
	if s.err == nil {
		return 0
	}
	if ee, ok := s.err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	s.t.Fatalf("subscriber %s: %v", s.name, s.err)
	return -1
}

// subMessage is one `next` payload as the client printed it.
type subMessage struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// nextEvent reads the next message, which must be a successful payload of
// the subscription field, and decodes that field into out.
func (s *subscriber) nextEvent(d time.Duration, field string, out any) {
	s.t.Helper()
	line := s.next(d)
	var m subMessage
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		s.t.Fatalf("subscriber %s printed %q: %v", s.name, line, err)
	}
	raw, ok := m.Data[field]
	if len(m.Errors) > 0 || !ok || string(raw) == "null" {
		s.t.Fatalf("subscriber %s: want a %s event, got %s", s.name, field, line)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		s.t.Fatalf("subscriber %s: decoding %s: %v", s.name, raw, err)
	}
}

// ---------------------------------------------------------------- helpers

const outcomeSubscription = `subscription($filter: OutcomeSubscriptionFilter, $after: String) {
	meetingOutcomeRecorded(filter: $filter, after: $after) {
		cursor kind at actor { role }
		outcome { id kind summary owner { id } meeting { id } }
	}
}`

type outcomeEvent struct {
	Cursor  string
	Kind    string
	At      string
	Actor   struct{ Role string }
	Outcome struct {
		ID, Kind, Summary string
		Owner             *struct{ ID string }
		Meeting           struct{ ID string }
	} `json:"outcome"`
}

func (s *subscriber) nextOutcome(d time.Duration) outcomeEvent {
	s.t.Helper()
	var ev outcomeEvent
	s.nextEvent(d, "meetingOutcomeRecorded", &ev)
	if ev.Cursor == "" || ev.Kind != "MeetingOutcomeRecorded" || ev.At == "" {
		s.t.Fatalf("subscriber %s: incomplete outcome event %+v", s.name, ev)
	}
	return ev
}

// heldMeeting is the global ID of a meeting of the demo data that was held.
func heldMeeting(s *testServer) string {
	s.t.Helper()
	var out struct {
		Meetings struct{ Nodes []struct{ ID string } }
	}
	s.query(`{ meetings(first: 1, filter: {statuses: [HELD]}) { nodes { id } } }`, nil, &out)
	if len(out.Meetings.Nodes) != 1 {
		s.t.Fatalf("no held meeting in the demo data: %+v", out)
	}
	return out.Meetings.Nodes[0].ID
}

// recordOutcome records an outcome through s's HTTP API and returns its ID.
func recordOutcome(s *testServer, meetingID, kind, summary, owner string) string {
	s.t.Helper()
	var out struct {
		RecordMeetingOutcome struct {
			Outcome    *struct{ ID string }
			UserErrors []userError
		}
	}
	s.mutate(`mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"meetingId": meetingID, "kind": kind, "summary": summary, "ownerId": gid(hub.TypeStakeholder, owner)}}, &out)
	if r := out.RecordMeetingOutcome; len(r.UserErrors) > 0 || r.Outcome == nil {
		s.t.Fatalf("recordMeetingOutcome %q: %+v", summary, r)
	}
	return out.RecordMeetingOutcome.Outcome.ID
}

// expectOutcomes reads exactly the given summaries, in order, and returns
// the events.
func (s *subscriber) expectOutcomes(d time.Duration, summaries ...string) []outcomeEvent {
	s.t.Helper()
	var evs []outcomeEvent
	for i, want := range summaries {
		ev := s.nextOutcome(d)
		if ev.Outcome.Summary != want {
			s.t.Fatalf("subscriber %s: message %d is %q, want %q (in order %q)", s.name, i+1, ev.Outcome.Summary, want, summaries)
		}
		evs = append(evs, ev)
	}
	return evs
}

// distinctCursors fails the test when a cursor is empty or repeats.
func distinctCursors(t *testing.T, cursors ...string) {
	t.Helper()
	seen := map[string]int{}
	for i, c := range cursors {
		if c == "" {
			t.Fatalf("cursor %d is empty", i)
		}
		if j, ok := seen[c]; ok {
			t.Fatalf("cursor %q repeats (messages %d and %d)", c, j, i)
		}
		seen[c] = i
	}
}

// stopWithin stops a server, failing the test if that takes more than d.
func stopWithin(t *testing.T, s *testServer, d time.Duration) {
	t.Helper()
	stopped := make(chan struct{})
	go func() { s.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(d):
		t.Fatalf("the server did not stop within %v with a subscriber connected", d)
	}
}

// ---------------------------------------------------------------- tests

// TestSubscriptionDeliversRecordedOutcome: an outcome recorded over HTTP
// reaches a live subscriber, over the current protocol (with the admin
// token in connectionParams) and over the legacy one (anonymous).
func TestSubscriptionDeliversRecordedOutcome(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	meeting := heldMeeting(s)
	current := startSubscriber(t, "graphql-transport-ws", s.url, subOptions{query: outcomeSubscription, token: testAdminToken})
	legacy := startSubscriber(t, "legacy graphql-ws", s.url, subOptions{query: outcomeSubscription, protocol: "graphql-ws"})

	id := recordOutcome(s, meeting, "DECISION", "Subscriptions go live for the coordination unit", "bpd")
	for _, sub := range []*subscriber{current, legacy} {
		ev := sub.nextOutcome(5 * time.Second)
		o := ev.Outcome
		if o.ID != id || o.Summary != "Subscriptions go live for the coordination unit" || o.Kind != "DECISION" ||
			o.Owner == nil || o.Owner.ID != gid(hub.TypeStakeholder, "bpd") || o.Meeting.ID != meeting || ev.Actor.Role != "ADMIN" {
			t.Fatalf("%s: got %+v, want outcome %s by bpd at %s recorded by the admin", sub.name, ev, id, meeting)
		}
		sub.expectQuiet(500 * time.Millisecond)
	}
}

// TestSubscriptionFilter: filters combine with AND across fields and OR
// within a list; non-matching outcomes recorded first are never delivered.
func TestSubscriptionFilter(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	meeting := heldMeeting(s)
	bpdDecisions := startSubscriber(t, "DECISION and owner bpd", s.url, subOptions{query: outcomeSubscription,
		vars: map[string]any{"filter": map[string]any{"kinds": []string{"DECISION"}, "ownerIds": []string{gid(hub.TypeStakeholder, "bpd")}}}})
	cpuOrPfd := startSubscriber(t, "owner cpu or pfd", s.url, subOptions{query: outcomeSubscription,
		vars: map[string]any{"filter": map[string]any{"ownerIds": []string{gid(hub.TypeStakeholder, "cpu"), gid(hub.TypeStakeholder, "pfd")}}}})

	recordOutcome(s, meeting, "ACTION_ITEM", "bpd action item (wrong kind)", "bpd")
	recordOutcome(s, meeting, "DECISION", "cpu decision (wrong owner)", "cpu")
	match := recordOutcome(s, meeting, "DECISION", "bpd decision (matches)", "bpd")
	recordOutcome(s, meeting, "AGREEMENT", "pfd agreement", "pfd")

	got := bpdDecisions.expectOutcomes(5*time.Second, "bpd decision (matches)")
	if got[0].Outcome.ID != match || got[0].Outcome.Kind != "DECISION" || got[0].Outcome.Owner.ID != gid(hub.TypeStakeholder, "bpd") {
		t.Fatalf("filtered event: %+v", got[0])
	}
	evs := cpuOrPfd.expectOutcomes(5*time.Second, "cpu decision (wrong owner)", "pfd agreement")
	distinctCursors(t, evs[0].Cursor, evs[1].Cursor)
	bpdDecisions.expectQuiet(700 * time.Millisecond)
	cpuOrPfd.expectQuiet(100 * time.Millisecond)
}

// TestSubscriptionResumesAfterCursor: a client that drops and comes back
// with its last cursor gets exactly what it missed, in order, then live
// events, with nothing doubled at the seam.
func TestSubscriptionResumesAfterCursor(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	meeting := heldMeeting(s)
	first := startSubscriber(t, "first connection", s.url, subOptions{query: outcomeSubscription})
	recordOutcome(s, meeting, "DECISION", "resume 0", "bpd")
	c0 := first.expectOutcomes(5*time.Second, "resume 0")[0].Cursor
	first.kill()

	missed := []string{"resume 1", "resume 2", "resume 3"}
	for i, summary := range missed {
		recordOutcome(s, meeting, []string{"ACTION_ITEM", "AGREEMENT", "RECOMMENDATION"}[i], summary, "cpu")
	}
	again := startSubscriber(t, "resumed", s.url, subOptions{query: outcomeSubscription, vars: map[string]any{"after": c0}})
	replayed := again.expectOutcomes(5*time.Second, missed...)
	again.expectQuiet(time.Second)

	recordOutcome(s, meeting, "DECISION", "resume 4 (live)", "yff")
	live := again.expectOutcomes(5*time.Second, "resume 4 (live)")
	again.expectQuiet(300 * time.Millisecond)
	distinctCursors(t, c0, replayed[0].Cursor, replayed[1].Cursor, replayed[2].Cursor, live[0].Cursor)

	// Resuming from the middle of the replay gives the rest, in order.
	mid := startSubscriber(t, "resumed after resume 2", s.url, subOptions{query: outcomeSubscription, vars: map[string]any{"after": replayed[1].Cursor}})
	rest := mid.expectOutcomes(5*time.Second, "resume 3", "resume 4 (live)")
	if rest[0].Cursor != replayed[2].Cursor || rest[1].Cursor != live[0].Cursor {
		t.Fatalf("the same events got different cursors on the same server: %q %q, then %q %q",
			replayed[2].Cursor, live[0].Cursor, rest[0].Cursor, rest[1].Cursor)
	}
	mid.expectQuiet(500 * time.Millisecond)
}

// TestSubscriptionResumesAcrossRestart: a cursor stays valid across a
// server restart; the events recorded before the restart and after it are
// replayed in order.
func TestSubscriptionResumesAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	meeting := heldMeeting(s)
	first := startSubscriber(t, "before the restart", s.url, subOptions{query: outcomeSubscription})
	recordOutcome(s, meeting, "DECISION", "restart 0", "bpd")
	c0 := first.expectOutcomes(5*time.Second, "restart 0")[0].Cursor
	first.kill()
	recordOutcome(s, meeting, "ACTION_ITEM", "restart 1 (before)", "cpu")
	recordOutcome(s, meeting, "AGREEMENT", "restart 2 (before)", "pfd")
	stopWithin(t, s, 30*time.Second)

	s2 := startServer(t, dir, hub.Options{})
	recordOutcome(s2, meeting, "RECOMMENDATION", "restart 3 (after)", "yff")
	again := startSubscriber(t, "after the restart", s2.url, subOptions{query: outcomeSubscription, vars: map[string]any{"after": c0}})
	replayed := again.expectOutcomes(5*time.Second, "restart 1 (before)", "restart 2 (before)", "restart 3 (after)")
	again.expectQuiet(time.Second)
	recordOutcome(s2, meeting, "DECISION", "restart 4 (live)", "bpd")
	live := again.expectOutcomes(5*time.Second, "restart 4 (live)")
	again.expectQuiet(300 * time.Millisecond)
	distinctCursors(t, c0, replayed[0].Cursor, replayed[1].Cursor, replayed[2].Cursor, live[0].Cursor)
}

// TestSubscriptionAcrossInstances: two hubs on one database; what is
// written through either reaches subscribers of both, in the same order,
// and a cursor from one resumes on the other.
func TestSubscriptionAcrossInstances(t *testing.T) {
	a := startServer(t, t.TempDir(), hub.Options{})
	b := startSecondServer(t, a)
	meeting := heldMeeting(a)
	onA := startSubscriber(t, "on instance A", a.url, subOptions{query: outcomeSubscription})
	onB := startSubscriber(t, "on instance B", b.url, subOptions{query: outcomeSubscription})

	recordOutcome(a, meeting, "DECISION", "written through A", "bpd")
	fromB := onB.expectOutcomes(5*time.Second, "written through A")
	fromA := onA.expectOutcomes(5*time.Second, "written through A")
	recordOutcome(b, meeting, "ACTION_ITEM", "written through B", "cpu")
	fromA = append(fromA, onA.expectOutcomes(5*time.Second, "written through B")...)
	fromB = append(fromB, onB.expectOutcomes(5*time.Second, "written through B")...)
	distinctCursors(t, fromA[0].Cursor, fromA[1].Cursor)
	distinctCursors(t, fromB[0].Cursor, fromB[1].Cursor)
	if fromA[0].Outcome.ID != fromB[0].Outcome.ID || fromA[1].Outcome.ID != fromB[1].Outcome.ID {
		t.Fatalf("the instances delivered different outcomes: %+v / %+v", fromA, fromB)
	}
	onA.expectQuiet(700 * time.Millisecond)
	onB.expectQuiet(100 * time.Millisecond)

	// A cursor received from A resumes on B (as behind a load balancer).
	resumed := startSubscriber(t, "A's cursor on B", b.url, subOptions{query: outcomeSubscription, vars: map[string]any{"after": fromA[0].Cursor}})
	resumed.expectOutcomes(5*time.Second, "written through B")
	resumed.expectQuiet(500 * time.Millisecond)
}

// TestSubscriptionConcurrentWritersExactlyOnce: 20 writers on two
// instances at once; subscribers on both instances receive each change
// exactly once, in the log's order, and a replay gives the same order.
func TestSubscriptionConcurrentWritersExactlyOnce(t *testing.T) {
	a := startServer(t, t.TempDir(), hub.Options{})
	b := startSecondServer(t, a)
	meeting := heldMeeting(a)
	var open struct {
		Commitments struct {
			Nodes []struct {
				ID      string
				Version int
			}
		}
	}
	a.query(`{ commitments(first: 10, filter: {statuses: [NOT_STARTED, ON_TRACK, AT_RISK, DELAYED]}) { nodes { id version } } }`, nil, &open)
	if len(open.Commitments.Nodes) != 10 {
		t.Fatalf("want 10 open commitments in the demo data, got %d", len(open.Commitments.Nodes))
	}
	seqBefore := a.app.hub.Model().Seq()

	const eventsQuery = `subscription($after: String) {
		events(filter: {entityTypes: [COMMITMENT, MEETING_OUTCOME]}, after: $after) {
			cursor kind entityType version node { id } } }`
	onA := startSubscriber(t, "events on A", a.url, subOptions{query: eventsQuery, count: 0})
	onB := startSubscriber(t, "events on B", b.url, subOptions{query: eventsQuery, count: 0})
	var commitmentIDs []string
	for _, c := range open.Commitments.Nodes {
		commitmentIDs = append(commitmentIDs, c.ID)
	}
	commitmentsOnB := startSubscriber(t, "commitmentUpdated on B", b.url, subOptions{count: 0,
		query: `subscription($filter: CommitmentSubscriptionFilter) { commitmentUpdated(filter: $filter) {
			cursor kind commitment { id version progress } changedFields { field } } }`,
		vars: map[string]any{"filter": map[string]any{"commitmentIds": commitmentIDs}}})

	type key struct {
		id      string
		version int
	}
	expected := map[key]string{} // → kind
	var mu sync.Mutex
	var wg sync.WaitGroup
	servers := []*testServer{a, b}
	errs := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := servers[i%2]
			if i < 10 {
				c := open.Commitments.Nodes[i]
				r := srv.do(true, `mutation($in: ReportProgressInput!) { reportProgress(input: $in) { commitment { id version } userErrors { field message } } }`,
					map[string]any{"in": map[string]any{"commitmentId": c.ID, "progress": 41 + i, "note": fmt.Sprint("concurrent report ", i)}})
				var out struct {
					ReportProgress struct {
						Commitment *struct {
							ID      string
							Version int
						}
						UserErrors []userError
					}
				}
				if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || out.ReportProgress.Commitment == nil {
					errs <- fmt.Sprintf("writer %d: %+v %s", i, r.Errors, r.Data)
					return
				}
				if got := out.ReportProgress.Commitment; got.ID != c.ID || got.Version != c.Version+1 {
					errs <- fmt.Sprintf("writer %d: commitment %+v, want %s at version %d", i, got, c.ID, c.Version+1)
					return
				}
				mu.Lock()
				expected[key{c.ID, c.Version + 1}] = "ProgressReported"
				mu.Unlock()
				return
			}
			r := srv.do(true, `mutation($in: RecordMeetingOutcomeInput!) { recordMeetingOutcome(input: $in) { outcome { id } userErrors { field message } } }`,
				map[string]any{"in": map[string]any{"meetingId": meeting, "kind": "ACTION_ITEM", "summary": fmt.Sprint("concurrent outcome ", i)}})
			var out struct {
				RecordMeetingOutcome struct{ Outcome *struct{ ID string } }
			}
			if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || out.RecordMeetingOutcome.Outcome == nil {
				errs <- fmt.Sprintf("writer %d: %+v %s", i, r.Errors, r.Data)
				return
			}
			mu.Lock()
			expected[key{out.RecordMeetingOutcome.Outcome.ID, 1}] = "MeetingOutcomeRecorded"
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if len(expected) != 20 {
		t.Fatalf("%d distinct writes, want 20", len(expected))
	}

	// The log's order of the 20 events, read from the database.
	logged, err := a.app.store.ReadAfter(context.Background(), seqBefore)
	if err != nil {
		t.Fatal(err)
	}
	var logOrder []key
	for _, e := range logged {
		if e.Type == hub.TypeCommitment || e.Type == hub.TypeOutcome {
			logOrder = append(logOrder, key{gid(e.Type, e.EntityID), e.Version})
		}
	}
	if len(logOrder) != 20 {
		t.Fatalf("%d events in the log after the writes, want 20", len(logOrder))
	}
	for i := 1; i < len(logged); i++ {
		if logged[i].Seq <= logged[i-1].Seq {
			t.Fatalf("the log is not in sequence order: %d after %d", logged[i].Seq, logged[i-1].Seq)
		}
	}

	type changeEvent struct {
		Cursor, Kind, EntityType string
		Version                  int
		Node                     struct{ ID string }
	}
	receive := func(sub *subscriber, n int) []changeEvent {
		t.Helper()
		var got []changeEvent
		seen := map[key]bool{}
		for range n {
			var ev changeEvent
			sub.nextEvent(10*time.Second, "events", &ev)
			k := key{ev.Node.ID, ev.Version}
			kind, ok := expected[k]
			switch {
			case !ok:
				t.Fatalf("%s: unexpected event %+v", sub.name, ev)
			case seen[k]:
				t.Fatalf("%s: event %+v delivered twice", sub.name, ev)
			case ev.Kind != kind:
				t.Fatalf("%s: event %+v has kind %s, want %s", sub.name, ev, ev.Kind, kind)
			case ev.EntityType != map[string]string{"ProgressReported": "COMMITMENT", "MeetingOutcomeRecorded": "MEETING_OUTCOME"}[kind]:
				t.Fatalf("%s: event %+v has the wrong entityType", sub.name, ev)
			}
			seen[k] = true
			got = append(got, ev)
		}
		cursors := make([]string, len(got))
		order := make([]key, len(got))
		for i, ev := range got {
			cursors[i], order[i] = ev.Cursor, key{ev.Node.ID, ev.Version}
		}
		distinctCursors(t, cursors...)
		if !slices.Equal(order, logOrder) {
			t.Fatalf("%s: events in the order\n%v\nbut the log's order is\n%v", sub.name, order, logOrder)
		}
		return got
	}
	fromA := receive(onA, 20)
	receive(onB, 20)
	onA.expectQuiet(time.Second)
	onB.expectQuiet(100 * time.Millisecond)

	// commitmentUpdated on B: the ten reports, each once, in log order.
	var commitmentOrder []key
	for _, k := range logOrder {
		if expected[k] == "ProgressReported" {
			commitmentOrder = append(commitmentOrder, k)
		}
	}
	var cursors []string
	for i, want := range commitmentOrder {
		var ev struct {
			Cursor, Kind string
			Commitment   struct {
				ID                string
				Version, Progress int
			}
			ChangedFields []struct{ Field string }
		}
		commitmentsOnB.nextEvent(10*time.Second, "commitmentUpdated", &ev)
		if ev.Kind != "ProgressReported" || ev.Commitment.ID != want.id || ev.Commitment.Version != want.version || len(ev.ChangedFields) == 0 {
			t.Fatalf("commitmentUpdated %d: %+v, want %s at version %d", i, ev, want.id, want.version)
		}
		cursors = append(cursors, ev.Cursor)
	}
	distinctCursors(t, cursors...)
	commitmentsOnB.expectQuiet(100 * time.Millisecond)

	// A replay after the first event gives the other 19, in the same order.
	replay := startSubscriber(t, "replay on B", b.url, subOptions{query: eventsQuery, vars: map[string]any{"after": fromA[0].Cursor}})
	for i := 1; i < 20; i++ {
		var ev changeEvent
		replay.nextEvent(10*time.Second, "events", &ev)
		if k := (key{ev.Node.ID, ev.Version}); k != logOrder[i] {
			t.Fatalf("replay message %d is %+v, want %v", i, ev, logOrder[i])
		}
	}
	replay.expectQuiet(500 * time.Millisecond)
}

// TestSubscriptionGracefulShutdown: stopping the server closes every
// WebSocket with 1001 (going away), so clients reconnect and resume.
func TestSubscriptionGracefulShutdown(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	current := startSubscriber(t, "graphql-transport-ws", s.url, subOptions{query: outcomeSubscription, reportClose: true})
	legacy := startSubscriber(t, "legacy graphql-ws", s.url, subOptions{query: outcomeSubscription, reportClose: true, protocol: "graphql-ws"})
	stopWithin(t, s, 30*time.Second)
	for _, sub := range []*subscriber{current, legacy} {
		line := sub.next(10 * time.Second)
		var closed struct {
			Closed *int
			Reason string
		}
		if err := json.Unmarshal([]byte(line), &closed); err != nil || closed.Closed == nil {
			t.Fatalf("%s: want a close report, got %s", sub.name, line)
		}
		if *closed.Closed != 1001 {
			t.Fatalf("%s: the socket closed with code %d (%q), want 1001 (going away)", sub.name, *closed.Closed, closed.Reason)
		}
		if code := sub.waitExit(5 * time.Second); code != 0 {
			t.Fatalf("%s: exit %d; %s", sub.name, code, sub.describe())
		}
	}
}

// TestSubscriptionBadCursor: a malformed cursor fails the subscription
// with BAD_USER_INPUT, on each subscription field.
func TestSubscriptionBadCursor(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	type probe struct {
		name, field string
		sub         *subscriber
	}
	var probes []probe
	for _, c := range []struct{ field, cursor string }{
		{"meetingOutcomeRecorded", "not a cursor"},
		{"meetingOutcomeRecorded", "Zm9vYmFy"},
		{"meetingOutcomeRecorded", "-1"},
		{"commitmentUpdated", "not a cursor"},
		{"events", "Zm9vYmFy"},
	} {
		name := c.field + " after " + strconv.Quote(c.cursor)
		probes = append(probes, probe{name, c.field, startSubscriber(t, name, s.url, subOptions{count: 1, timeout: 10 * time.Second,
			query: fmt.Sprintf(`subscription($after: String) { %s(after: $after) { cursor } }`, c.field),
			vars:  map[string]any{"after": c.cursor}})})
	}
	for _, p := range probes {
		line := p.sub.next(10 * time.Second)
		var got struct {
			subMessage
			Error []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"error"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("%s: printed %q: %v", p.name, line, err)
		}
		errs := got.Error
		if len(errs) == 0 {
			errs = got.Errors
		}
		if len(errs) == 0 || errs[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Fatalf("%s: want a BAD_USER_INPUT error, got %s", p.name, line)
		}
		if raw := got.Data[p.field]; len(raw) > 0 && string(raw) != "null" {
			t.Fatalf("%s: an event came with the error: %s", p.name, line)
		}
		p.sub.waitExit(10 * time.Second)
	}
}

// TestSubscriptionAcrossProcesses: two server processes on one database
// (the second pointed at the first's embedded FerretDB) deliver each
// other's writes; SIGTERM closes their WebSockets with 1001.
func TestSubscriptionAcrossProcesses(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	first := startProcess(t, "first", bin, "--data-dir", filepath.Join(dir, "one"), "--addr", "127.0.0.1:0",
		"--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken)
	uri := first.waitLog("uri")
	url := first.waitLog("url")
	second := startProcess(t, "second", bin, "--mongodb-uri", uri, "--data-dir", filepath.Join(dir, "two"),
		"--addr", "127.0.0.1:0", "--embedded-addr", "127.0.0.1:0", "--admin-token", testAdminToken)
	url2 := second.waitLog("url")

	one := &testServer{t: t, url: url}
	two := &testServer{t: t, url: url2}
	meeting := heldMeeting(one)
	onOne := startSubscriber(t, "on process one", one.url, subOptions{query: outcomeSubscription})
	onTwo := startSubscriber(t, "on process two", two.url, subOptions{query: outcomeSubscription, reportClose: true})

	recordOutcome(one, meeting, "DECISION", "written through process one", "bpd")
	onOne.expectOutcomes(5*time.Second, "written through process one")
	onTwo.expectOutcomes(5*time.Second, "written through process one")
	recordOutcome(two, meeting, "AGREEMENT", "written through process two", "undp")
	onOne.expectOutcomes(5*time.Second, "written through process two")
	onTwo.expectOutcomes(5*time.Second, "written through process two")

	second.terminate(30 * time.Second)
	var closed struct{ Closed *int }
	if line := onTwo.next(10 * time.Second); json.Unmarshal([]byte(line), &closed) != nil || closed.Closed == nil || *closed.Closed != 1001 {
		t.Fatalf("SIGTERM: want close code 1001, got %s", line)
	}
	first.terminate(30 * time.Second)
}

// serverProcess is a running server binary whose slog output is searched for
// attributes.
type serverProcess struct {
	t    *testing.T
	name string
	cmd  *exec.Cmd
	logs lockedBuffer
	done chan struct{}
	err  error
}

func startProcess(t *testing.T, name, bin string, args ...string) *serverProcess {
	t.Helper()
	p := &serverProcess{t: t, name: name, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = &p.logs
	p.cmd.Stderr = &p.logs
	p.cmd.Env = append(os.Environ(), "MONGODB_URI=", "CONVENE_ADDR=", "CONVENE_DATA_DIR=")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s server log:\n%s", p.name, p.logs.String())
		}
	})
	return p
}

// waitLog returns the first value of the log attribute key (url, uri).
func (p *serverProcess) waitLog(key string) string {
	p.t.Helper()
	re := regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(key) + `=("(?:[^"\\]|\\.)*"|\S+)`)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.logs.String()); m != nil {
			v := m[1]
			if strings.HasPrefix(v, `"`) {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				}
			}
			return v
		}
		select {
		case <-p.done:
			p.t.Fatalf("%s server exited (%v) before logging %s=; log:\n%s", p.name, p.err, key, p.logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	p.t.Fatalf("%s server logged no %s= within a minute; log:\n%s", p.name, key, p.logs.String())
	return ""
}

// terminate sends SIGTERM and waits for a clean exit.
func (p *serverProcess) terminate(d time.Duration) {
	p.t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(d):
		p.t.Fatalf("%s server did not exit within %v of SIGTERM; log:\n%s", p.name, d, p.logs.String())
	}
	if p.err != nil {
		p.t.Fatalf("%s server exited with %v; log:\n%s", p.name, p.err, p.logs.String())
	}
}

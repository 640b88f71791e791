package app

import (
	"encoding/json"
	"strconv"
	"testing"

	"convene/hub"
)

// changedField is one entry of an event's changedFields.
type changedField struct {
	Field         string
	Before, After *string
}

// commitmentReplay is one commitmentUpdated message as these tests ask for it.
type commitmentReplay struct {
	Kind          string
	ChangedFields []changedField
	Commitment    struct {
		Version         int
		Progress        int
		ProgressReports struct {
			TotalCount int
			Nodes      []struct{ Note string }
		}
	}
}

// replayCommitment subscribes to commitmentUpdated for one commitment
// after the log position seq and reads n messages.
func replayCommitment(t *testing.T, s *testServer, commitmentID string, seq int64, n int) []commitmentReplay {
	t.Helper()
	return replayCommitmentUpdated[commitmentReplay](t, s, commitmentID, seq, n,
		`{ version progress progressReports(first: 1) { totalCount nodes { note } } }`)
}

// replayCommitmentUpdated subscribes over graphql-transport-ws to
// commitmentUpdated for one commitment after the log position seq,
// selecting the kind, the changed fields and commitmentSelection of the
// commitment, and decodes n messages into M.
func replayCommitmentUpdated[M any](t *testing.T, s *testServer, commitmentID string, seq int64, n int, commitmentSelection string) []M {
	t.Helper()
	ws := dialWS(t, s, "graphql-transport-ws")
	defer ws.ws.CloseNow()
	ws.send(`{"type":"connection_init"}`)
	ws.expect("connection_ack")
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($ids: [ID!], $after: String) { commitmentUpdated(filter: {commitmentIds: $ids}, after: $after) {
			kind changedFields { field before after } commitment ` + commitmentSelection + ` } }`,
		"variables": map[string]any{"ids": []string{gid(hub.TypeCommitment, commitmentID)}, "after": eventCursorOf(seq)}}})
	ws.send(string(sub))
	out := make([]M, 0, n)
	for range n {
		msg := ws.expect("next")
		var ev struct {
			Data struct{ CommitmentUpdated M }
		}
		raw, _ := json.Marshal(msg["payload"])
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.Data.CommitmentUpdated)
	}
	return out
}

// TestProgressEventsReplayAsWritten: progress reports' events are stored
// without the commitment's state; a subscriber replaying them, from memory
// or, after a restart, from the log, sees each commitment as it was at
// the event, with its reports and changed fields, the same both ways.
func TestProgressEventsReplayAsWritten(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	id := "C-2.1-003"
	seq := s.app.hub.Model().Seq()
	before := hub.Commitments.Get(s.app.hub.Model(), id)
	for i, p := range []int{61, 67, 73} {
		reportProgress(s, id, p, "replayed report "+strconv.Itoa(i))
		if i == 1 {
			s.mutate(`mutation($id: ID!) { updateCommitment(input: {id: $id, title: "Renamed between reports"}) { userErrors { field } } }`,
				map[string]any{"id": gid(hub.TypeCommitment, id)}, nil)
		}
	}
	live := replayCommitment(t, s, id, seq, 4)
	s.stop()

	s2 := startServer(t, dir, hub.Options{})
	if s2.app.hub.Model().Seq() != seq+4 {
		t.Fatalf("log at %d after restart, want %d", s2.app.hub.Model().Seq(), seq+4)
	}
	replayed := replayCommitment(t, s2, id, seq, 4)
	if a, b := mustJSON(t, live), mustJSON(t, replayed); string(a) != string(b) {
		t.Fatalf("from memory:\n%s\nfrom the log after a restart:\n%s", a, b)
	}
	for i, want := range []struct {
		kind            string
		progress, count int // count: reports added by then
		note            string
	}{{"ProgressReported", 61, 1, "replayed report 0"}, {"ProgressReported", 67, 2, "replayed report 1"},
		{"CommitmentUpdated", 67, 2, "replayed report 1"}, {"ProgressReported", 73, 3, "replayed report 2"}} {
		r := replayed[i]
		reports := r.Commitment.ProgressReports
		if r.Kind != want.kind || r.Commitment.Version != before.Version+1+i || r.Commitment.Progress != want.progress ||
			reports.TotalCount != before.ReportCount+want.count || len(reports.Nodes) != 1 || reports.Nodes[0].Note != want.note {
			t.Errorf("event %d: %s", i, mustJSON(t, r))
		}
		progress := ""
		for _, f := range r.ChangedFields {
			if f.Field == "progress" && f.After != nil {
				progress = *f.After
			}
		}
		if want.kind == "ProgressReported" && progress != strconv.Itoa(want.progress) {
			t.Errorf("event %d's changed fields: %s", i, mustJSON(t, r.ChangedFields))
		}
	}
}

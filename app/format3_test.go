package app

import (
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// testdata/format3/convene.sqlite.gz is the embedded database of a server
// built from the code that wrote store format 3 (every progress report in
// each of a commitment's states): the demo data (358 events, a full
// checkpoint at 358), then on C-1.1-003 a progress report (359, version
// 5) and a title change (360; a checkpoint at 360), then a report at 361
// (version 7) before the process was killed, so that 361 is replayed from
// the log at start.

// openFormat3 copies the fixture into a fresh data directory.
func openFormat3(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	in, err := os.Open(filepath.Join("testdata", "format3", "convene.sqlite.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "ferretdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "ferretdb", "convene.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

const format3Query = `query($id: ID!) {
	commitment(id: $id) { title version progress status
		progressReports(first: 10) { totalCount nodes { progress status note reportedBy { role } } }
		history(first: 10) { totalCount nodes { kind version fields { field before after } } } }
	other: commitment(id: "` + "Q29tbWl0bWVudDpDLTEuMS0wMDE" + `") { version progressReports(first: 10) { totalCount nodes { progress } } }
}`

type format3Answer struct {
	Commitment struct {
		Title           string
		Version         int
		Progress        int
		Status          string
		ProgressReports struct {
			TotalCount int
			Nodes      []struct {
				Progress   int
				Status     string
				Note       string
				ReportedBy struct{ Role string }
			}
		}
		History struct {
			TotalCount int
			Nodes      []struct {
				Kind    string
				Version int
				Fields  []changedField
			}
		}
	}
	Other struct {
		Version         int
		ProgressReports struct {
			TotalCount int
			Nodes      []struct{ Progress int }
		}
	}
}

func TestFormat3DatabaseOpens(t *testing.T) {
	dir := openFormat3(t)
	s := startServer(t, dir, hub.Options{})
	if seq := s.app.hub.Model().Seq(); seq != 361 {
		t.Fatalf("log position %d, want 361", seq)
	}
	id := gid(hub.TypeCommitment, "C-1.1-003")
	vars := map[string]any{"id": id}
	var got format3Answer
	s.query(format3Query, vars, &got)
	c := got.Commitment
	if c.Title != "Fixture title (format 3)" || c.Version != 7 || c.Progress != 90 || c.Status != "AT_RISK" {
		t.Fatalf("commitment %+v", c)
	}
	wantNotes := []string{"Fixture report two, after the checkpoint.", "Fixture report one: attendance up.",
		"104 regular attendees; sponsor has confirmed funding through the 2015-16 school year."}
	if c.ProgressReports.TotalCount != 5 || len(c.ProgressReports.Nodes) != 5 {
		t.Fatalf("reports %+v, want 5", c.ProgressReports)
	}
	for i, note := range wantNotes {
		if n := c.ProgressReports.Nodes[i]; n.Note != note || n.ReportedBy.Role != []string{"ADMIN", "ADMIN", "EDITOR"}[i] {
			t.Errorf("report %d: %+v, want note %q", i, n, note)
		}
	}
	if n := c.ProgressReports.Nodes[0]; n.Progress != 90 || n.Status != "AT_RISK" {
		t.Errorf("newest report %+v", n)
	}
	h := c.History.Nodes
	if c.History.TotalCount != 7 || len(h) != 7 || h[6].Kind != "ProgressReported" || h[6].Version != 7 || len(h[6].Fields) != 2 ||
		h[6].Fields[1].Field != "status" || *h[6].Fields[1].After != `"AT_RISK"` ||
		h[5].Kind != "CommitmentUpdated" || len(h[5].Fields) != 1 || h[5].Fields[0].Field != "title" {
		t.Fatalf("history %s", mustJSON(t, c.History))
	}
	if got.Other.Version != 4 || got.Other.ProgressReports.TotalCount != 3 || got.Other.ProgressReports.Nodes[0].Progress != 100 {
		t.Fatalf("a commitment from the full checkpoint only: %+v", got.Other)
	}

	// Replayed from the log (the events before the watermark are not in
	// memory), each event's commitment shows the reports of its version.
	ws := dialWS(t, s, "graphql-transport-ws")
	ws.send(`{"type":"connection_init"}`)
	ws.expect("connection_ack")
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription($ids: [ID!], $after: String) { commitmentUpdated(filter: {commitmentIds: $ids}, after: $after) {
			kind commitment { version progressReports(first: 1) { totalCount nodes { note } } } } }`,
		"variables": map[string]any{"ids": []string{id}, "after": base64.RawURLEncoding.EncodeToString([]byte("e:358"))}}})
	ws.send(string(sub))
	for _, want := range []struct {
		kind           string
		version, count int
		note           string
	}{
		{"ProgressReported", 5, 4, "Fixture report one: attendance up."},
		{"CommitmentUpdated", 6, 4, "Fixture report one: attendance up."},
		{"ProgressReported", 7, 5, "Fixture report two, after the checkpoint."},
	} {
		msg := ws.expect("next")
		var ev struct {
			Data struct {
				CommitmentUpdated struct {
					Kind       string
					Commitment struct {
						Version         int
						ProgressReports struct {
							TotalCount int
							Nodes      []struct{ Note string }
						}
					}
				}
			}
		}
		raw, _ := json.Marshal(msg["payload"])
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		e := ev.Data.CommitmentUpdated
		if e.Kind != want.kind || e.Commitment.Version != want.version || e.Commitment.ProgressReports.TotalCount != want.count ||
			len(e.Commitment.ProgressReports.Nodes) != 1 || e.Commitment.ProgressReports.Nodes[0].Note != want.note {
			t.Fatalf("replayed %s", raw)
		}
	}

	ws.ws.CloseNow()

	// The database is now recorded as format 4.
	client, err := mongo.Connect(options.Client().ApplyURI(s.app.embedded.URI))
	if err != nil {
		t.Fatal(err)
	}
	var format struct{ Version int }
	err = client.Database("convene").Collection("meta").FindOne(context.Background(), bson.D{{Key: "_id", Value: "format"}}).Decode(&format)
	client.Disconnect(context.Background())
	if err != nil || format.Version != 4 {
		t.Fatalf("format %+v %v, want 4", format, err)
	}

	// A report on the opened database, then a restart: the checkpoint
	// written in format 4 holds the same state.
	reportProgress(s, "C-1.1-003", 95, "after the upgrade")
	var before, after format3Answer
	s.query(format3Query, vars, &before)
	if before.Commitment.ProgressReports.TotalCount != 6 || before.Commitment.ProgressReports.Nodes[0].Note != "after the upgrade" {
		t.Fatalf("after a new report: %+v", before.Commitment.ProgressReports)
	}
	s.stop()
	s2 := startServer(t, dir, hub.Options{})
	s2.query(format3Query, vars, &after)
	if b, a := mustJSON(t, before), mustJSON(t, after); string(b) != string(a) {
		t.Fatalf("changed across a restart:\nbefore %s\nafter  %s", b, a)
	}
}

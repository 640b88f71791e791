package app

import (
	"context"
	"testing"

	"convene/hub"
)

// snapshotQuery reads a commitment, its history and the roll-up: enough
// to see any change lost or doubled across a restart.
const snapshotQuery = `query($id: ID!) {
	commitment(id: $id) { reference title status progress version updatedAt
		progressReports(first: 100) { totalCount nodes { progress note } }
		history(first: 100) { totalCount nodes { kind version } } }
	commitmentStats { total averageProgress overdue byStatus { status count } }
	stakeholders(first: 100) { totalCount nodes { name version } }
}`

func reportProgress(s *testServer, commitmentID string, progress int, note string) {
	s.t.Helper()
	var out struct {
		ReportProgress struct{ UserErrors []userError }
	}
	s.mutate(`mutation($in: ReportProgressInput!) { reportProgress(input: $in) { userErrors { field message } } }`,
		map[string]any{"in": map[string]any{"commitmentId": gid(hub.TypeCommitment, commitmentID), "progress": progress, "status": "ON_TRACK", "note": note}}, &out)
	if len(out.ReportProgress.UserErrors) > 0 {
		s.t.Fatalf("reportProgress: %+v", out.ReportProgress.UserErrors)
	}
}

func TestRestartKeepsEveryChange(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, hub.Options{})
	id := "C-2.1-003"
	for i, p := range []int{55, 60, 70} {
		reportProgress(s, id, p, "step "+string(rune('a'+i)))
	}
	s.mutate(`mutation { createStakeholder(input: {name: "Added before restart", sector: PRIVATE_SECTOR}) { userErrors { field } } }`, nil, nil)
	var before, after map[string]any
	vars := map[string]any{"id": gid(hub.TypeCommitment, id)}
	s.query(snapshotQuery, vars, &before)
	seq := s.app.hub.Model().Seq()
	s.stop()

	s2 := startServer(t, dir, hub.Options{})
	s2.query(snapshotQuery, vars, &after)
	if compact(t, mustJSON(t, before)) != compact(t, mustJSON(t, after)) {
		t.Fatalf("state changed across a restart:\nbefore %s\nafter  %s", mustJSON(t, before), mustJSON(t, after))
	}
	if got := s2.app.hub.Model().Seq(); got != seq {
		t.Fatalf("log position %d after restart, want %d (demo data must not load twice)", got, seq)
	}
}

// TestCrashBeforeSnapshotHeals: events reach the log but their snapshots
// are never written (the process dies first); the next start rebuilds the
// state from the log and then rewrites the stale snapshots.
func TestCrashBeforeSnapshotHeals(t *testing.T) {
	dir := t.TempDir()
	startServer(t, dir, hub.Options{}).stop() // demo data, snapshots written

	crashing := startServer(t, dir, hub.Options{SnapshotInterval: -1})
	id := "C-1.2-001"
	reportProgress(crashing, id, 77, "reported just before the crash")
	var before map[string]any
	vars := map[string]any{"id": gid(hub.TypeCommitment, id)}
	crashing.query(snapshotQuery, vars, &before)
	crashing.stop() // SnapshotInterval -1: nothing is flushed, as in a crash

	if stale := storedCommitment(t, crashing); stale.Progress == 77 {
		t.Fatal("the snapshot was written; the test does not simulate a crash")
	}

	healed := startServer(t, dir, hub.Options{})
	var after map[string]any
	healed.query(snapshotQuery, vars, &after)
	if compact(t, mustJSON(t, before)) != compact(t, mustJSON(t, after)) {
		t.Fatalf("state after the crash differs:\nbefore %s\nafter  %s", mustJSON(t, before), mustJSON(t, after))
	}
	healed.stop()
	if c := storedCommitment(t, healed); c.Progress != 77 {
		t.Fatalf("the stale snapshot was not rewritten: progress %d", c.Progress)
	}
}

// storedCommitment reads C-1.2-001's latest checkpointed state from the database
// the (stopped) server used.
func storedCommitment(t *testing.T, s *testServer) *hub.Commitment {
	t.Helper()
	probe := startServer(t, s.dir, hub.Options{SnapshotInterval: -1})
	defer probe.stop()
	snaps, _, err := probe.app.store.LoadSnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var latest *hub.Commitment // checkpoints may hold several versions
	for _, sn := range snaps {
		if c := hub.Commitments.Of(sn.State); c != nil && c.ID == "C-1.2-001" && (latest == nil || c.Version > latest.Version) {
			latest = c
		}
	}
	if latest == nil {
		t.Fatal("no snapshot of C-1.2-001")
	}
	return latest
}

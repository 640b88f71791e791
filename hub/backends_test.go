package hub_test

import (
	"flag"
	"io"
	"log/slog"
	"testing"

	"convene/hub"
	"convene/internal/backendtest"
	"convene/internal/pgtest"
	"convene/store"
)

// TestMain turns on the arena's checks (hub.CheckArenaWrites) for the
// tests, not for benchmarks, which measure the read model as it serves.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		hub.CheckArenaWrites()
	}
	pgtest.Main(m)
}

// TestHubOnEveryBackend runs the hub's tests on the real store again on
// PostgreSQL (and MongoDB when one is configured).
func TestHubOnEveryBackend(t *testing.T) {
	backendtest.Run(t,
		backendtest.Test{Name: "TailerAppliesAnotherInstancesEvents", Run: TestTailerAppliesAnotherInstancesEvents},
		backendtest.Test{Name: "TailerWaitsForAnEventCommittedLate", Run: TestTailerWaitsForAnEventCommittedLate},
		backendtest.Test{Name: "FollowReplaysThenGoesLive", Run: TestFollowReplaysThenGoesLive},
		backendtest.Test{Name: "CheckpointCoversWhatItsRangeReplayed", Run: TestCheckpointCoversWhatItsRangeReplayed},
	)
}

// startDatabase starts an embedded FerretDB for the test's backend (SQLite
// in a temporary directory, or a fresh PostgreSQL database), or returns
// the configured MongoDB's URI.
func startDatabase(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	c := store.EmbeddedConfig{Backend: store.BackendSQLite, Dir: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch backendtest.Of(t) {
	case backendtest.MongoDB:
		uri, _ := backendtest.MongoDBDatabase(t, t.Name())
		return uri
	case backendtest.PostgreSQL:
		c.Backend, c.PostgreSQLURL = store.BackendPostgreSQL, backendtest.PostgreSQLURL(t, dir)
	}
	emb, err := store.StartEmbeddedConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	return emb.URI
}

// testDatabase is the database the test's stores share.
func testDatabase(t *testing.T) string {
	if backendtest.Of(t) == backendtest.MongoDB {
		_, database := backendtest.MongoDBDatabase(t, t.Name())
		return database
	}
	return "hubtest"
}

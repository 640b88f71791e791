package store

import (
	"io"
	"log/slog"
	"testing"

	"convene/internal/backendtest"
	"convene/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestStoreOnEveryBackend runs the store's tests again on PostgreSQL (and
// MongoDB when one is configured).
func TestStoreOnEveryBackend(t *testing.T) {
	backendtest.Run(t,
		backendtest.Test{Name: "AppendGuardsSequenceAndVersion", Run: TestAppendGuardsSequenceAndVersion},
		backendtest.Test{Name: "ConcurrentAppendsOfOneVersionHaveOneWinner", Run: TestConcurrentAppendsOfOneVersionHaveOneWinner},
		backendtest.Test{Name: "ReadAfterReturnsTheTailInOrder", Run: TestReadAfterReturnsTheTailInOrder},
		backendtest.Test{Name: "SnapshotsRoundTrip", Run: TestSnapshotsRoundTrip},
		backendtest.Test{Name: "CheckpointsSplitAndChain", Run: TestCheckpointsSplitAndChain},
		backendtest.Test{Name: "OldFormatIsRefused", Run: TestOldFormatIsRefused},
		backendtest.Test{Name: "Heads", Run: TestHeads},
	)
}

// startDatabase gives the test a database of its backend: an embedded
// FerretDB on SQLite in a temporary directory or on a fresh PostgreSQL
// database, or the configured MongoDB.
func startDatabase(t *testing.T) (uri, database string) {
	t.Helper()
	dir := t.TempDir()
	c := EmbeddedConfig{Backend: BackendSQLite, Dir: dir, Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch backendtest.Of(t) {
	case backendtest.MongoDB:
		return backendtest.MongoDBDatabase(t, dir)
	case backendtest.PostgreSQL:
		c.Backend, c.PostgreSQLURL = BackendPostgreSQL, backendtest.PostgreSQLURL(t, dir)
	}
	emb, err := StartEmbeddedConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	return emb.URI, "convene_test"
}

package app

import (
	"context"
	"strings"
	"testing"

	"convene/internal/backendtest"
	"convene/seed"
	"convene/store"
)

// TestCoreOnEveryBackend runs the end-to-end core (mutations, conflicts,
// restart, crash healing, two instances, subscriptions' resume) again on
// the embedded FerretDB on PostgreSQL, and on MongoDB when
// CONVENE_TEST_MONGODB_URI names one.
func TestCoreOnEveryBackend(t *testing.T) {
	backendtest.Run(t,
		backendtest.Test{Name: "MutationsHappyPath", Run: TestMutationsHappyPath},
		backendtest.Test{Name: "ValidationWritesNothing", Run: TestValidationWritesNothing},
		backendtest.Test{Name: "StaleExpectedVersionConflicts", Run: TestStaleExpectedVersionConflicts},
		backendtest.Test{Name: "ConcurrentWritersOneWins", Run: TestConcurrentWritersOneWins},
		backendtest.Test{Name: "StakeholderNameUniqueAcrossInstances", Run: TestStakeholderNameUniqueAcrossInstances},
		backendtest.Test{Name: "RestartKeepsEveryChange", Run: TestRestartKeepsEveryChange},
		backendtest.Test{Name: "CrashBeforeSnapshotHeals", Run: TestCrashBeforeSnapshotHeals},
		backendtest.Test{Name: "SubscriptionResumesAfterCursor", Run: TestSubscriptionResumesAfterCursor},
		backendtest.Test{Name: "SubscriptionResumesAcrossRestart", Run: TestSubscriptionResumesAcrossRestart},
		backendtest.Test{Name: "SubscriptionAcrossInstances", Run: TestSubscriptionAcrossInstances},
		backendtest.Test{Name: "SubscriptionConcurrentWritersExactlyOnce", Run: TestSubscriptionConcurrentWritersExactlyOnce},
	)
}

// onTestBackend points a test server's configuration at the test's
// backend; the data directory names the database, so a restart on the
// same directory finds its data.
func onTestBackend(t *testing.T, cfg Config) Config {
	t.Helper()
	if cfg.mongoURI != "" {
		return cfg // a second instance on another's database
	}
	switch backendtest.Of(t) {
	case backendtest.PostgreSQL:
		cfg.embedded.Backend = store.BackendPostgreSQL
		cfg.embedded.PostgreSQLURL = backendtest.PostgreSQLURL(t, cfg.dataDir)
	case backendtest.MongoDB:
		cfg.mongoURI, cfg.database = backendtest.MongoDBDatabase(t, cfg.dataDir)
	}
	return cfg
}

// seedOnMongoDB loads the demo data into an empty MongoDB database, as the
// embedded database does on its first start.
func seedOnMongoDB(t *testing.T, a *App, cfg Config) {
	t.Helper()
	if backendtest.Of(t) != backendtest.MongoDB || !cfg.seedDemo || a.hub.Model().Seq() > 0 {
		return
	}
	if err := seed.Load(context.Background(), a.hub); err != nil {
		t.Fatal(err)
	}
}

// sameDatabase is how a second instance reaches the first one's database:
// the first's embedded FerretDB (FerretDB 1.x serves a PostgreSQL
// database from one process), or the same MongoDB database.
func sameDatabase(first *testServer) (uri, database string) {
	if first.app.embedded != nil {
		return first.app.embedded.URI, first.cfg.database
	}
	return first.cfg.mongoURI, first.cfg.database
}

func TestEmbeddedBackendConfig(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	cfg, err := ParseConfig(nil, env(map[string]string{"CONVENE_EMBEDDED_BACKEND": "postgresql", "CONVENE_POSTGRESQL_URL": "postgres://db/convene"}))
	if err != nil || cfg.embedded.Backend != store.BackendPostgreSQL || cfg.embedded.PostgreSQLURL != "postgres://db/convene" {
		t.Fatalf("from the environment: %+v %v", cfg.embedded, err)
	}
	if cfg, err := ParseConfig(nil, env(nil)); err != nil || cfg.embedded.Backend != store.BackendSQLite {
		t.Fatalf("default: %+v %v", cfg.embedded, err)
	}
	for _, args := range [][]string{{"--embedded-backend", "mysql"}, {"--embedded-backend", "postgresql"}} {
		if _, err := ParseConfig(args, env(nil)); err == nil || !strings.Contains(err.Error(), "--embedded-backend") {
			t.Errorf("%v: %v, want an error naming the flag", args, err)
		}
	}
}

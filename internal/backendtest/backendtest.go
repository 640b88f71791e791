// Package backendtest runs a package's core tests again on each database
// Convene supports beyond the default: the embedded FerretDB on
// PostgreSQL (a throwaway server from pgtest) and, when an operator
// provides one in CONVENE_TEST_MONGODB_URI, a real MongoDB. A test's own
// run is the default, the embedded FerretDB on SQLite; the helpers that
// open a database ask Of which backend the running test wants.
package backendtest

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/internal/pgtest"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Backend names a database under Convene.
type Backend string

// The backends.
const (
	SQLite     Backend = "sqlite"     // the embedded FerretDB on SQLite files
	PostgreSQL Backend = "postgresql" // the embedded FerretDB on PostgreSQL
	MongoDB    Backend = "mongodb"    // CONVENE_TEST_MONGODB_URI
)

// MongoDBEnv holds the connection string of the MongoDB to test against.
const MongoDBEnv = "CONVENE_TEST_MONGODB_URI"

// Test is a test function to run on each backend.
type Test struct {
	Name string
	Run  func(*testing.T)
}

var running sync.Map // test name → Backend

// Run runs the tests on PostgreSQL, then on MongoDB when MongoDBEnv is
// set (skipped, saying so, when it is not).
func Run(t *testing.T, tests ...Test) {
	for _, b := range []Backend{PostgreSQL, MongoDB} {
		t.Run(string(b), func(t *testing.T) {
			if b == MongoDB && os.Getenv(MongoDBEnv) == "" {
				t.Skipf("%s is not set: the core suite did not run against a real MongoDB (set it to a replica set's URI to run it)", MongoDBEnv)
			}
			for _, tc := range tests {
				t.Run(tc.Name, func(t *testing.T) {
					running.Store(t.Name(), b)
					defer running.Delete(t.Name())
					tc.Run(t)
				})
			}
		})
	}
}

// Of returns the backend the test (or its parent) runs on: SQLite unless
// Run said otherwise.
func Of(t testing.TB) Backend {
	for name := t.Name(); ; {
		if b, ok := running.Load(name); ok {
			return b.(Backend)
		}
		i := strings.LastIndex(name, "/")
		if i < 0 {
			return SQLite
		}
		name = name[:i]
	}
}

// name turns a key (a test's data directory) into a database name: the
// same key, the same database, so a restart finds its data.
func name(key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	return fmt.Sprintf("t%016x", h.Sum64())
}

// PostgreSQLURL returns the URL of the PostgreSQL database for key on the
// test binary's shared server.
func PostgreSQLURL(t testing.TB, key string) string {
	t.Helper()
	return pgtest.Database(t, name(key))
}

// MongoDBDatabase returns the MongoDB URI and a database name for key;
// the database is dropped when the test ends.
func MongoDBDatabase(t testing.TB, key string) (uri, database string) {
	t.Helper()
	uri, database = os.Getenv(MongoDBEnv), name(key)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			return
		}
		defer c.Disconnect(ctx)
		if err := c.Database(database).Drop(ctx); err != nil {
			t.Logf("dropping the test database %s: %v", database, err)
		}
	})
	return uri, database
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/internal/backendtest"

	"github.com/jackc/pgx/v5"
)

func TestInterruptedCreationsAreUndoneOnEveryBackend(t *testing.T) {
	backendtest.Run(t, backendtest.Test{Name: "InterruptedCreationsAreUndone", Run: TestInterruptedCreationsAreUndone})
}

// TestInterruptedCreationsAreUndone leaves, in a stopped database, each
// state FerretDB's statements leave when the process is killed between
// two of them while it creates the log's next block, and checks that the
// next start opens that block and writes to it with both of its unique
// guards, both listed. Without the repair the first and last cases fail
// with "already exists", the second lists no _id index.
func TestInterruptedCreationsAreUndone(t *testing.T) {
	backend := backendtest.Of(t)
	if backend == backendtest.MongoDB {
		t.Skip("a MongoDB creates a collection and its indexes itself")
	}
	// Each case's statements, for SQLite and for PostgreSQL, on the
	// block's table {T} with its _id index {I} and stream index {V}.
	cases := []struct {
		name               string
		sqlite, postgresql []string
	}{
		{"the table made, not named",
			[]string{`DELETE FROM _ferretdb_collections WHERE table_name = '{T}'`, `DROP INDEX "{I}"`, `DROP INDEX "{V}"`},
			[]string{`DELETE FROM convene._ferretdb_database_metadata WHERE _jsonb->>'table' = '{T}'`, `DROP INDEX convene."{I}"`, `DROP INDEX convene."{V}"`}},
		{"named, its _id index made but not listed",
			[]string{`UPDATE _ferretdb_collections SET settings = json_set(settings, '$.indexes', json('[]')) WHERE table_name = '{T}'`, `DROP INDEX "{V}"`},
			[]string{`UPDATE convene._ferretdb_database_metadata SET _jsonb = jsonb_set(jsonb_set(_jsonb, '{indexes}', '[]'), '{$s,p,indexes,i}', '[]') WHERE _jsonb->>'table' = '{T}'`, `DROP INDEX convene."{V}"`}},
		{"made, its stream index made but not listed",
			[]string{`UPDATE _ferretdb_collections SET settings = json_remove(settings, '$.indexes[1]') WHERE table_name = '{T}'`},
			[]string{`UPDATE convene._ferretdb_database_metadata SET _jsonb = _jsonb #- '{indexes,1}' #- '{$s,p,indexes,i,1}' WHERE _jsonb->>'table' = '{T}'`}},
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			config := EmbeddedConfig{Dir: dir, Addr: "127.0.0.1:0", Logger: quiet, Alerts: quiet}
			if backend == backendtest.PostgreSQL {
				config.Backend, config.PostgreSQLURL = BackendPostgreSQL, backendtest.PostgreSQLURL(t, dir)
			}
			ctx := context.Background()
			start := func() (*Embedded, *Store) {
				emb, err := StartEmbeddedConfig(config)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				s, err := Connect(ctx, emb.URI, "convene")
				if err != nil {
					emb.Stop()
					t.Fatal(err)
				}
				return emb, s
			}
			emb, s := start()
			for seq := int64(1); seq <= blockSize; seq++ {
				if err := s.Append(ctx, event(seq, fmt.Sprint("c", seq), 1)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.ensureBlock(ctx, 1); err != nil {
				t.Fatal(err)
			}
			s.Close(ctx)
			emb.Stop()

			// What FerretDB had made for block 1 when it was stopped.
			var c catalog
			var exec func(q string) error
			var err error
			if backend == backendtest.PostgreSQL {
				conn, cerr := pgx.Connect(ctx, config.PostgreSQLURL)
				if cerr != nil {
					t.Fatal(cerr)
				}
				defer conn.Close(ctx)
				c, err = postgresqlCatalog(ctx, conn, "convene")
				exec = func(q string) error { _, err := conn.Exec(ctx, q); return err }
			} else {
				db, oerr := sql.Open("sqlite", "file:"+filepath.Join(dir, "convene.sqlite"))
				if oerr != nil {
					t.Fatal(oerr)
				}
				defer db.Close()
				c, err = sqliteCatalog(db)
				exec = func(q string) error { _, err := db.Exec(q); return err }
			}
			if err != nil {
				t.Fatal(err)
			}
			var block ferretCollection
			for _, coll := range c.collections {
				if coll.name == "events_00000001" {
					block = coll
				}
			}
			if len(block.indexes) != 2 {
				t.Fatalf("block 1 as made: %+v, want its _id and stream indexes", block)
			}
			names := strings.NewReplacer("{T}", block.table, "{I}", block.indexes[0], "{V}", block.indexes[1])
			statements := tc.sqlite
			if backend == backendtest.PostgreSQL {
				statements = tc.postgresql
			}
			for _, q := range statements {
				if err := exec(names.Replace(q)); err != nil {
					t.Fatalf("%s: %v", names.Replace(q), err)
				}
			}

			emb, s = start()
			defer emb.Stop()
			defer s.Close(ctx)
			next := int64(blockSize + 1)
			if err := s.Append(ctx, event(next, "next", 1)); err != nil {
				t.Fatalf("appending the block's first event after the interrupted creation: %v", err)
			}
			if err := s.Append(ctx, event(next, "other", 1)); err == nil || !strings.Contains(err.Error(), "taken") {
				t.Fatalf("a second event at %d: %v, want it refused (the _id guard)", next, err)
			}
			if err := s.Append(ctx, event(next+1, "next", 1)); err == nil || !strings.Contains(err.Error(), "taken") {
				t.Fatalf("next@1 again at %d: %v, want it refused (the stream guard)", next+1, err)
			}
			specs, err := s.block(1).Indexes().ListSpecifications(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for _, spec := range specs {
				listed = append(listed, spec.Name)
			}
			if slices.Sort(listed); !slices.Equal(listed, []string{"_id_", "stream_version_unique"}) {
				t.Fatalf("block 1 lists the indexes %v, want _id_ and stream_version_unique", listed)
			}
		})
	}
}

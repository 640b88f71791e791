package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInterruptedCreationsAreUndone leaves, in a stopped database, each
// state FerretDB's statements leave when the process is killed between
// two of them while it creates the log's next block, and checks that the
// next start opens that block and writes to it with both of its unique
// guards. Without repairInterruptedCreations every case fails with
// "already exists".
func TestInterruptedCreationsAreUndone(t *testing.T) {
	const block = 1 // events 257–512
	cases := map[string]func(t *testing.T, db *sql.DB, table string){
		"the table made, not named": func(t *testing.T, db *sql.DB, table string) {
			exec(t, db, fmt.Sprintf(`CREATE TABLE %q (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT`, table))
		},
		"named, its _id index made but not listed": func(t *testing.T, db *sql.DB, table string) {
			exec(t, db, fmt.Sprintf(`CREATE TABLE %q (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT`, table))
			exec(t, db, `INSERT INTO _ferretdb_collections (name, table_name, settings) VALUES (?, ?, '{}')`, fmt.Sprintf("events_%08d", block), table)
			exec(t, db, fmt.Sprintf(`CREATE UNIQUE INDEX %q ON %q (_ferretdb_sjson->"_id")`, table+"__id_", table))
		},
		"made, its stream index made but not listed": func(t *testing.T, db *sql.DB, table string) {
			exec(t, db, fmt.Sprintf(`CREATE TABLE %q (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT`, table))
			exec(t, db, `INSERT INTO _ferretdb_collections (name, table_name, settings) VALUES (?, ?, ?)`, fmt.Sprintf("events_%08d", block), table,
				`{"uuid":"u","indexes":[{"name":"_id_","key":[{"field":"_id","descending":false}],"unique":true}],"cappedSize":0,"cappedDocuments":0}`)
			exec(t, db, fmt.Sprintf(`CREATE UNIQUE INDEX %q ON %q (_ferretdb_sjson->"_id")`, table+"__id_", table))
			exec(t, db, fmt.Sprintf(`CREATE UNIQUE INDEX %q ON %q (_ferretdb_sjson->"streamVersion")`, table+"_stream_version_unique", table))
		},
	}
	for name, interrupt := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			start := func() (*Embedded, *Store) {
				emb, err := StartEmbeddedConfig(EmbeddedConfig{Dir: dir, Addr: "127.0.0.1:0", Logger: quiet, Alerts: quiet})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				s, err := Connect(ctx, emb.URI, "convene")
				if err != nil {
					emb.Stop()
					t.Fatal(err)
				}
				return emb, s
			}
			ctx := context.Background()
			emb, s := start()
			for seq := int64(1); seq <= blockSize; seq++ {
				if err := s.Append(ctx, event(seq, fmt.Sprint("c", seq), 1)); err != nil {
					t.Fatal(err)
				}
			}
			s.Close(ctx)
			emb.Stop()

			db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "convene.sqlite"))
			if err != nil {
				t.Fatal(err)
			}
			h := fnv.New32a()
			h.Write(fmt.Appendf(nil, "events_%08d", block))
			table := fmt.Sprintf("events_%08d_%08x", block, h.Sum32())
			// The next block's creation, from a process that wrote block
			// 0 only, may already be under way: start from before it.
			exec(t, db, `DELETE FROM _ferretdb_collections WHERE table_name = ?`, table)
			exec(t, db, fmt.Sprintf(`DROP TABLE IF EXISTS %q`, table))
			interrupt(t, db, table)
			db.Close()

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
		})
	}
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

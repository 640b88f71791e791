package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

// The embedded database's own files: a full disk and damaged files. On
// the PostgreSQL backend both are PostgreSQL's (its disk, its files) and
// Convene sees them as a database that does not answer (see
// TestFaultsDatabaseStops), so these run on SQLite.

// fill writes a file under dir until the disk is full and returns its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, size := range []int{1 << 20, 4 << 10, 1} {
		chunk := make([]byte, size)
		for {
			if _, err := f.Write(chunk); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
	return path
}

// TestFaultsDiskFull: the data directory's disk (a small tmpfs) fills up.
// Mutations fail with UNAVAILABLE, /readyz says writes are impossible,
// writes resume when space returns, a start on the full disk says the
// disk is full, and nothing acknowledged is lost.
func TestFaultsDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("skipped: mounting a small tmpfs as the data directory was refused (%v: %s); the disk-full fault needs root and mount", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	s := startServer(t, dir, hub.Options{})
	ids := openCommitments(t, s.url, 4)
	l := newLedger()
	l.write(s.url, ids, 0, 5)

	filler := fill(t, dir)
	var failure response
	attempts := 0
	for ; attempts < 3000 && failure.code() == ""; attempts++ {
		id := ids[attempts%len(ids)]
		note := fmt.Sprintf("on a full disk %d", attempts)
		v, r, err := report(s.url, id, note+" "+strings.Repeat("x", 2000), 40)
		switch {
		case err == nil:
			l.acked[id] = append(l.acked[id], ack{note: note + " " + strings.Repeat("x", 2000), version: v})
			l.ackedN++
		case len(r.Errors) > 0:
			failure = r
		default:
			t.Fatal(err)
		}
	}
	if failure.code() != "UNAVAILABLE" {
		t.Fatalf("after %d mutations on a full disk: code %q, want UNAVAILABLE: %s", attempts, failure.code(), failure.body)
	}
	t.Logf("the disk full: mutation %d failed with %s: %q", attempts, failure.code(), failure.Errors[0].Message)
	code, reason := readyz(t, s.url)
	if code != http.StatusServiceUnavailable || !strings.Contains(reason, "writes impossible") {
		t.Errorf("/readyz with the disk full: %d %q, want 503 saying writes are impossible", code, reason)
	}
	t.Logf("/readyz with the disk full: %d %q", code, reason)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	resumed := waitWithin(t, 30*time.Second, "writes resuming once space returns", func() bool {
		_, _, err := report(s.url, ids[0], fmt.Sprintf("space is back %d", time.Now().UnixNano()), 45)
		return err == nil
	})
	if code, reason := readyz(t, s.url); code != http.StatusOK {
		t.Errorf("/readyz once space returned: %d %q", code, reason)
	}
	t.Logf("space back: writing again after %v", resumed.Round(time.Millisecond))
	l.verify(t, s.url)
	s.stop()

	filler = fill(t, dir)
	_, err := Open(context.Background(), testConfig(dir), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err == nil || !strings.Contains(err.Error(), "is full") {
		t.Fatalf("starting on a full disk: %v, want it to say the disk is full", err)
	}
	t.Logf("start on the full disk: %v", err)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, dir, hub.Options{})
	lost, dup, _ := l.verify(t, again.url)
	t.Logf("%d acknowledged, %d lost, %d duplicated across the full disk and a restart", l.ackedN, lost, dup)
}

// TestFaultsDamagedDatabaseFile: a damaged page, a lost event or an
// unparseable one in the log's first block (which a start from
// checkpoints does not replay) stops the start with an error naming the
// file, rather than serving a log with a hole.
func TestFaultsDamagedDatabaseFile(t *testing.T) {
	healthy := t.TempDir()
	startServer(t, healthy, hub.Options{}).stop()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, file string)
	}{
		{"a page overwritten", func(t *testing.T, file string) {
			root, pageSize := blockTable(t, file)
			garbage := make([]byte, pageSize)
			rand.Read(garbage)
			f, err := os.OpenFile(file, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(garbage, (root-1)*pageSize); err != nil {
				t.Fatal(err)
			}
		}},
		{"an event lost", func(t *testing.T, file string) {
			execSQL(t, file, `DELETE FROM %q WHERE json_extract(_ferretdb_sjson, '$._id') = '00000000000000000100'`)
		}},
		{"an event unparseable", func(t *testing.T, file string) {
			// Bytes inside a row's text, as a bad disk changes them: the
			// page stays well-formed, the event does not parse.
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			at := bytes.Index(b, []byte(`"_id":"00000000000000000007","`))
			if at < 0 {
				t.Fatal("event 7 not found in the file")
			}
			copy(b[at+len(`"_id":"00000000000000000007","`):], "]]]]]]]]]]]]")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command("cp", "-a", healthy+"/.", dir).CombinedOutput(); err != nil {
				t.Fatalf("copying the data directory: %v %s", err, out)
			}
			file := filepath.Join(dir, "ferretdb", "convene.sqlite")
			c.damage(t, file)
			a, err := Open(context.Background(), testConfig(dir), logger, Options{})
			if err == nil {
				a.Close(context.Background())
				t.Fatal("a damaged database started")
			}
			if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), file) {
				t.Fatalf("starting on a damaged file: %v, want ErrDamaged naming %s", err, file)
			}
			t.Logf("refused: %v", err)
		})
	}
	t.Run("undamaged", func(t *testing.T) {
		startServer(t, healthy, hub.Options{})
	})
}

// blockTable returns the root page of the log's first block in the
// SQLite file, and the file's page size.
func blockTable(t *testing.T, file string) (root, pageSize int64) {
	t.Helper()
	db := sqliteDB(t, file)
	defer db.Close()
	table := firstBlock(t, db)
	if err := db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = ?`, table).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	return root, pageSize
}

// execSQL runs a statement on the log's first block (%q is its table).
func execSQL(t *testing.T, file, stmt string) {
	t.Helper()
	db := sqliteDB(t, file)
	defer db.Close()
	res, err := db.Exec(fmt.Sprintf(stmt, firstBlock(t, db)))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("the damage touched %d rows, want 1", n)
	}
}

func sqliteDB(t *testing.T, file string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func firstBlock(t *testing.T, db *sql.DB) string {
	t.Helper()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'events_00000000'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	return table
}

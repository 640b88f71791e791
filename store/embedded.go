package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"convene/hub"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// The databases the embedded FerretDB can keep its data in.
const (
	BackendSQLite     = "sqlite"     // files in a directory: nothing to install
	BackendPostgreSQL = "postgresql" // an existing PostgreSQL database
)

// EmbeddedConfig says where the embedded FerretDB listens and keeps its data.
type EmbeddedConfig struct {
	Backend       string       // BackendSQLite (when empty) or BackendPostgreSQL
	Dir           string       // SQLite: the directory of the database files
	PostgreSQLURL string       // PostgreSQL: postgres://user:password@host:port/database
	Addr          string       // loopback host:port to listen on; port 0 picks one
	Logger        *slog.Logger // FerretDB's own log
	Alerts        *slog.Logger // Convene's warnings about the database (default slog.Default)
}

// Embedded is a FerretDB server running in this process on SQLite files
// or a PostgreSQL database, spoken to over the real MongoDB wire protocol.
type Embedded struct {
	URI  string
	stop context.CancelFunc
	done chan struct{}
	dir  string // SQLite's directory, for diagnosing a full disk
	lock *pgLock

	checked time.Time    // SQLite: when the files last passed the full check
	alerts  *slog.Logger // SQLite: where the clean stop's trouble is said
}

// StartEmbedded serves a FerretDB on addr (host:port; port 0 picks one)
// with its data in SQLite files under dir.
func StartEmbedded(dir, addr string, logger *slog.Logger) (*Embedded, error) {
	return StartEmbeddedConfig(EmbeddedConfig{Backend: BackendSQLite, Dir: dir, Addr: addr, Logger: logger})
}

// StartEmbeddedConfig serves a FerretDB as configured. On PostgreSQL it
// first takes the database's lock: FerretDB 1.x caches which collections
// exist, so a second FerretDB on the same database would miss the log's
// blocks the first one creates.
func StartEmbeddedConfig(c EmbeddedConfig) (*Embedded, error) {
	fc := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: c.Addr}, Logger: c.Logger}
	e := &Embedded{done: make(chan struct{})}
	switch c.Backend {
	case BackendSQLite, "":
		abs, err := filepath.Abs(c.Dir)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(abs, 0o750); err != nil {
			return nil, fmt.Errorf("creating the data directory: %w", err)
		}
		if err := checkFreeSpace(abs); err != nil {
			return nil, err
		}
		e.alerts = cmp.Or(c.Alerts, slog.Default())
		if checked, clean := takeCleanStop(abs, time.Now()); clean {
			e.checked = checked
			e.alerts.Info("the database files are as the last clean stop left them: their full check is skipped", "dir", abs, "last_checked", checked.Format(time.RFC3339))
		} else {
			e.checked = time.Now()
			if err := checkSQLiteFiles(abs, e.alerts); err != nil {
				return nil, err
			}
		}
		fc.Handler, fc.SQLiteURL, e.dir = "sqlite", (&url.URL{Scheme: "file", Path: abs + "/"}).String(), abs
	case BackendPostgreSQL:
		if c.PostgreSQLURL == "" {
			return nil, errors.New("the postgresql backend needs --postgresql-url (CONVENE_POSTGRESQL_URL)")
		}
		lock, err := lockPostgreSQL(c.PostgreSQLURL, cmp.Or(c.Alerts, slog.Default()))
		if err != nil {
			return nil, err
		}
		if err := repairPostgreSQL(c.PostgreSQLURL, cmp.Or(c.Alerts, slog.Default())); err != nil {
			lock.release()
			return nil, err
		}
		fc.Handler, fc.PostgreSQLURL, e.lock = "postgresql", c.PostgreSQLURL, lock
	default:
		return nil, fmt.Errorf("unknown embedded backend %q (want %s or %s)", c.Backend, BackendSQLite, BackendPostgreSQL)
	}
	f, err := ferretdb.New(fc)
	if err != nil {
		e.lock.release()
		return nil, fmt.Errorf("starting the embedded FerretDB: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	go func() {
		defer close(e.done)
		_ = f.Run(ctx)
	}()
	e.URI = f.MongoDBURI()
	return e, nil
}

// Stop shuts the server down and waits for it.
func (e *Embedded) Stop() {
	e.stop()
	<-e.done
	e.lock.release()
	if e.dir != "" {
		markCleanStop(e.dir, e.checked, e.alerts)
	}
}

// Where says where the data lives, for the log: the SQLite directory or
// the PostgreSQL URL without its password.
func (e *Embedded) Where() string {
	if e.lock != nil {
		return redactPG(e.lock.url)
	}
	return e.dir
}

// DataDir is the SQLite backend's directory ("" on PostgreSQL).
func (e *Embedded) DataDir() string { return e.dir }

// minFreeBytes is the space below which the SQLite backend refuses to
// start: SQLite would fail with a bare "disk I/O error".
const minFreeBytes = 1 << 20

// checkFreeSpace says so when the disk holding dir is full.
func checkFreeSpace(dir string) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return nil // not knowing is no reason to refuse
	}
	if free := st.Bavail * uint64(st.Bsize); free < minFreeBytes {
		return fmt.Errorf("%w: the disk holding %s is full (%d bytes free): free some space and start again", hub.ErrUnavailable, dir, free)
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Bounds on waiting for the database, so that a mutation fails within
// five seconds when it is away rather than at the request's deadline.
const (
	writeTimeout  = 4 * time.Second // one append or head announcement
	partTimeout   = time.Minute     // one checkpoint part
	selectTimeout = 3 * time.Second // finding a server to send an operation to
	probeInterval = 250 * time.Millisecond
	readyTimeout  = 2 * time.Second // readiness: a ping and, after a failed write, a probe
)

// health remembers why writes are failing. While the database is
// unreachable, writes fail at once with the reason and a prober pings
// until it answers; while it cannot store (a full disk), every write
// still tries, and readiness probes with a small write.
type health struct {
	down    atomic.Pointer[error] // unreachable: fail writes fast
	full    atomic.Pointer[error] // the last write could not be stored
	probing sync.Mutex
}

// unreachableMarks are what FerretDB says when its own backend is away
// (PostgreSQL stopped or refusing connections).
var unreachableMarks = []string{
	"connection refused", "failed to connect", "SQLSTATE 57P01", "SQLSTATE 57P02", "SQLSTATE 57P03",
	"SQLSTATE 08", "terminating connection", "server closed the connection", "broken pipe", "connection reset",
	"unexpected EOF", "conn closed", "the database system is shutting down", "the database system is starting up",
}

// storageMarks are what SQLite and PostgreSQL say when they cannot store.
var storageMarks = []string{
	"database or disk is full", "disk is full", "disk I/O error", "no space left on device",
	"SQLSTATE 53100", "SQLITE_FULL", "SQLITE_IOERR",
}

// classify turns a database failure into hub.ErrUnavailable with the
// reason, or returns it as it is.
func classify(err error) error {
	switch {
	case err == nil, errors.Is(err, hub.ErrUnavailable), errors.Is(err, context.Canceled):
		return err
	case isStorageFull(err):
		return fmt.Errorf("%w: the database cannot store more (its disk is full or failing): %v", hub.ErrUnavailable, err)
	case isUnreachable(err):
		return fmt.Errorf("%w: the database does not answer: %v", hub.ErrUnavailable, err)
	}
	return err
}

func isStorageFull(err error) bool { return containsAny(err.Error(), storageMarks) }

func isUnreachable(err error) bool {
	return mongo.IsTimeout(err) || mongo.IsNetworkError(err) || errors.Is(err, context.DeadlineExceeded) ||
		containsAny(err.Error(), unreachableMarks) || strings.Contains(err.Error(), "server selection")
}

func containsAny(s string, marks []string) bool {
	s = strings.ToLower(s)
	for _, m := range marks {
		if strings.Contains(s, strings.ToLower(m)) {
			return true
		}
	}
	return false
}

// write runs one small write (an event, the head) within writeTimeout.
// While the database is known to be unreachable it fails at once; a
// failure is remembered for readiness, and an unreachable database (or
// one that does not answer within the deadline) starts the prober.
func (s *Store) write(ctx context.Context, op func(context.Context) error) error {
	return s.writeWithin(ctx, writeTimeout, op)
}

// writeWithin is write with another deadline: a checkpoint part of a
// megabyte may take longer than an event under load, and running out of
// that time says the database is slow, not that it is away.
func (s *Store) writeWithin(ctx context.Context, timeout time.Duration, op func(context.Context) error) error {
	if down := s.health.down.Load(); down != nil {
		return *down
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := op(ctx)
	if err == nil {
		s.health.full.Store(nil)
		return nil
	}
	if timeout != writeTimeout && ctx.Err() != nil && !strings.Contains(err.Error(), "server selection") {
		return classify(err)
	}
	return s.failed(err)
}

// failed classifies a failure and remembers it: a full disk for
// readiness, an unreachable database to fail writes fast until the
// prober reaches it again.
func (s *Store) failed(err error) error {
	c := classify(err)
	switch {
	case !errors.Is(c, hub.ErrUnavailable):
	case isStorageFull(err):
		s.health.full.Store(&c)
	default:
		if s.health.down.CompareAndSwap(nil, &c) {
			go s.probe()
		}
	}
	return c
}

// probe pings until the database answers, then lets writes through again.
func (s *Store) probe() {
	s.health.probing.Lock()
	defer s.health.probing.Unlock()
	for s.health.down.Load() != nil {
		select {
		case <-s.closed:
			return
		case <-time.After(probeInterval):
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.Ping(ctx)
		cancel()
		if err == nil {
			s.health.down.Store(nil)
		}
	}
}

var errFull = errors.New("writes impossible: the database cannot store more (its disk is full or failing); reads are served from memory")

// WatchDisk makes readiness check the free space of the disk holding dir
// (the embedded SQLite files): SQLite reuses free pages, so a small probe
// write can succeed where a mutation's cannot.
func (s *Store) WatchDisk(dir string) { s.diskDir = dir }

// probeID is the meta document readiness writes to see whether the
// database can store again.
const probeID = "readiness-probe"

// Ready reports why the database cannot serve writes, or nil: it does not
// answer, or its last write could not be stored and a small write still
// cannot. The reasons are short and name no address: /readyz is public.
func (s *Store) Ready(ctx context.Context) error {
	unreachable := errors.New("database unreachable: writes are impossible until it answers; reads are served from memory")
	if s.health.down.Load() != nil {
		return unreachable
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.Ping(ctx); err != nil {
		s.failed(err)
		return unreachable
	}
	if s.diskDir != "" && checkFreeSpace(s.diskDir) != nil {
		return errFull
	}
	if s.health.full.Load() != nil {
		err := s.write(ctx, func(ctx context.Context) error {
			_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: probeID}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now()}}}}, options.UpdateOne().SetUpsert(true))
			return err
		})
		if err != nil {
			return errFull
		}
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgLockKey names Convene's session-level advisory lock: whoever holds it
// on a PostgreSQL database runs the one FerretDB allowed on it.
const pgLockKey = 0x436f6e76656e65 // "Convene"

// pgLock holds the advisory lock on a connection of its own, taking it
// again when the connection is lost (PostgreSQL restarted).
type pgLock struct {
	url    string
	logger *slog.Logger
	stop   chan struct{}
	done   chan struct{}
}

// lockWait is how long a start waits for the lock held by another session.
const lockWait = 5 * time.Second

// lockPostgreSQL takes the lock or says who to talk to instead.
func lockPostgreSQL(pgURL string, logger *slog.Logger) (*pgLock, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, held, err := tryLock(ctx, pgURL)
	// A predecessor killed a moment ago holds the lock until PostgreSQL
	// ends its session: give it lockWait to go.
	for wait := time.Now().Add(lockWait); err == nil && !held && time.Now().Before(wait); {
		_ = conn.Close(ctx)
		time.Sleep(200 * time.Millisecond)
		conn, held, err = tryLock(ctx, pgURL)
	}
	if err != nil {
		return nil, fmt.Errorf("reaching PostgreSQL at %s: %w", redactPG(pgURL), err)
	}
	if !held {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("another Convene's embedded FerretDB serves the PostgreSQL database at %s: "+
			"FerretDB 1.x allows one process per database, so point further instances at that one with --mongodb-uri",
			redactPG(pgURL))
	}
	l := &pgLock{url: pgURL, logger: logger, stop: make(chan struct{}), done: make(chan struct{})}
	go l.keep(conn)
	return l, nil
}

func tryLock(ctx context.Context, pgURL string) (*pgx.Conn, bool, error) {
	conn, err := pgx.Connect(ctx, pgURL)
	if err != nil {
		return nil, false, err
	}
	var held bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", int64(pgLockKey)).Scan(&held); err != nil {
		_ = conn.Close(ctx)
		return nil, false, err
	}
	return conn, held, nil
}

// keep checks the lock's connection every two seconds; once lost (the
// lock with it), it takes the lock again as soon as PostgreSQL answers.
func (l *pgLock) keep(conn *pgx.Conn) {
	defer close(l.done)
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			if conn != nil {
				_ = conn.Close(context.Background()) // releases the lock
			}
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if conn != nil && conn.Ping(ctx) != nil {
			_ = conn.Close(ctx)
			conn = nil
		}
		if conn == nil {
			c, held, err := tryLock(ctx, l.url)
			switch {
			case err != nil: // PostgreSQL still away: try again on the next tick
			case !held:
				_ = c.Close(ctx)
				l.logger.Error("another Convene's embedded FerretDB took the PostgreSQL database while it was away; stop one of them",
					"postgresql", redactPG(l.url))
			default:
				conn = c
			}
		}
		cancel()
	}
}

// release lets go of the lock; nil-safe.
func (l *pgLock) release() {
	if l == nil {
		return
	}
	close(l.stop)
	<-l.done
}

// redactPG hides a password in a PostgreSQL URL.
func redactPG(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the configured PostgreSQL URL"
	}
	return p.Redacted()
}

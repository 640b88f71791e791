// Package backup writes Convene's event log, the source of truth, to a
// file and loads such a file into an empty database. Everything else the
// database holds (checkpoints, the log's head) is derived from the log
// and rebuilt from it on the first start after a restore.
//
// The file is NDJSON: a header line naming the format and its version,
// then one event a line, in log order, each as MongoDB Extended JSON
// (canonical), which keeps every type the log stores exactly.
package backup

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"convene/hub"
)

// Format names the file format; Version is its version, raised whenever
// an older Convene could not read what this one writes.
const (
	Format  = "convene-backup"
	Version = 1
)

// Header is the file's first line.
type Header struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Events    int       `json:"events"`
	CreatedAt time.Time `json:"createdAt"`
}

// Log is what a backup reads and a restore writes: the store.
type Log interface {
	ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error)
	AppendMany(ctx context.Context, events []*hub.Event) error
	IsEmpty(ctx context.Context) (bool, error)
}

// ErrNotEmpty is returned by Restore for a database that holds events.
var ErrNotEmpty = errors.New("the database already holds events: restore only into an empty one")

// Write writes the log to w. The log only grows and positions are dense,
// so reading it once from the start gives a consistent copy while
// servers keep writing: every event up to the first position not yet
// written. A batch still being written at the end is left out (it is
// not visible yet, and would be voided). progress, if set, is told how
// many of how many events are written. It returns the number of events.
func Write(ctx context.Context, log Log, w io.Writer, progress func(done, total int)) (int, error) {
	events, err := log.ReadAfter(ctx, 0)
	if err != nil {
		return 0, err
	}
	events = complete(events)
	bw := bufio.NewWriterSize(w, 1<<20)
	header, _ := json.Marshal(Header{Format: Format, Version: Version, Events: len(events), CreatedAt: time.Now().UTC()})
	bw.Write(append(header, '\n'))
	for i, e := range events {
		line, err := bson.MarshalExtJSON(e, true, false)
		if err != nil {
			return 0, fmt.Errorf("encoding event %d: %w", e.Seq, err)
		}
		if _, err := bw.Write(append(line, '\n')); err != nil {
			return 0, err
		}
		if progress != nil {
			progress(i+1, len(events))
		}
	}
	return len(events), bw.Flush()
}

// complete drops an unfinished batch from the end of the log.
func complete(events []*hub.Event) []*hub.Event {
	end := len(events)
	for i := len(events) - 1; i >= 0; i-- {
		b := events[i].Batch
		if b == nil || b.Last {
			break
		}
		end = i
	}
	return events[:end]
}

// Restore loads a backup into an empty log, keeping every event's
// position, so that subscription cursors stay valid. It refuses a log
// that holds any event. progress, if set, is told how many events are
// written. It returns the number of events. A restore cut short leaves
// a partial log: empty the database and restore again.
func Restore(ctx context.Context, log Log, r io.Reader, progress func(done, total int)) (int, error) {
	empty, err := log.IsEmpty(ctx)
	if err != nil {
		return 0, err
	}
	if !empty {
		return 0, ErrNotEmpty
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	if !sc.Scan() {
		return 0, fmt.Errorf("not a Convene backup: the file is empty %v", sc.Err())
	}
	var h Header
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Format != Format {
		return 0, errors.New("not a Convene backup: the first line is not its header")
	}
	if h.Version != Version {
		return 0, fmt.Errorf("a backup in format version %d; this Convene reads version %d", h.Version, Version)
	}
	// Read and check the whole file first: a damaged or truncated one
	// writes nothing.
	var events []*hub.Event
	for line := 2; sc.Scan(); line++ {
		e := new(hub.Event)
		if err := bson.UnmarshalExtJSON(sc.Bytes(), true, e); err != nil {
			return 0, fmt.Errorf("line %d: %w", line, err)
		}
		if want := int64(len(events) + 1); e.Seq != want {
			return 0, fmt.Errorf("line %d: event %d where %d belongs: the file is damaged", line, e.Seq, want)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if len(events) != h.Events {
		return 0, fmt.Errorf("the backup holds %d of the %d events its header announces: the file is truncated", len(events), h.Events)
	}
	const chunk = 256 // the log's block size: one insert per block
	for done := 0; done < len(events); {
		n := min(chunk, len(events)-done)
		if err := log.AppendMany(ctx, events[done:done+n]); err != nil {
			return done, err
		}
		done += n
		if progress != nil {
			progress(done, len(events))
		}
	}
	return len(events), nil
}

// Package store keeps Convene's event log and entity checkpoints in
// MongoDB (or the embedded FerretDB) through the official driver. It
// implements hub.EventLog and uses only what both backends do well:
// inserts guarded by unique indexes, and reads by _id.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// formatVersion is the layout of the database this code reads and writes,
// recorded in meta. 1 (no record): events keyed "stream@version" in a
// capped collection, one snapshot document per entity. 2: events keyed by
// their zero-padded sequence number, insert-only checkpoints.
const formatVersion = 2

// formatID is the meta document holding the format version.
const formatID = "format"

// Store is a MongoDB database holding the event log and checkpoints.
type Store struct {
	client      *mongo.Client
	db          *mongo.Database
	events      *mongo.Collection
	checkpoints *mongo.Collection
	meta        *mongo.Collection
	heads       *mongo.Collection

	mu    sync.Mutex
	known []checkpointRef // checkpoint documents this instance has seen, for compaction
}

// Connect opens the database at uri, checks it holds data in this
// version's format (or none), and creates the collections and indexes the
// code relies on, idempotently.
func Connect(ctx context.Context, uri, database string) (*Store, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("convene"))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", redact(uri), err)
	}
	// Majority write concern: an acknowledged event survives a primary failover.
	db := client.Database(database, options.Database().SetWriteConcern(writeconcern.Majority()))
	s := &Store{client: client, db: db, events: db.Collection("events"), checkpoints: db.Collection("checkpoints"),
		meta: db.Collection("meta"), heads: db.Collection("heads")}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("reaching %s: %w", redact(uri), err)
	}
	if err := s.checkFormat(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	if err := s.ensureSchema(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// Close disconnects.
func (s *Store) Close(ctx context.Context) error { return s.client.Disconnect(ctx) }

// ErrFormat is returned by Connect for a database written by an
// incompatible version of Convene. Data is not migrated.
var ErrFormat = errors.New("the database was written by another version of Convene")

// checkFormat records the format version in a new database and refuses
// one holding data in another format. A database with an events
// collection but no format record is format 1.
func (s *Store) checkFormat(ctx context.Context) error {
	read := func() (int, error) {
		var f struct {
			Version int `bson:"version"`
		}
		err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: formatID}}).Decode(&f)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("reading the format version: %w", err)
		}
		return f.Version, nil
	}
	v, err := read()
	if err != nil {
		return err
	}
	if v == 0 {
		names, err := s.db.ListCollectionNames(ctx, bson.D{})
		if err != nil {
			return fmt.Errorf("listing collections: %w", err)
		}
		if slices.Contains(names, "events") {
			// Another instance may be initialising it right now.
			if v, err = read(); err != nil {
				return err
			}
			if v == 0 {
				v = 1
			}
		}
	}
	switch v {
	case formatVersion:
		return nil
	case 0:
		_, err := s.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: formatID}, {Key: "version", Value: formatVersion}})
		if err == nil || mongo.IsDuplicateKeyError(err) {
			return s.checkFormat(ctx) // another instance may have recorded another one
		}
		return fmt.Errorf("recording the format version: %w", err)
	}
	return fmt.Errorf("%w: database %q holds format %d, this version reads format %d and does not migrate; "+
		"start with an empty data directory (or database)", ErrFormat, s.db.Name(), v, formatVersion)
}

// ensureSchema creates the unique index on each event's stream and
// version: the optimistic-concurrency guard. The _id index (an event's
// _id is its sequence number) orders the log.
func (s *Store) ensureSchema(ctx context.Context) error {
	_, err := s.events.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "streamVersion", Value: 1}},
		Options: options.Index().SetName("stream_version_unique").SetUnique(true),
	})
	if err != nil {
		return fmt.Errorf("creating the events.streamVersion index: %w", err)
	}
	return nil
}

// eventDoc is an event as stored. Its _id is the zero-padded sequence
// number: FerretDB's SQLite backend answers a filter on a string _id
// alone from its primary key, and nothing else without decoding the whole
// collection. streamVersion ("Type:id@version") carries the unique index
// that makes two writers of one version collide.
type eventDoc struct {
	ID            string `bson:"_id"`
	StreamVersion string `bson:"streamVersion"`
	hub.Event     `bson:",inline"`
}

// seqID is the _id of the event at seq: 20 digits, so that string order
// is sequence order.
func seqID(seq int64) string { return fmt.Sprintf("%020d", seq) }

func newEventDoc(e *hub.Event) eventDoc {
	return eventDoc{ID: seqID(e.Seq), StreamVersion: fmt.Sprintf("%s@%d", e.Stream(), e.Version), Event: *e}
}

// Append inserts the event; the insert is the commit point.
func (s *Store) Append(ctx context.Context, e *hub.Event) error {
	_, err := s.events.InsertOne(ctx, newEventDoc(e))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("%w: seq %d or %s@%d is taken", hub.ErrDuplicate, e.Seq, e.Stream(), e.Version)
	}
	if err != nil {
		return fmt.Errorf("appending %s: %w", e.Stream(), err)
	}
	return nil
}

// AppendMany inserts events in order, in one request: a bulk load (the
// benchmark's generator). It stops at the first failure.
func (s *Store) AppendMany(ctx context.Context, events []*hub.Event) error {
	docs := make([]any, len(events))
	for i, e := range events {
		docs[i] = newEventDoc(e)
	}
	if _, err := s.events.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true)); err != nil {
		return fmt.Errorf("appending %d events: %w", len(events), err)
	}
	return nil
}

// Lookups in flight while reading the log: the first batch is small (a
// tailer usually finds one or two new events), later ones larger.
const (
	firstReadBatch = 4
	maxReadBatch   = 64
)

// ReadAfter returns the events after seq in sequence order, read by _id
// from seq+1 up to the first number not in the log. Sequence numbers are
// dense (a writer takes n+1 only once n is committed, and the insert at
// n+1 is guarded by the _id index), so the first miss is the end of the
// log; a lookup past it returns what a later read will find. Lookups go
// in concurrent batches; what follows a miss in a batch is dropped, so a
// result never has a gap.
func (s *Store) ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error) {
	var out []*hub.Event
	for batch := firstReadBatch; ; batch = min(4*batch, maxReadBatch) {
		got := make([]*hub.Event, batch)
		errs := make([]error, batch)
		var wg sync.WaitGroup
		for i := range batch {
			wg.Go(func() { got[i], errs[i] = s.readEvent(ctx, seq+1+int64(i)) })
		}
		wg.Wait()
		for i, e := range got {
			if errs[i] != nil {
				return nil, errs[i]
			}
			if e == nil {
				return out, nil
			}
			out = append(out, e)
		}
		seq += int64(batch)
	}
}

// readEvent returns the event at seq, or nil when there is none.
func (s *Store) readEvent(ctx context.Context, seq int64) (*hub.Event, error) {
	var d eventDoc
	err := s.events.FindOne(ctx, bson.D{{Key: "_id", Value: seqID(seq)}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading event %d: %w", seq, err)
	}
	return &d.Event, nil
}

// Head returns the highest log position any instance has announced: a
// cheap read of a tiny collection, so that tailers read the log itself
// only when it has grown.
func (s *Store) Head(ctx context.Context) (int64, error) {
	cur, err := s.heads.Find(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("reading log heads: %w", err)
	}
	defer cur.Close(ctx)
	var head int64
	for cur.Next(ctx) {
		var h struct {
			Seq int64 `bson:"seq"`
		}
		if err := cur.Decode(&h); err != nil {
			return 0, err
		}
		head = max(head, h.Seq)
	}
	return head, cur.Err()
}

// SetHead announces that instance has the log up to seq. Each instance
// writes only its own document, so the writes do not race.
func (s *Store) SetHead(ctx context.Context, instance string, seq int64) error {
	_, err := s.heads.ReplaceOne(ctx, bson.D{{Key: "_id", Value: instance}},
		bson.D{{Key: "_id", Value: instance}, {Key: "seq", Value: seq}, {Key: "at", Value: time.Now().UTC()}},
		options.Replace().SetUpsert(true))
	return err
}

// IsEmpty reports whether the log holds no event yet.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	e, err := s.readEvent(ctx, 1)
	return e == nil && err == nil, err
}

// redact hides a password in a connection string for logs and errors.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "the configured MongoDB URI"
	}
	return u.Redacted()
}

// Package store keeps Convene's event log and entity checkpoints in
// MongoDB (or the embedded FerretDB) through the official driver. It
// implements hub.EventLog and uses only what both backends do well:
// inserts guarded by unique indexes, and reads of small collections.
package store

import (
	"cmp"
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
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// formatVersion is the layout of the database this code reads and writes,
// recorded in meta. 1 (no record): events keyed "stream@version" in a
// capped collection, one snapshot document per entity. 2: events keyed by
// their zero-padded sequence number in collections of blockSize events,
// insert-only checkpoints. 3: checkpoints hold histories as the read
// model keeps them (hub.History: no count header). 4: a commitment's
// progress reports are kept apart from its state (legacy.go); format 3 is
// read as it is and recorded as 4 when opened.
const formatVersion = 4

// formatID is the meta document holding the format version.
const formatID = "format"

// Store is a MongoDB database holding the event log and checkpoints.
type Store struct {
	client      *mongo.Client
	db          *mongo.Database
	checkpoints *mongo.Collection
	meta        *mongo.Collection
	heads       *mongo.Collection

	blocks   sync.Map   // blocks whose index this process has ensured
	blocksMu sync.Mutex // one creation at a time in this process

	replicaSet bool           // hello reported a replica set: majority reads and writes
	health     health         // why writes fail, if they do
	diskDir    string         // the embedded SQLite's directory, for readiness
	lookups    *lookupIndexes // the embedded SQLite's _id lookup indexes (IndexLookups), or nil
	closed     chan struct{}  // closed by Close: stops the prober

	mu    sync.Mutex
	known []checkpointRef // checkpoint documents this instance has seen, for compaction
}

// Connect opens the database at uri and checks it holds data in this
// version's format (or none). The log's collections and their indexes are
// created as the log grows (ensureBlock).
func Connect(ctx context.Context, uri, database string) (*Store, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("convene").
		SetServerSelectionTimeout(selectTimeout).SetConnectTimeout(selectTimeout))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", redact(uri), err)
	}
	replicaSet, err := isReplicaSet(ctx, client)
	if err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("reaching %s: %w", redact(uri), err)
	}
	dbOpts := options.Database()
	if replicaSet {
		// An event acknowledged by a majority survives a primary failover,
		// and a tailer reads only events that cannot be rolled back. A
		// standalone server (FerretDB) has no majority to wait for.
		dbOpts.SetWriteConcern(writeconcern.Majority()).SetReadConcern(readconcern.Majority())
	}
	db := client.Database(database, dbOpts)
	s := &Store{client: client, db: db, checkpoints: db.Collection("checkpoints"),
		meta: db.Collection("meta"), heads: db.Collection("heads"), replicaSet: replicaSet, closed: make(chan struct{})}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("reaching %s: %w", redact(uri), err)
	}
	if err := s.checkFormat(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, err
	}
	return s, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}

// isReplicaSet asks the server whether it is a member of a replica set.
func isReplicaSet(ctx context.Context, client *mongo.Client) (bool, error) {
	var hello struct {
		SetName string `bson:"setName"`
	}
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return false, err
	}
	return hello.SetName != "", nil
}

// ReplicaSet reports whether the database is a replica set, so that
// writes wait for a majority.
func (s *Store) ReplicaSet() bool { return s.replicaSet }

// Close disconnects.
func (s *Store) Close(ctx context.Context) error {
	select {
	case <-s.closed:
	default:
		close(s.closed)
	}
	return errors.Join(s.client.Disconnect(ctx), s.lookups.close())
}

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
	case 3:
		// Recorded as 4, so that a version expecting every report in each
		// state refuses the events this one appends.
		_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: formatID}, {Key: "version", Value: 3}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: formatVersion}}}})
		if err != nil {
			return fmt.Errorf("recording format %d: %w", formatVersion, err)
		}
		return nil
	case 0:
		_, err := s.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: formatID}, {Key: "version", Value: formatVersion}})
		if err == nil || mongo.IsDuplicateKeyError(err) {
			return s.checkFormat(ctx) // another instance may have recorded another one
		}
		return fmt.Errorf("recording the format version: %w", err)
	}
	return fmt.Errorf("%w: database %q holds format %d, this version reads formats 3 and %d; "+
		"start with an empty data directory (or database)", ErrFormat, s.db.Name(), v, formatVersion)
}

// blockSize is how many events one collection of the log holds. On
// FerretDB's SQLite backend no filter uses an index: a find by _id
// evaluates every row before its match, and any other read decodes every
// document it passes, so a read costs in proportion to the collection
// (figures in bench/RESULTS.md). So the log is split into collections of
// blockSize events (events_00000000 holds 1–256, events_00000001 257–512,
// …) and a read of its tail costs one small collection, never the whole
// log.
const blockSize = 256

func blockOf(seq int64) int64 { return (seq - 1) / blockSize }

func (s *Store) block(b int64) *mongo.Collection {
	return s.db.Collection(blockName(b))
}

func blockName(b int64) string { return fmt.Sprintf("events_%08d", b) }

// ensureBlock creates, once per process, the block's unique index on
// (stream, version), before this instance inserts into it.
func (s *Store) ensureBlock(ctx context.Context, b int64) error {
	if _, ok := s.blocks.Load(b); ok {
		return nil
	}
	// One creation at a time in this process (an append and the next
	// block's creation behind it may meet here); an index another
	// instance made counts as made. What a process killed in the middle
	// of a creation leaves is undone at the next start
	// (repair.go).
	s.blocksMu.Lock()
	defer s.blocksMu.Unlock()
	if _, ok := s.blocks.Load(b); ok {
		return nil
	}
	var err error
	for range 3 {
		_, err = s.block(b).Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys:    bson.D{{Key: "streamVersion", Value: 1}},
			Options: options.Index().SetName("stream_version_unique").SetUnique(true),
		})
		if err == nil || s.hasBlockIndex(ctx, b) {
			s.blocks.Store(b, true)
			s.lookups.ensure(blockName(b)) // while the block is empty: at no cost
			return nil
		}
	}
	return fmt.Errorf("creating the index of the log's block %d: %w", b, err)
}

// hasBlockIndex reports whether the block's unique index exists.
func (s *Store) hasBlockIndex(ctx context.Context, b int64) bool {
	specs, err := s.block(b).Indexes().ListSpecifications(ctx)
	if err != nil {
		return false
	}
	for _, spec := range specs {
		if spec.Name == "stream_version_unique" {
			return true
		}
	}
	return false
}

// eventDoc is an event as stored in its block. Its _id is the
// zero-padded sequence number: the _id index makes two writers of one
// position collide. streamVersion ("Type:id@version") carries a unique
// index too, within the block.
//
// The optimistic-concurrency guard is the position: a writer builds an
// event at n+1 on the state after n and inserts it at n+1, so an insert
// that succeeds was built on the latest state; a writer of a stale
// version finds n+1 taken, catches up and gets a conflict. A unique
// (stream, version) index across the whole log would need the whole log
// in one collection; here it holds within a block, a second line behind
// the position.
type eventDoc struct {
	ID            string `bson:"_id"`
	StreamVersion string `bson:"streamVersion"`
	hub.Event     `bson:",inline"`
}

// seqID is the _id of the event at seq: 20 digits, so that string order
// is sequence order.
func seqID(seq int64) string { return fmt.Sprintf("%020d", seq) }

func newEventDoc(e *hub.Event) eventDoc {
	return eventDoc{ID: seqID(e.Seq), StreamVersion: fmt.Sprintf("%s@%d", e.Stream(), e.Version), Event: *e.Stored()}
}

// Append inserts the event; the insert is the commit point.
func (s *Store) Append(ctx context.Context, e *hub.Event) error {
	if e.Seq < 1 {
		return fmt.Errorf("appending %s at %d: positions start at 1", e.Stream(), e.Seq)
	}
	var duplicate bool
	err := s.write(ctx, func(ctx context.Context) error {
		if err := s.ensureBlock(ctx, blockOf(e.Seq)); err != nil {
			return err
		}
		_, err := s.block(blockOf(e.Seq)).InsertOne(ctx, newEventDoc(e))
		if duplicate = mongo.IsDuplicateKeyError(err); duplicate {
			return nil
		}
		return err
	})
	if duplicate {
		return fmt.Errorf("%w: seq %d or %s@%d is taken", hub.ErrDuplicate, e.Seq, e.Stream(), e.Version)
	}
	if err != nil {
		return fmt.Errorf("appending %s: %w", e.Stream(), err)
	}
	if e.Seq%blockSize == blockSize/2 {
		// Create the next block behind this mutation's back, not in front
		// of the one that opens it.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = s.ensureBlock(ctx, blockOf(e.Seq)+1)
		}()
	}
	return nil
}

// Replace overwrites the event at e.Seq: how the hub voids the events of
// an unfinished batch, which no reader has applied.
func (s *Store) Replace(ctx context.Context, e *hub.Event) error {
	_, err := s.block(blockOf(e.Seq)).ReplaceOne(ctx, bson.D{{Key: "_id", Value: seqID(e.Seq)}}, newEventDoc(e))
	if err != nil {
		return fmt.Errorf("replacing event %d: %w", e.Seq, err)
	}
	return nil
}

// AppendMany inserts events in order, a block at a time: a bulk load (the
// benchmark's generator, a restore, a batch). It stops at the first
// failure; a taken position wraps hub.ErrDuplicate.
func (s *Store) AppendMany(ctx context.Context, events []*hub.Event) error {
	for len(events) > 0 {
		b := blockOf(events[0].Seq)
		n := 1
		for n < len(events) && blockOf(events[n].Seq) == b {
			n++
		}
		if err := s.ensureBlock(ctx, b); err != nil {
			return err
		}
		docs := make([]any, n)
		for i, e := range events[:n] {
			docs[i] = newEventDoc(e)
		}
		var duplicate bool
		err := s.writeWithin(ctx, partTimeout, func(ctx context.Context) error {
			_, err := s.block(b).InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
			if duplicate = mongo.IsDuplicateKeyError(err); duplicate {
				return nil
			}
			return err
		})
		if duplicate {
			return fmt.Errorf("%w: appending %d events at %d: a position is taken", hub.ErrDuplicate, n, events[0].Seq)
		}
		if err != nil {
			return fmt.Errorf("appending %d events: %w", n, err)
		}
		events = events[n:]
	}
	return nil
}

// tailLookups is how many events ReadAfter looks up one by one before it
// reads whole blocks instead: a tailer usually finds one or two.
const tailLookups = 4

// ReadAfter returns the events after seq in sequence order, up to the
// first position not in the log. Positions are dense (a writer takes n+1
// only once n is committed, and the insert at n+1 is guarded by the _id
// index), so the first missing one is the end of the log. A short tail is
// read by _id lookups, one after the other: on FerretDB a lookup that
// finds nothing scans its whole block, so it stops at the first; a longer
// tail is read block by block.
func (s *Store) ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error) {
	var out []*hub.Event
	for i := range int64(tailLookups) {
		e, err := s.ReadEvent(ctx, seq+1+i)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return out, nil
		}
		out = append(out, e)
	}
	for next := seq + tailLookups + 1; ; {
		events, err := s.readBlock(ctx, blockOf(next))
		if err != nil {
			return nil, err
		}
		from := next
		for _, e := range events {
			if e.Seq < next {
				continue
			}
			if e.Seq > next {
				return out, nil // not committed yet
			}
			out = append(out, e)
			next++
		}
		if next == from || blockOf(next) == blockOf(next-1) {
			return out, nil // the block ends before its end: so does the log
		}
	}
}

// ReadPage returns the events after seq up to the end of the block that
// holds seq+1, in sequence order and up to the first position not in the
// log: one collection read, so that a long replay delivers as it reads.
func (s *Store) ReadPage(ctx context.Context, seq int64) ([]*hub.Event, error) {
	events, err := s.readBlock(ctx, blockOf(seq+1))
	if err != nil {
		return nil, err
	}
	out := events[:0]
	for _, e := range events {
		if e.Seq <= seq {
			continue
		}
		if e.Seq != seq+1 {
			break // not committed yet
		}
		out = append(out, e)
		seq++
	}
	return out, nil
}

// ReadEvent returns the event at seq, or nil when there is none.
func (s *Store) ReadEvent(ctx context.Context, seq int64) (*hub.Event, error) {
	s.lookups.ensure(blockName(blockOf(seq))) // a block another instance made
	raw, err := s.block(blockOf(seq)).FindOne(ctx, bson.D{{Key: "_id", Value: seqID(seq)}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading event %d: %w", seq, classify(err))
	}
	return decodeEvent(raw)
}

func decodeEvent(raw bson.Raw) (*hub.Event, error) {
	var d eventDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decoding event %v: %w", raw.Lookup("_id"), err)
	}
	if err := upgradeEvent(raw, &d.Event); err != nil {
		return nil, fmt.Errorf("decoding event %v: %w", raw.Lookup("_id"), err)
	}
	return &d.Event, nil
}

// readBlock returns a block's events in sequence order.
func (s *Store) readBlock(ctx context.Context, b int64) ([]*hub.Event, error) {
	cur, err := s.block(b).Find(ctx, bson.D{}, options.Find().SetBatchSize(blockSize))
	if err != nil {
		return nil, fmt.Errorf("reading the log's block %d: %w", b, classify(err))
	}
	defer cur.Close(ctx)
	var out []*hub.Event
	for cur.Next(ctx) {
		e, err := decodeEvent(cur.Current)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("reading the log's block %d: %w", b, classify(err))
	}
	slices.SortFunc(out, func(a, b *hub.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// The heads collection holds two documents: the log head and the record
// of lost races.
const headID, contentionID = "log", "contention"

// headsDoc is either document of the heads collection: the log head
// (Seq) or the record of lost races (By, Turn, N).
type headsDoc struct {
	ID   string `bson:"_id"`
	Seq  int64  `bson:"seq"`
	By   string `bson:"by"`
	Turn int64  `bson:"turnMicros"`
	N    int64  `bson:"n"`
}

// turn is the record's catch-up time.
func (d headsDoc) turn() time.Duration { return time.Duration(d.Turn) * time.Microsecond }

// headFilter selects the log head.
var headFilter = bson.D{{Key: "_id", Value: headID}}

// Head returns the highest log position any instance has announced: a
// read of a one-document collection, so that tailers read the log itself
// only when it has grown.
func (s *Store) Head(ctx context.Context) (int64, error) {
	var h headsDoc
	err := s.heads.FindOne(ctx, headFilter).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the log head: %w", s.failed(err)) // polled often: the first to notice
	}
	return h.Seq, nil
}

// SetHead announces that the log goes up to seq. Instances share one
// document and $max keeps it from moving backwards, so concurrent
// announcements need no coordination and the collection never grows.
func (s *Store) SetHead(ctx context.Context, seq int64) error {
	return s.write(ctx, func(ctx context.Context) error {
		_, err := s.heads.UpdateOne(ctx, headFilter,
			bson.D{{Key: "$max", Value: bson.D{{Key: "seq", Value: seq}}}},
			options.UpdateOne().SetUpsert(true))
		return err
	})
}

// contentionFilter selects the heads collection's record of lost races.
var contentionFilter = bson.D{{Key: "_id", Value: contentionID}}

// Contend records that instance lost a race for a log position and how
// long it takes to catch up and write: the others read it (Contention)
// on their tailer's poll and take turns with it.
func (s *Store) Contend(ctx context.Context, instance string, turn time.Duration) error {
	_, err := s.heads.UpdateOne(ctx, contentionFilter,
		bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: instance}, {Key: "turnMicros", Value: turn.Microseconds()}}},
			{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// Contention returns the last record of a lost race and a count that
// changes with each record (the increment need not be atomic).
func (s *Store) Contention(ctx context.Context) (string, time.Duration, int64, error) {
	var c headsDoc
	err := s.heads.FindOne(ctx, contentionFilter).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", 0, 0, nil
	}
	if err != nil {
		return "", 0, 0, fmt.Errorf("reading the record of lost races: %w", err)
	}
	return c.By, c.turn(), c.N, nil
}

var _ hub.PolledLog = (*Store)(nil) // the tailer's poll takes one round trip

// Poll returns what Head and Contention return, from one read of the
// heads collection's two documents: the tailer's poll, every 100 ms on
// every instance, where each read through FerretDB costs about half a
// millisecond of the server's core.
func (s *Store) Poll(ctx context.Context) (head int64, by string, turn time.Duration, n int64, err error) {
	cur, err := s.heads.Find(ctx, bson.D{})
	if err != nil {
		return 0, "", 0, 0, fmt.Errorf("reading the log head: %w", s.failed(err)) // as Head
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d headsDoc
		if err := cur.Decode(&d); err != nil {
			return 0, "", 0, 0, fmt.Errorf("reading the log head: %w", err)
		}
		switch d.ID {
		case headID:
			head = d.Seq
		case contentionID:
			by, turn, n = d.By, d.turn(), d.N
		}
	}
	if err := cur.Err(); err != nil {
		return 0, "", 0, 0, fmt.Errorf("reading the log head: %w", s.failed(err))
	}
	return head, by, turn, n, nil
}

// IsEmpty reports whether the log holds no event yet (restore writes only
// into an empty database).
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	e, err := s.ReadEvent(ctx, 1)
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

// Database is the database the store keeps its collections in, for
// packages that keep their own beside the log (webhook deliveries).
func (s *Store) Database() *mongo.Database { return s.db }

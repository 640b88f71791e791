// Package store keeps Convene's event log and entity snapshots in MongoDB
// (or the embedded FerretDB) through the official driver. It implements
// hub.EventLog and uses only what both backends do well: inserts guarded
// by unique indexes, and whole-collection reads.
package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// eventLogSize caps the capped events collection far beyond any real log
// (MongoDB allows up to 1 PB); the cap exists only for $natural order.
const eventLogSize = 1 << 49

// Store is a MongoDB database holding the event log and snapshots.
type Store struct {
	client *mongo.Client
	db     *mongo.Database
	events *mongo.Collection
	meta   *mongo.Collection
	heads  *mongo.Collection
	// ferret is true on FerretDB, whose SQLite backend pushes only a
	// filter on _id alone down to SQL; any other filter decodes the whole
	// collection in Go.
	ferret bool
}

// Connect opens the database at uri and creates the collections and
// indexes the code relies on, idempotently.
func Connect(ctx context.Context, uri, database string) (*Store, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("convene"))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", redact(uri), err)
	}
	// Majority write concern: an acknowledged event survives a primary failover.
	db := client.Database(database, options.Database().SetWriteConcern(writeconcern.Majority()))
	s := &Store{client: client, db: db, events: db.Collection("events"), meta: db.Collection("meta"), heads: db.Collection("heads")}
	var info bson.M
	if err := db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("reaching %s: %w", redact(uri), err)
	}
	_, s.ferret = info["ferretdbVersion"]
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

// ensureSchema creates the capped events collection and the unique index
// on seq. An event's _id is "stream@version", so the _id index itself is
// the optimistic-concurrency guard.
func (s *Store) ensureSchema(ctx context.Context) error {
	names, err := s.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: "events"}})
	if err != nil {
		return fmt.Errorf("listing collections: %w", err)
	}
	if !slices.Contains(names, "events") {
		opts := options.CreateCollection().SetCapped(true).SetSizeInBytes(eventLogSize)
		err := s.db.CreateCollection(ctx, "events", opts)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Name == "NamespaceExists") {
			return fmt.Errorf("creating the events collection: %w", err)
		}
	}
	_, err = s.events.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "seq", Value: 1}},
		Options: options.Index().SetName("seq_unique").SetUnique(true),
	})
	if err != nil {
		return fmt.Errorf("creating the events.seq index: %w", err)
	}
	return nil
}

// eventDoc is an event as stored.
type eventDoc struct {
	ID        string `bson:"_id"`
	hub.Event `bson:",inline"`
}

// Append inserts the event; the insert is the commit point.
func (s *Store) Append(ctx context.Context, e *hub.Event) error {
	_, err := s.events.InsertOne(ctx, eventDoc{ID: fmt.Sprintf("%s@%d", e.Stream(), e.Version), Event: *e})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("%w: seq %d or %s@%d is taken", hub.ErrDuplicate, e.Seq, e.Stream(), e.Version)
	}
	if err != nil {
		return fmt.Errorf("appending %s: %w", e.Stream(), err)
	}
	return nil
}

// reorderWindow is how many events at or before the reader's position
// ReadAfter still looks at, so that an event committed after a later one
// (inserted out of sequence order) within that distance is not skipped.
const reorderWindow = 16

// ReadAfter reads the log backwards in insertion order from the newest
// event, past the reader's position by reorderWindow events, and returns
// the events after seq in sequence order. A poll costs what is new, not
// the whole log: neither FerretDB nor a capped collection needs an index
// for $natural order. Writers take sequence n+1 only once n is committed,
// so insertion order is sequence order; the window is a safety margin.
func (s *Store) ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error) {
	cur, err := s.events.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "$natural", Value: -1}}).SetBatchSize(64))
	if err != nil {
		return nil, fmt.Errorf("reading the event log: %w", err)
	}
	defer cur.Close(ctx)
	var out []*hub.Event
	for older := 0; older < reorderWindow && cur.Next(ctx); {
		var d eventDoc
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("decoding event: %w", err)
		}
		if d.Seq <= seq {
			older++
			continue
		}
		e := d.Event
		out = append(out, &e)
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("reading the event log: %w", err)
	}
	slices.SortFunc(out, func(a, b *hub.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// collections maps entity types to their snapshot collections.
var collections = map[hub.EntityType]string{
	hub.TypePlan:        "plans",
	hub.TypePillar:      "pillars",
	hub.TypeObjective:   "objectives",
	hub.TypeCommunity:   "communities",
	hub.TypeStakeholder: "stakeholders",
	hub.TypeCommitment:  "commitments",
	hub.TypeMeeting:     "meetings",
	hub.TypeOutcome:     "outcomes",
	hub.TypeToken:       "tokens",
}

// watermarkID is the meta document recording the log position snapshots reflect.
const watermarkID = "snapshots"

// SaveSnapshots writes each entity's current state (with its history) as
// an ordinary document in its collection, then records the watermark.
//
// New entities are inserted in bulk, which costs FerretDB one index check
// each; only those that exist already are replaced, which costs it a scan
// of the collection. A replacement applies only over an older version:
// when another instance stored a newer one, the upsert collides on _id and
// is skipped, so snapshots never move backwards (atomically on MongoDB;
// FerretDB's updates are not atomic, and a start-up replays from the
// watermark).
func (s *Store) SaveSnapshots(ctx context.Context, snaps []hub.Snapshot, watermark int64) error {
	byColl := map[string][]bson.Raw{}
	for _, sn := range snaps {
		doc, err := snapshotDoc(sn)
		if err != nil {
			return err
		}
		coll := collections[sn.State.Type()]
		byColl[coll] = append(byColl[coll], doc)
	}
	for coll, docs := range byColl {
		if err := s.saveSnapshots(ctx, s.db.Collection(coll), docs); err != nil {
			return fmt.Errorf("writing %s snapshots: %w", coll, err)
		}
	}
	_, err := s.meta.ReplaceOne(ctx, bson.D{{Key: "_id", Value: watermarkID}},
		bson.D{{Key: "_id", Value: watermarkID}, {Key: "seq", Value: watermark}}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("recording the snapshot watermark: %w", err)
	}
	return nil
}

func (s *Store) saveSnapshots(ctx context.Context, coll *mongo.Collection, docs []bson.Raw) error {
	newer := func(doc bson.Raw) bson.D {
		id := bson.E{Key: "_id", Value: doc.Lookup("_id").StringValue()}
		if s.ferret {
			// Only an _id filter is fast there; its updates are not atomic
			// anyway, and a start-up replays the log from the watermark.
			return bson.D{id}
		}
		return bson.D{id, {Key: "version", Value: bson.D{{Key: "$lt", Value: doc.Lookup("version").AsInt64()}}}}
	}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var existing []mongo.WriteModel
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || !onlyDuplicates(err) {
			return err
		}
		for _, we := range bwe.WriteErrors {
			doc := docs[we.Index]
			existing = append(existing, mongo.NewReplaceOneModel().
				SetFilter(newer(doc)).SetReplacement(doc).SetUpsert(true))
		}
	}
	if len(existing) == 0 {
		return nil
	}
	if _, err := coll.BulkWrite(ctx, existing, options.BulkWrite().SetOrdered(false)); err != nil && !onlyDuplicates(err) {
		return err
	}
	return nil
}

// onlyDuplicates reports whether every failure of a bulk write was a
// duplicate key: a newer snapshot was already stored.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 {
			return false
		}
	}
	return true
}

// snapshotDoc is the entity's own fields plus its history.
func snapshotDoc(sn hub.Snapshot) (bson.Raw, error) {
	raw, err := bson.Marshal(sn.State.Entity())
	if err != nil {
		return nil, fmt.Errorf("encoding snapshot: %w", err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	d = append(d, bson.E{Key: "history", Value: sn.History})
	return bson.Marshal(d)
}

// LoadSnapshots reads every snapshot collection whole, and the watermark.
func (s *Store) LoadSnapshots(ctx context.Context) ([]hub.Snapshot, int64, error) {
	var wm struct {
		Seq int64 `bson:"seq"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: watermarkID}}).Decode(&wm)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, 0, fmt.Errorf("reading the snapshot watermark: %w", err)
	}
	var out []hub.Snapshot
	for t, coll := range collections {
		cur, err := s.db.Collection(coll).Find(ctx, bson.D{}, options.Find().SetBatchSize(1000))
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s: %w", coll, err)
		}
		for cur.Next(ctx) {
			sn, err := decodeSnapshot(t, cur.Current)
			if err != nil {
				cur.Close(ctx)
				return nil, 0, fmt.Errorf("decoding %s %v: %w", coll, cur.Current.Lookup("_id"), err)
			}
			out = append(out, sn)
		}
		err = cur.Err()
		cur.Close(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("reading %s: %w", coll, err)
		}
	}
	return out, wm.Seq, nil
}

func decodeSnapshot(t hub.EntityType, raw bson.Raw) (hub.Snapshot, error) {
	var st hub.State
	var target any
	switch t {
	case hub.TypePlan:
		st.Plan = new(hub.StrategicPlan)
		target = st.Plan
	case hub.TypePillar:
		st.Pillar = new(hub.Pillar)
		target = st.Pillar
	case hub.TypeObjective:
		st.Objective = new(hub.Objective)
		target = st.Objective
	case hub.TypeCommunity:
		st.Community = new(hub.Community)
		target = st.Community
	case hub.TypeStakeholder:
		st.Stakeholder = new(hub.Stakeholder)
		target = st.Stakeholder
	case hub.TypeCommitment:
		st.Commitment = new(hub.Commitment)
		target = st.Commitment
	case hub.TypeMeeting:
		st.Meeting = new(hub.Meeting)
		target = st.Meeting
	case hub.TypeOutcome:
		st.Outcome = new(hub.MeetingOutcome)
		target = st.Outcome
	case hub.TypeToken:
		st.Token = new(hub.Token)
		target = st.Token
	}
	if err := bson.Unmarshal(raw, target); err != nil {
		return hub.Snapshot{}, err
	}
	var h struct {
		History []hub.Change `bson:"history"`
	}
	if err := bson.Unmarshal(raw, &h); err != nil {
		return hub.Snapshot{}, err
	}
	return hub.Snapshot{State: st, History: h.History}, nil
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
	err := s.events.FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return true, nil
	}
	return false, err
}

// redact hides a password in a connection string for logs and errors.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "the configured MongoDB URI"
	}
	return u.Redacted()
}

package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The deliverer's state, in three collections beside the log (not as
// events: a delivery recorded in the log would itself be an event to
// deliver):
//   - webhook_cursors: per webhook, the log position delivered up to and
//     the pending delivery's attempts, written by the lease's holder;
//   - webhook_deliveries: each attempt, for the deliveries connection;
//   - webhook_leases: who delivers a webhook, as numbered terms whose _id
//     is unique, so that of two instances inserting the same term one
//     wins (FerretDB enforces a unique index atomically; it has no
//     compare-and-set update).
type state struct {
	cursors, deliveries, leases *mongo.Collection
}

func newState(db *mongo.Database) *state {
	return &state{cursors: db.Collection("webhook_cursors"), deliveries: db.Collection("webhook_deliveries"),
		leases: db.Collection("webhook_leases")}
}

// Cursor is how far a webhook's deliveries have gone.
type Cursor struct {
	Webhook  string     `bson:"_id"`
	Seq      int64      `bson:"seq"`               // delivered up to here
	Attempts int        `bson:"attempts"`          // failed attempts of the event after Seq
	First    *time.Time `bson:"first,omitempty"`   // its first failure
	Next     *time.Time `bson:"next,omitempty"`    // when to try it again
	Rewound  int        `bson:"rewound"`           // the webhook version of the last redelivery applied
	Stopped  string     `bson:"stopped,omitempty"` // why deliveries stopped (the creator's token is no longer valid)
}

func (s *state) cursor(ctx context.Context, id string) (*Cursor, error) {
	var c Cursor
	err := s.cursors.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	return &c, err
}

func (s *state) saveCursor(ctx context.Context, c *Cursor) error {
	_, err := s.cursors.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.Webhook}}, c, options.Replace().SetUpsert(true))
	return err
}

// Delivery is one attempt to deliver a message.
type Delivery struct {
	ID        bson.ObjectID `bson:"_id"`
	Webhook   string        `bson:"webhook"`
	MessageID string        `bson:"messageId"`
	Seq       int64         `bson:"seq"` // 0 for a test message
	At        time.Time     `bson:"at"`
	Attempt   int           `bson:"attempt"`
	Status    int           `bson:"status"` // the HTTP status, 0 when none came
	Duration  time.Duration `bson:"duration"`
	Error     string        `bson:"error,omitempty"`
	Response  string        `bson:"response,omitempty"` // at most 1 KB of the body
	NextRetry *time.Time    `bson:"nextRetry,omitempty"`
}

// OK reports whether the receiver took the message (a 2xx answer).
func (d *Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// keepFor is how long delivery attempts are listed.
const keepFor = 30 * 24 * time.Hour

// ensureIndexes creates the indexes the deliverer's reads use.
func (s *state) ensureIndexes(ctx context.Context) error {
	if _, err := s.deliveries.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "webhook", Value: 1}, {Key: "at", Value: -1}}}); err != nil {
		return err
	}
	_, err := s.leases.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "webhook", Value: 1}, {Key: "term", Value: -1}}})
	return err
}

func (s *state) record(ctx context.Context, d *Delivery) error {
	d.ID = bson.NewObjectID()
	_, err := s.deliveries.InsertOne(ctx, d)
	return err
}

// prune drops the webhook's attempts older than keepFor.
func (s *state) prune(ctx context.Context, webhook string, now time.Time) error {
	_, err := s.deliveries.DeleteMany(ctx, bson.D{{Key: "webhook", Value: webhook}, {Key: "at", Value: bson.D{{Key: "$lt", Value: now.Add(-keepFor)}}}})
	return err
}

// maxListed is how many of a webhook's latest deliveries are listed.
const maxListed = 1000

// Deliveries returns the webhook's latest attempts, newest first.
func (s *state) list(ctx context.Context, id string) ([]*Delivery, error) {
	cur, err := s.deliveries.Find(ctx, bson.D{{Key: "webhook", Value: id}},
		options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(maxListed))
	if err != nil {
		return nil, err
	}
	var out []*Delivery
	err = cur.All(ctx, &out)
	return out, err
}

// lease is one term of a webhook's lease.
type lease struct {
	ID      string    `bson:"_id"` // webhook/term, zero-padded
	Webhook string    `bson:"webhook"`
	Term    int64     `bson:"term"`
	Owner   string    `bson:"owner"`
	Until   time.Time `bson:"until"`
}

func leaseID(webhook string, term int64) string { return fmt.Sprintf("%s/%012d", webhook, term) }

// latestLease returns the webhook's highest term, or nil.
func (s *state) latestLease(ctx context.Context, webhook string) (*lease, error) {
	var l lease
	err := s.leases.FindOne(ctx, bson.D{{Key: "webhook", Value: webhook}}, options.FindOne().SetSort(bson.D{{Key: "term", Value: -1}})).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	return &l, err
}

// claim inserts a term; false when another instance holds it already.
func (s *state) claim(ctx context.Context, l *lease) (bool, error) {
	_, err := s.leases.InsertOne(ctx, l)
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Terms before the previous one are history.
	_, _ = s.leases.DeleteMany(ctx, bson.D{{Key: "webhook", Value: l.Webhook}, {Key: "term", Value: bson.D{{Key: "$lt", Value: l.Term - 1}}}})
	return true, nil
}

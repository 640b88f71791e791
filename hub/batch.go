package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A batch is a run of events that becomes visible all at once: an import.
// The log has no multi-document transactions (FerretDB has none), so the
// batch's events are appended one by one, each marked with the batch, and
// readers hold them back until the last one (Batch.Last) is in the log.
// A batch left unfinished (its writer failed or was killed) is voided:
// its events are replaced, in place, by void events that change nothing.
// Whoever finds an unfinished batch voids it: a hub starting up at once
// (no writer of this log outlives a restart of the instance that reads
// it, but see voidStale), a running one when the batch has not grown for
// batchStale. Readers never see any event of a voided batch, so an
// import is all or nothing, after a crash as after a failure.

// Batch marks an event of a batch.
type Batch struct {
	ID    string `bson:"id"`
	First int64  `bson:"first"` // the position of the batch's first event
	Last  bool   `bson:"last,omitempty"`
}

// batchStale is how long a running hub waits for an unfinished batch to
// grow before it voids it.
const batchStale = 15 * time.Second

// ErrBatchVoided means a batch was voided before it was complete: nothing
// of it is visible, and it may be written again.
var ErrBatchVoided = errors.New("the batch was interrupted and voided: nothing of it was written; run it again")

// ErrMoved means the log moved on after the batch was built.
var ErrMoved = errors.New("the database changed while the batch was being prepared")

// ReplaceLog is an EventLog that can replace an event in place: the
// events of an unfinished batch, with void ones.
type ReplaceLog interface {
	Replace(ctx context.Context, e *Event) error
}

// openBatch is an unfinished batch at the log's end, as the model last saw it.
type openBatch struct {
	id       string
	from, to int64
	seen     time.Time // when to last grew
}

// voidEvent is what a voided event becomes: its position, no entity.
func voidEvent(seq int64) *Event {
	return &Event{Seq: seq, EntityID: fmt.Sprint(seq), Kind: "Voided"}
}

// IsVoid reports whether the event is a void one, which subscriptions skip.
func (e *Event) IsVoid() bool { return e.Type == "" }

// batchEnd returns the end (exclusive) of the batch that starts at
// events[i], and whether its last event is among them.
func batchEnd(events []*Event, i int) (int, bool) {
	id := events[i].Batch.ID
	for j := i; j < len(events); j++ {
		b := events[j].Batch
		if b == nil || b.ID != id {
			return j, false // the rest was voided: so is the start
		}
		if b.Last {
			return j + 1, true
		}
	}
	return len(events), false
}

// holdBatch records the unfinished batch starting at e.
func (m *ReadModel) holdBatch(e *Event, to int64) {
	if m.open == nil || m.open.id != e.Batch.ID || m.open.to != to {
		m.open = &openBatch{id: e.Batch.ID, from: e.Seq, to: to, seen: time.Now()}
	}
}

// heldBatch returns the unfinished batch the model waits for, if any.
func (m *ReadModel) heldBatch() *openBatch {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.open == nil || m.open.from <= m.seq {
		return nil
	}
	b := *m.open
	return &b
}

// Fork returns a hub over a private, in-memory copy of this one's state,
// whose commands change nothing here: a batch is built on it, then
// appended with AppendBatch. Close it when done.
func (h *Hub) Fork(ctx context.Context) (*Hub, error) {
	snaps, seq := h.model.copyAll()
	return Open(ctx, &memoryLog{snaps: snaps, seq: seq}, Options{Logger: h.logger, Now: h.now, SnapshotInterval: -1, PollInterval: time.Hour})
}

// Batch returns the events appended to a fork, in order.
func (h *Hub) Batch() []*Event {
	m, ok := h.log.(*memoryLog)
	if !ok {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.events
}

// AppendBatch appends events built on a fork of this hub, as one batch:
// readers see all of them or none. It fails with ErrMoved when another
// write came first (build the batch again), with ErrBatchVoided when a
// starting instance voided it halfway. progress, if set, is told how many
// events are in the log.
func (h *Hub) AppendBatch(ctx context.Context, events []*Event, progress func(done int)) error {
	if len(events) == 0 {
		return nil
	}
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if err := h.CatchUp(ctx); err != nil && !errors.Is(err, ErrLogGap) {
		return err
	}
	first := h.model.Seq() + 1
	if events[0].Seq != first {
		return fmt.Errorf("%w: the batch starts at %d, the log is at %d", ErrMoved, events[0].Seq, first-1)
	}
	return h.appendBatch(ctx, events, progress)
}

// BulkLog is an EventLog that appends a run of events in order at once
// and reads one event by its position: a batch then costs a write per
// bulkChunk events, not one per event.
type BulkLog interface {
	// AppendMany appends the events in order; on failure, a prefix of
	// them may be in the log. A taken position wraps ErrDuplicate.
	AppendMany(ctx context.Context, events []*Event) error
	// ReadEvent returns the event at seq, or nil when there is none.
	ReadEvent(ctx context.Context, seq int64) (*Event, error)
}

// bulkChunk is how many of a batch's events one AppendMany writes: a
// block of the store's log.
const bulkChunk = 256

// appendBatch is AppendBatch once the writer holds h.writeMu and the
// batch starts at the log's next position.
func (h *Hub) appendBatch(ctx context.Context, events []*Event, progress func(done int)) error {
	first := events[0].Seq
	id := newID()
	for i, e := range events {
		e.Batch = &Batch{ID: id, First: first, Last: i == len(events)-1}
	}
	bulk, isBulk := h.log.(BulkLog)
	for done := 0; done < len(events); {
		n, err := 1, error(nil)
		if isBulk {
			n = min(bulkChunk, len(events)-done)
			err = bulk.AppendMany(ctx, events[done:done+n])
		} else {
			err = h.log.Append(ctx, events[done])
		}
		if err != nil {
			last := events[done].Seq - 1 // the batch's last event in the log
			if isBulk {
				last = h.lastOfBatch(ctx, bulk, id, last, events[done+n-1].Seq)
			}
			h.void(first, last)
			if errors.Is(err, ErrDuplicate) {
				return fmt.Errorf("%w: %v", ErrMoved, err)
			}
			return err
		}
		if done += n; progress != nil {
			progress(done)
		}
	}
	// Read the batch's start back: a starting instance may have voided it.
	var start *Event
	if isBulk {
		e, err := bulk.ReadEvent(ctx, first)
		if err != nil {
			return err
		}
		start = e
	} else if stored, err := h.log.ReadAfter(ctx, first-1); err != nil {
		return err
	} else if len(stored) > 0 {
		start = stored[0]
	}
	if start == nil || start.Batch == nil || start.Batch.ID != id {
		h.void(first, events[len(events)-1].Seq)
		return ErrBatchVoided
	}
	if err := h.model.Apply(events...); err != nil {
		return err
	}
	select {
	case h.headMoved <- struct{}{}:
	default:
	}
	return nil
}

// lastOfBatch returns the position of the batch's last event in the log
// after a failed AppendMany of the positions (from, to]: the inserts are
// in order, so those of the batch found there are a prefix.
func (h *Hub) lastOfBatch(ctx context.Context, log BulkLog, id string, from, to int64) int64 {
	for seq := from + 1; seq <= to; seq++ {
		e, err := log.ReadEvent(ctx, seq)
		if err != nil || e == nil || e.Batch == nil || e.Batch.ID != id {
			return seq - 1
		}
	}
	return to
}

// void replaces the events in positions [from, to] with void ones.
func (h *Hub) void(from, to int64) {
	rl, ok := h.log.(ReplaceLog)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for seq := from; seq <= to; seq++ {
		if err := rl.Replace(ctx, voidEvent(seq)); err != nil {
			h.logger.Error("voiding an unfinished batch", "seq", seq, "err", err)
			return
		}
	}
	h.logger.Warn("voided an unfinished batch", "from", from, "to", to)
}

// voidHeld voids the unfinished batch the model waits for when it is
// older than age, and reads the log on.
func (h *Hub) voidHeld(ctx context.Context, age time.Duration) error {
	b := h.model.heldBatch()
	if b == nil || time.Since(b.seen) < age {
		return nil
	}
	h.void(b.from, b.to)
	return h.CatchUp(ctx)
}

// OpenInMemory opens a hub on an empty log kept in memory: the read
// model and the commands without a database, for benchmarks and tools.
func OpenInMemory(ctx context.Context, o Options) (*Hub, error) {
	return Open(ctx, &memoryLog{}, o)
}

// memoryLog is a log in memory: that of a fork (its state at the fork,
// then the events appended to it) or OpenInMemory's.
type memoryLog struct {
	mu     sync.Mutex
	snaps  []Snapshot
	seq    int64
	events []*Event
}

func (l *memoryLog) Append(ctx context.Context, e *Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Seq != l.seq+int64(len(l.events))+1 {
		return fmt.Errorf("%w: seq %d", ErrDuplicate, e.Seq)
	}
	l.events = append(l.events, e)
	return nil
}

func (l *memoryLog) ReadAfter(ctx context.Context, seq int64) ([]*Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if i := seq - l.seq; i >= 0 && i < int64(len(l.events)) {
		return l.events[i:], nil
	}
	return nil, nil
}

func (l *memoryLog) LoadSnapshots(ctx context.Context) ([]Snapshot, int64, error) {
	return l.snaps, l.seq, nil
}

func (l *memoryLog) SaveSnapshots(ctx context.Context, snaps []Snapshot, from, to int64) error {
	return nil
}

// copyAll returns every entity's snapshot and the position, leaving the
// dirty set alone; the histories are capped so that a fork's appends
// never write into this model's bytes.
func (m *ReadModel) copyAll() ([]Snapshot, int64) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Snapshot, 0, m.sizeLocked())
	add := func(st State) {
		sn := m.snapshot(st)
		sn.History = sn.History[:len(sn.History):len(sn.History)]
		sn.Reports = sn.Reports[:len(sn.Reports):len(sn.Reports)]
		out = append(out, sn)
	}
	for i, t := range m.tables {
		t.each(func(e entity) { add(State{k: kinds[i], e: e}) })
	}
	for _, st := range m.tombstones {
		add(st)
	}
	return out, m.seq
}

package hub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// EventLog is the durable, ordered log of events and the checkpoints that
// cache it. The store package implements it on MongoDB.
type EventLog interface {
	// Append writes e at e.Seq. It returns an error wrapping ErrDuplicate
	// when that sequence number or the event's (stream, version) is taken.
	// A nil error means the event is durable.
	Append(ctx context.Context, e *Event) error
	// ReadAfter returns the events after seq in sequence order.
	ReadAfter(ctx context.Context, seq int64) ([]*Event, error)
	// LoadSnapshots returns every stored entity state (an entity may come
	// more than once; its highest version wins) and the log position
	// (watermark) up to which they hold every change.
	LoadSnapshots(ctx context.Context) ([]Snapshot, int64, error)
	// SaveSnapshots stores a checkpoint: the states of the entities
	// changed in the log positions (from, to]. With from 0 they are all
	// the entities, and the checkpoint supersedes older ones.
	SaveSnapshots(ctx context.Context, snaps []Snapshot, from, to int64) error
}

// HeadLog is an EventLog that can say cheaply how far the log goes. A
// tailer then reads the log only when another instance has appended: on
// FerretDB a read of the log's tail costs a scan of the whole log.
type HeadLog interface {
	// Head returns the highest position announced by any instance.
	Head(ctx context.Context) (int64, error)
	// SetHead announces that the log goes at least up to seq.
	SetHead(ctx context.Context, seq int64) error
}

// PolledLog is a HeadLog and ContendedLog that reads both records in one
// round trip, as the tailer does on each poll.
type PolledLog interface {
	// Poll returns what Head and Contention return.
	Poll(ctx context.Context) (head int64, instance string, turn time.Duration, count int64, err error)
}

// ContendedLog is an EventLog through which instances tell each other
// that one lost a race for a position: the others then take turns with
// it (see commit) rather than keep it out by writing back to back.
type ContendedLog interface {
	// Contend records that instance lost a race, and how long it takes
	// from a lost race to its next write (catching up included).
	Contend(ctx context.Context, instance string, turn time.Duration) error
	// Contention returns the last record and a count that changes with each.
	Contention(ctx context.Context) (instance string, turn time.Duration, count int64, err error)
}

// EventReader is an EventLog that reads one event by its position: a
// writer that lost a race reads just the event it lost to.
type EventReader interface {
	// ReadEvent returns the event at seq, or nil when there is none.
	ReadEvent(ctx context.Context, seq int64) (*Event, error)
}

// PagedLog is an EventLog that reads the log a page at a time, so that a
// long replay delivers its first events while the rest is still read.
type PagedLog interface {
	// ReadPage returns, in sequence order, some of the events after seq:
	// at least the next one when the log holds it, none when it ends at seq.
	ReadPage(ctx context.Context, seq int64) ([]*Event, error)
}

// Options tune a Hub; the zero value is usable.
type Options struct {
	Logger *slog.Logger
	// SnapshotInterval is how often the entities changed since the last
	// checkpoint are written behind as a new one (default one second;
	// negative disables writing, which tests use to simulate a crash
	// before the write).
	SnapshotInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// PollInterval is how often the log is read for events that other
	// instances appended (default 100ms).
	PollInterval time.Duration
}

// Hub runs commands: it validates them against the read model, appends
// their events to the log (the commit point) and applies them.
type Hub struct {
	log    EventLog
	model  *ReadModel
	logger *slog.Logger
	now    func() time.Time

	writeMu sync.Mutex // one command at a time per instance: allocates Seq
	turns   turns      // guarded by writeMu
	id      string     // names this instance in contention records

	lastContend time.Time    // when this instance last recorded a lost race; guarded by writeMu
	contendedAt atomic.Int64 // unix nanoseconds another instance last said it lost a race
	othersTurn  atomic.Int64 // the turn that instance said it needs, in nanoseconds
	contentions atomic.Int64 // the count of the record last read
	watching    atomic.Bool  // a read of the record is under way
	lastWatch   time.Time    // when the writer last started one; guarded by writeMu

	headMoved     chan struct{} // signals the head writer
	stop          chan struct{} // closed by Close
	snapshotsDone chan struct{}
	tailerDone    chan struct{}
	closeOnce     sync.Once

	// Checkpoints, owned by the snapshot writer.
	covered int64       // stored checkpoints hold every change up to here
	stale   int         // superseded entity states in stored checkpoints
	pending *checkpoint // taken from the model, not yet stored
}

// checkpoint is the entities changed in the log positions (from, to].
type checkpoint struct {
	snaps    []Snapshot
	from, to int64
}

// Open loads the read model from the log's checkpoints and the events
// after them, healing any checkpoint left behind, and starts the writer.
func Open(ctx context.Context, log EventLog, opts Options) (*Hub, error) {
	h := &Hub{
		log:           log,
		model:         NewReadModel(),
		logger:        opts.Logger,
		now:           opts.Now,
		headMoved:     make(chan struct{}, 1),
		stop:          make(chan struct{}),
		snapshotsDone: make(chan struct{}),
		tailerDone:    make(chan struct{}),
		id:            newID(),
	}
	if h.logger == nil {
		h.logger = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	snaps, watermark, err := log.LoadSnapshots(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading snapshots: %w", err)
	}
	h.covered = watermark
	h.stale = h.model.restore(snaps, watermark)
	if err := h.CatchUp(ctx); err != nil {
		return nil, fmt.Errorf("replaying the event log: %w", err)
	}
	// A batch left unfinished at the log's end was cut short: no writer
	// outlives the instances it was started beside.
	if err := h.voidHeld(ctx, 0); err != nil {
		return nil, fmt.Errorf("voiding an unfinished batch: %w", err)
	}
	h.logger.Info("read model loaded", "snapshots", len(snaps), "watermark", watermark, "seq", h.model.Seq())

	interval := opts.SnapshotInterval
	if interval == 0 {
		interval = time.Second
	}
	go h.writeSnapshots(interval)
	poll := opts.PollInterval
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	go h.tail(poll)
	return h, nil
}

// tail applies, until Close, the events other instances append: each poll
// reads the log back from its newest event to the model's position.
func (h *Hub) tail(interval time.Duration) {
	defer close(h.tailerDone)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-h.stop
		cancel()
	}()
	heads, _ := h.log.(HeadLog)
	t := time.NewTicker(interval)
	defer t.Stop()
	gapPolls := 0
	announced := h.model.Seq() // the highest position known to be announced
	// Announcements are spaced by half a poll: other instances look only
	// once a poll, and on FerretDB each is an update under the write lock
	// that appends need (one per mutation was a quarter of the server's
	// CPU under a closed loop of mutations).
	var lastAnnounce time.Time
	later := time.NewTimer(time.Hour)
	later.Stop()
	defer later.Stop()
	armed := false
	announce := func() {
		seq := h.model.Seq()
		lastAnnounce = time.Now()
		if err := heads.SetHead(ctx, seq); err == nil {
			announced = seq
		} else if ctx.Err() == nil {
			// Tried again: an announcement given up would leave the
			// others behind until this instance's next write.
			h.logger.Warn("announcing the log head", "err", err)
			later.Reset(interval)
			armed = true
		}
	}
	quietPolls := 0
	for {
		select {
		case <-h.headMoved:
			if heads == nil || armed {
				continue
			}
			if wait := time.Until(lastAnnounce.Add(interval / 2)); wait > 0 {
				later.Reset(wait)
				armed = true
				continue
			}
			announce()
		case <-later.C:
			armed = false
			announce()
		case <-t.C:
			head, headErr := h.poll(ctx, heads)
			if err := h.voidHeld(ctx, batchStale); err != nil && ctx.Err() == nil {
				h.logger.Warn("voiding an unfinished batch", "err", err)
			}
			if heads != nil {
				if headErr == nil && head > h.model.Seq() && h.readUpTo(ctx, head) {
					continue // the announced events read
				}
				// Nothing announced: read the log all the same every
				// sweepPolls, for an event whose writer stopped (or
				// failed to announce) between its append and its
				// announcement.
				if headErr == nil && head <= h.model.Seq() {
					if quietPolls++; quietPolls%sweepPolls != 0 {
						continue
					}
				}
			}
			err := h.CatchUp(ctx)
			switch {
			case err == nil || ctx.Err() != nil:
				gapPolls = 0
			case errors.Is(err, ErrLogGap):
				// An event allocated before, but committed after, a later
				// one: wait for it rather than skip it.
				if gapPolls++; gapPolls%50 == 0 {
					h.logger.Warn("waiting for a missing event", "err", err, "polls", gapPolls)
				}
			default:
				h.logger.Warn("reading the event log", "err", err, "seq", h.model.Seq())
			}
		case <-h.stop:
			// A write made just before Close must still be announced, or
			// other instances would not read it until the next write; an
			// announcement cut short by Close counts as not made.
			if heads != nil && announced < h.model.Seq() {
				final, done := context.WithTimeout(context.Background(), 5*time.Second)
				if err := heads.SetHead(final, h.model.Seq()); err != nil {
					h.logger.Warn("announcing the log head", "err", err)
				}
				done()
			}
			return
		}
	}
}

// poll reads, for the tailer, the log's head (when the log has one) and
// another instance's lost races: in one round trip when the log can.
func (h *Hub) poll(ctx context.Context, heads HeadLog) (int64, error) {
	if p, ok := h.log.(PolledLog); ok && heads != nil {
		head, by, turn, n, err := p.Poll(ctx)
		h.noteContention(by, turn, n, err)
		return head, err
	}
	h.readContention(ctx)
	if heads == nil {
		return 0, nil
	}
	return heads.Head(ctx)
}

// sweepPolls is how often, in polls with nothing announced, the tailer
// reads the log's tail anyway.
const sweepPolls = 20

// announcedLookups is how many announced events the tailer reads one by
// one, rather than reading the log's tail.
const announcedLookups = 8

// readUpTo applies the events up to head, which another instance
// announced, reading each by its position: on FerretDB reading the tail
// would end with a lookup of the first missing position, a scan of its
// whole block. It reports whether it got them all.
func (h *Hub) readUpTo(ctx context.Context, head int64) bool {
	r, ok := h.log.(EventReader)
	if !ok || head-h.model.Seq() > announcedLookups {
		return false
	}
	// Applied together: the events of a batch show only once all are read.
	var events []*Event
	for seq := h.model.Seq() + 1; seq <= head; seq++ {
		e, err := r.ReadEvent(ctx, seq)
		if err != nil || e == nil {
			return false
		}
		events = append(events, e)
	}
	return h.model.Apply(events...) == nil && h.model.Seq() >= head
}

// Model is the read model that answers queries.
func (h *Hub) Model() *ReadModel { return h.model }

// Now is the hub's clock.
func (h *Hub) Now() time.Time { return h.now() }

// Today is the current calendar date, for overdue checks.
func (h *Hub) Today() Date { return DateOf(h.now()) }

// CatchUp applies the events in the log that the model has not seen.
func (h *Hub) CatchUp(ctx context.Context) error {
	events, err := h.log.ReadAfter(ctx, h.model.Seq())
	if err != nil {
		return err
	}
	return h.model.Apply(events...)
}

// Close stops the tailer, writes the outstanding checkpoint and stops the writer.
func (h *Hub) Close(ctx context.Context) error {
	h.closeOnce.Do(func() { close(h.stop) })
	for _, done := range []chan struct{}{h.tailerDone, h.snapshotsDone} {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// maxContention bounds how long a command keeps losing races before it
// gives up with ErrBusy; with turns taken it is never reached in practice.
const maxContention = 10 * time.Second

// commit runs build against the current model and appends the event it
// returns. When another writer took the sequence number or the version,
// it catches up at once and builds again: build sees the newer state, so
// a stale expectedVersion then fails as a conflict and a blind update
// applies on top of the other change. A nil event from build means
// nothing to change.
//
// Fairness: a writer that loses a race is behind by a read of the log,
// so an instance writing back to back would keep another out forever.
// While any instance has lost a race within contendedFor, a winner
// yields a turn before its next write, a little longer (with jitter)
// than a loser takes to catch up and write; losers retry at once.
func (h *Hub) commit(ctx context.Context, build func() (*Event, error)) (*Event, error) {
	h.writeMu.Lock()
	defer h.writeMu.Unlock()
	if err := h.turns.wait(ctx); err != nil {
		return nil, err
	}
	started := time.Now()
	var lost time.Time // when the last attempt lost its race
	for {
		e, err := build()
		if err != nil || e == nil {
			return nil, err
		}
		e.Seq = h.model.Seq() + 1
		err = h.appendWithRollUps(ctx, e)
		if !lost.IsZero() {
			h.turns.measure(time.Since(lost))
		}
		if err == nil {
			select { // tell other instances, behind the mutation's back
			case h.headMoved <- struct{}{}:
			default:
			}
			h.watchContention()
			if h.contended() {
				h.turns.yield(time.Duration(h.othersTurn.Load()))
			}
			return e, nil
		}
		if !errors.Is(err, ErrDuplicate) {
			return nil, err
		}
		lost = time.Now()
		h.turns.lost = lost
		h.contend()
		if time.Since(started) > maxContention {
			return nil, fmt.Errorf("%w: %v", ErrBusy, err)
		}
		if err := h.catchUpTo(ctx, e.Seq); err != nil && !errors.Is(err, ErrLogGap) {
			return nil, err
		}
		if err := sleep(ctx, jitter(time.Millisecond)); err != nil {
			return nil, err
		}
		if h.model.heldBatch() != nil {
			// Another instance is appending a batch: wait for its end.
			if err := h.awaitBatch(ctx); err != nil {
				return nil, err
			}
			started = time.Now() // waiting out a batch is not contention
		}
	}
}

// appendWithRollUps appends e and applies it; a change of a commitment
// in a tree goes with its ancestors' roll-ups, in one batch. Losing a
// position is ErrDuplicate, as for a single event.
func (h *Hub) appendWithRollUps(ctx context.Context, e *Event) error {
	ups := h.rollUps(e)
	if len(ups) == 0 {
		if err := h.log.Append(ctx, e); err != nil {
			return err
		}
		return h.model.Apply(e) // no error: Seq follows the model's
	}
	err := h.appendBatch(ctx, append([]*Event{e}, ups...), nil)
	if errors.Is(err, ErrMoved) || errors.Is(err, ErrBatchVoided) {
		return fmt.Errorf("%w: %v", ErrDuplicate, err)
	}
	return err
}

// awaitBatch waits until the model has applied (or voided) the batch it holds back.
func (h *Hub) awaitBatch(ctx context.Context) error {
	for h.model.heldBatch() != nil {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if err := h.CatchUp(ctx); err != nil && !errors.Is(err, ErrLogGap) {
			return err
		}
		if err := h.voidHeld(ctx, batchStale); err != nil {
			return err
		}
	}
	return nil
}

// event makes the event that turns before (nil for a creation) into after,
// stamping after's version and times.
func (h *Hub) event(kind string, actor Actor, at time.Time, before, after entity) *Event {
	at = h.eventTime(at)
	m := after.meta()
	if before == nil {
		m.Version, m.CreatedAt = 1, at
	} else {
		m.Version = before.meta().Version + 1
	}
	m.UpdatedAt = at
	var changes []FieldChange
	if before == nil {
		changes = diff(nil, after)
	} else {
		changes = diff(before, after)
	}
	st := StateOf(after)
	return &Event{Type: st.Type(), EntityID: m.ID, Version: m.Version, Kind: kind, Actor: actor, At: at, Changes: changes, State: st}
}

// eventTime is the time an event made at at (now, when zero) carries:
// commands that store it in the entity itself take it before the event.
func (h *Hub) eventTime(at time.Time) time.Time {
	if at.IsZero() {
		at = h.now()
	}
	return at.UTC().Truncate(time.Millisecond) // BSON dates hold milliseconds
}

// writeSnapshots writes changed entities behind as checkpoints until
// Close; then it writes what is left.
func (h *Hub) writeSnapshots(interval time.Duration) {
	defer close(h.snapshotsDone)
	if interval < 0 {
		<-h.stop
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	var next time.Time
	for {
		select {
		case <-t.C:
			if time.Now().Before(next) {
				continue
			}
			// A checkpoint holds the whole history of each entity in it,
			// so its cost grows with them: writing takes at most about a
			// tenth of the time, and a longer replay at start pays for it.
			began := time.Now()
			h.flushSnapshots()
			next = began.Add(10 * time.Since(began))
		case <-h.stop:
			h.flushSnapshots()
			return
		}
	}
}

// flushSnapshots stores a checkpoint of the entities changed since the
// last one; or, once the stored checkpoints hold more superseded states
// than live ones, a full checkpoint that replaces them. A checkpoint that
// fails is retried as it is on the next tick, while newer changes wait in
// the model's dirty set: the work per tick stays bounded by one
// checkpoint, never a growing backlog.
func (h *Hub) flushSnapshots() {
	if h.pending != nil && !h.storeCheckpoint() {
		return
	}
	// A full checkpoint also when none covers the log's start: the
	// model may hold entities no event since the watermark touched.
	if h.stale > h.model.size() || (h.covered == 0 && h.model.Seq() > 0) {
		snaps, to := h.model.takeAll()
		h.pending = &checkpoint{snaps: snaps, from: 0, to: to}
	} else if snaps, to := h.model.takeDirty(); len(snaps) > 0 {
		h.pending = &checkpoint{snaps: snaps, from: h.covered, to: to}
	} else {
		return
	}
	h.storeCheckpoint()
}

func (h *Hub) storeCheckpoint() bool {
	cp := h.pending
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.log.SaveSnapshots(ctx, cp.snaps, cp.from, cp.to); err != nil {
		// The log is the truth: a lost checkpoint is healed on the next start.
		h.logger.Error("writing a checkpoint", "err", err, "count", len(cp.snaps), "from", cp.from, "to", cp.to)
		return false
	}
	h.pending, h.covered = nil, cp.to
	if cp.from == 0 {
		h.stale = 0
	} else {
		h.stale += len(cp.snaps)
	}
	return true
}

// NewID returns a random, URL-safe identifier for a new entity.
func NewID() string { return newID() }

// newID returns a random, URL-safe identifier.
func newID() string {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

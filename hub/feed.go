package hub

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// feedSize is how many of the latest events stay in memory for
// subscribers; older ones are read back from the log.
const feedSize = 50_000

// feed keeps the latest events in log order and wakes subscribers when
// more arrive. It is guarded by the read model's lock. It keeps them
// compact: each event as the log stores it (Event.Stored), encoded one
// after another in one buffer, with the state it holds, if any, by
// pointer; a progress report's commitment is rebuilt from the read model
// when the event is read (ReadModel.complete).
type feed struct {
	buf    []byte   // the events' encodings (feed.append)
	ends   []uint32 // where each event's encoding ends in buf: event first+i ends at ends[i]
	states []entity // the state each event holds, nil for one stored without
	first  int64
	woken  chan struct{} // closed, and replaced, when events arrive

	// Names the encodings refer to by number: types, kinds, actors,
	// fields, statuses. There are few of them, and they recur.
	names   []string
	numbers map[string]uint64
}

func newFeed() feed {
	return feed{first: 1, woken: make(chan struct{}), numbers: map[string]uint64{}}
}

// reset empties the feed so that the next event is after seq.
func (f *feed) reset(seq int64) { f.buf, f.ends, f.states, f.first = nil, nil, nil, seq+1 }

func (f *feed) push(e *Event) {
	if len(f.ends) >= 2*feedSize {
		drop := len(f.ends) - feedSize
		from := f.ends[drop-1]
		buf := make([]byte, len(f.buf)-int(from), 2*(len(f.buf)-int(from)))
		copy(buf, f.buf[from:])
		ends := make([]uint32, 0, 2*feedSize)
		for _, end := range f.ends[drop:] {
			ends = append(ends, end-from)
		}
		f.buf, f.ends, f.first = buf, ends, f.first+int64(drop)
		f.states = append(make([]entity, 0, 2*feedSize), f.states[drop:]...)
	}
	stored := e.Stored()
	f.buf = f.append(f.buf, stored)
	f.ends = append(f.ends, uint32(len(f.buf)))
	var st entity
	if en, ok := stored.State.Entity().(entity); ok {
		st = en
	}
	f.states = append(f.states, st)
}

// event decodes the i-th event the feed holds.
func (f *feed) event(i int) (*Event, error) {
	var from uint32
	if i > 0 {
		from = f.ends[i-1]
	}
	e, err := f.decode(f.buf[from:f.ends[i]])
	if err != nil {
		return nil, err
	}
	if f.states[i] != nil {
		e.State = StateOf(f.states[i])
	}
	return e, nil
}

func (f *feed) wake() {
	close(f.woken)
	f.woken = make(chan struct{})
}

// ErrCursorAhead means a cursor names a position the log has not reached.
var ErrCursorAhead = errors.New("cursor is ahead of the event log")

// recentAfter returns up to max events after seq from memory, with their
// states (known as for complete), and a channel closed when newer events
// arrive. ok is false when the events after seq are older than what
// memory holds.
func (m *ReadModel) recentAfter(seq int64, max int, known map[string]*Commitment) (events []*Event, woken <-chan struct{}, ok bool, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f := &m.feed
	if seq+1 < f.first {
		return nil, nil, false, nil
	}
	from := int(seq + 1 - f.first)
	to := min(len(f.ends), from+max)
	if from >= to {
		return nil, f.woken, true, nil
	}
	events = make([]*Event, 0, to-from)
	for i := from; i < to; i++ {
		e, err := f.event(i)
		if err != nil {
			return nil, nil, false, err
		}
		events = append(events, e)
	}
	if err := m.completeLocked(events, known); err != nil {
		return nil, nil, false, err
	}
	return events, f.woken, true, nil
}

// holds reports whether memory holds the events after seq.
func (m *ReadModel) holds(seq int64) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return seq+1 >= m.feed.first
}

// replayReadTimeout bounds each read of a replay: with the database down,
// the subscriber is told at once rather than after the driver gives up.
const replayReadTimeout = 5 * time.Second

type followingKey struct{}

// A Follower is told, by Follow under a context made with Following, the
// position of each event just before it is delivered, and that the stream
// cannot go on: the transport that carries the events keeps the first to
// say where a dropped subscriber may resume, and ends the stream with the
// error that follows the second.
type Follower interface {
	Delivering(seq int64)
	Failed()
}

// Following returns ctx with f to be told by Follow under ctx.
func Following(ctx context.Context, f Follower) context.Context {
	return context.WithValue(ctx, followingKey{}, f)
}

// Follow delivers, in log order, every event after seq for which match is
// true: first those already in the log, then each new one as it is applied,
// with no gap and no duplicate at the seam. It returns when ctx ends, or
// with an error if the log cannot be read; deliver may block (a slow
// reader delays only itself) and stops the stream by returning an error.
func (h *Hub) Follow(ctx context.Context, seq int64, match func(*Event) bool, deliver func(*Event) error) (err error) {
	if f, ok := ctx.Value(followingKey{}).(Follower); ok {
		next, stopped := deliver, false // stopped: by deliver, not by a failure
		deliver = func(e *Event) error {
			f.Delivering(e.Seq)
			err := next(e)
			stopped = err != nil
			return err
		}
		defer func() {
			if err != nil && !stopped && ctx.Err() == nil {
				f.Failed()
			}
		}()
	}
	if seq < 0 || seq > h.model.Seq() {
		return fmt.Errorf("%w: position %d, the log is at %d", ErrCursorAhead, seq, h.model.Seq())
	}
	known := map[string]*Commitment{} // the commitments of the events delivered, for the next ones
	for {
		events, woken, ok, err := h.model.recentAfter(seq, 512, known)
		if err != nil {
			return err
		}
		if !ok {
			// Older than memory: stream the log itself up to where memory starts.
			var err error
			if seq, err = h.replay(ctx, seq, known, match, deliver); err != nil {
				return err
			}
			continue
		}
		for _, e := range events {
			if e.Seq != seq+1 {
				return fmt.Errorf("%w: at %d, next event is %d", ErrLogGap, seq, e.Seq)
			}
			seq = e.Seq
			if !e.IsVoid() && match(e) {
				if err := deliver(e); err != nil {
					return err
				}
			}
		}
		if len(events) > 0 {
			continue
		}
		select {
		case <-woken:
		case <-ctx.Done():
			return nil
		}
	}
}

// page is one read of a replay.
type page struct {
	events []*Event
	err    error
}

// replay delivers the events after seq that memory no longer holds, page
// by page as the log is read, one page read ahead of the delivery. It
// returns the position it delivered up to.
func (h *Hub) replay(ctx context.Context, seq int64, known map[string]*Commitment, match func(*Event) bool, deliver func(*Event) error) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan page, 1)
	go h.readPages(ctx, seq, pages)
	for p := range pages {
		if p.err != nil {
			return seq, p.err
		}
		if err := h.model.complete(p.events, known); err != nil {
			return seq, err
		}
		for _, e := range p.events {
			if e.Seq != seq+1 {
				return seq, fmt.Errorf("%w: at %d, next event is %d", ErrLogGap, seq, e.Seq)
			}
			seq = e.Seq
			if match(e) {
				if err := deliver(e); err != nil {
					return seq, err
				}
			}
		}
	}
	return seq, ctx.Err()
}

// readPages reads the log after seq into out until memory holds what
// follows, a read fails, or ctx ends.
func (h *Hub) readPages(ctx context.Context, seq int64, out chan<- page) {
	defer close(out)
	paged, _ := h.log.(PagedLog)
	for !h.model.holds(seq) {
		rctx, cancel := context.WithTimeout(ctx, replayReadTimeout)
		var events []*Event
		var err error
		if paged != nil {
			events, err = paged.ReadPage(rctx, seq)
		} else {
			events, err = h.log.ReadAfter(rctx, seq)
		}
		cancel()
		if err == nil && len(events) == 0 {
			err = fmt.Errorf("%w: the log holds nothing after %d", ErrLogGap, seq)
		}
		select {
		case out <- page{events, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		seq = events[len(events)-1].Seq
	}
}

package hub

import (
	"context"
	"errors"
	"fmt"
)

// feedSize is how many of the latest events stay in memory for
// subscribers; older ones are read back from the log.
const feedSize = 50_000

// feed keeps the latest events in log order and wakes subscribers when
// more arrive. It is guarded by the read model's lock.
type feed struct {
	events []*Event // contiguous: events[i].Seq == first+i
	first  int64
	woken  chan struct{} // closed, and replaced, when events arrive
}

func newFeed() feed { return feed{first: 1, woken: make(chan struct{})} }

// reset empties the feed so that the next event is after seq.
func (f *feed) reset(seq int64) { f.events, f.first = nil, seq+1 }

func (f *feed) push(e *Event) {
	if len(f.events) >= 2*feedSize {
		keep := f.events[len(f.events)-feedSize:]
		f.first += int64(len(f.events) - len(keep))
		f.events = append([]*Event(nil), keep...)
	}
	f.events = append(f.events, e)
}

func (f *feed) wake() {
	close(f.woken)
	f.woken = make(chan struct{})
}

// ErrCursorAhead means a cursor names a position the log has not reached.
var ErrCursorAhead = errors.New("cursor is ahead of the event log")

// recentAfter returns up to max events after seq from memory, and a
// channel closed when newer events arrive. ok is false when the events
// after seq are older than what memory holds.
func (m *ReadModel) recentAfter(seq int64, max int) (events []*Event, woken <-chan struct{}, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	f := &m.feed
	if seq+1 < f.first {
		return nil, nil, false
	}
	from := int(seq + 1 - f.first)
	to := min(len(f.events), from+max)
	if from >= to {
		return nil, f.woken, true
	}
	return append([]*Event(nil), f.events[from:to]...), f.woken, true
}

// Follow delivers, in log order, every event after seq for which match is
// true: first those already in the log, then each new one as it is applied,
// with no gap and no duplicate at the seam. It returns when ctx ends, or
// with an error if the log cannot be read; deliver may block (a slow
// reader delays only itself) and stops the stream by returning an error.
func (h *Hub) Follow(ctx context.Context, seq int64, match func(*Event) bool, deliver func(*Event) error) error {
	if seq < 0 || seq > h.model.Seq() {
		return fmt.Errorf("%w: position %d, the log is at %d", ErrCursorAhead, seq, h.model.Seq())
	}
	for {
		events, woken, ok := h.model.recentAfter(seq, 512)
		if !ok {
			// Older than memory: read the log itself, up to what it holds now.
			var err error
			if events, err = h.log.ReadAfter(ctx, seq); err != nil {
				return err
			}
			if len(events) == 0 {
				return fmt.Errorf("%w: the log holds nothing after %d", ErrLogGap, seq)
			}
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
		if len(events) > 0 || !ok {
			continue
		}
		select {
		case <-woken:
		case <-ctx.Done():
			return nil
		}
	}
}

package hub

import (
	"context"
	mrand "math/rand/v2"
	"time"
)

// Taking turns between instances that write at once (see commit).

// maxTurn bounds the turn a winner yields.
const maxTurn = 250 * time.Millisecond

// contendedFor is how long an instance takes turns after the last lost race.
const contendedFor = time.Second

// catchUpTo applies the event that took seq, read on its own where the
// log can: cheaper than reading the log's tail, which on FerretDB scans a
// whole block for each position it finds empty.
func (h *Hub) catchUpTo(ctx context.Context, seq int64) error {
	if r, ok := h.log.(EventReader); ok && h.model.Seq() == seq-1 {
		e, err := r.ReadEvent(ctx, seq)
		if err != nil {
			return err
		}
		if e != nil {
			return h.model.Apply(e)
		}
	}
	return h.CatchUp(ctx)
}

// contended reports whether this instance or another lost a race lately.
func (h *Hub) contended() bool {
	now := time.Now()
	if !h.turns.lost.IsZero() && now.Sub(h.turns.lost) < contendedFor {
		return true
	}
	return now.UnixNano()-h.contendedAt.Load() < int64(contendedFor)
}

// contend tells the other instances, behind the writer's back and at
// most every few milliseconds, that this one lost a race; call it under
// writeMu.
func (h *Hub) contend() {
	c, ok := h.log.(ContendedLog)
	if !ok {
		return
	}
	if time.Since(h.lastContend) < 20*time.Millisecond {
		return
	}
	h.lastContend = time.Now()
	turn := h.turns.catch
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Contend(ctx, h.id, turn); err != nil {
			h.logger.Warn("recording a lost race", "err", err)
		}
	}()
}

// watchCadence is how often an instance that writes reads the record of
// lost races: it must learn within a few writes that it keeps another out.
const watchCadence = 10 * time.Millisecond

// watchContention reads the record of lost races behind the writer's
// back, at most every watchCadence; the tailer reads it on each poll.
func (h *Hub) watchContention() {
	c, ok := h.log.(ContendedLog)
	if !ok || time.Since(h.lastWatch) < watchCadence || !h.watching.CompareAndSwap(false, true) {
		return
	}
	h.lastWatch = time.Now()
	go func() {
		defer h.watching.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		h.noteContention(c.Contention(ctx))
	}()
}

// readContention notes, for the tailer, another instance's lost races.
func (h *Hub) readContention(ctx context.Context) {
	if c, ok := h.log.(ContendedLog); ok {
		h.noteContention(c.Contention(ctx))
	}
}

// noteContention takes in a record of lost races that is new and another
// instance's.
func (h *Hub) noteContention(by string, turn time.Duration, n int64, err error) {
	if err != nil || n == h.contentions.Swap(n) || by == h.id {
		return
	}
	h.othersTurn.Store(int64(turn))
	h.contendedAt.Store(time.Now().UnixNano())
}

// turns paces an instance's writes while instances contend.
type turns struct {
	lost  time.Time     // this instance's last lost race
	catch time.Duration // smoothed time from a lost race to the write that follows
	until time.Time     // the next write waits until then
}

// measure folds in the time one lost race took to turn into a write.
func (t *turns) measure(d time.Duration) {
	if t.catch == 0 {
		t.catch = d
		return
	}
	t.catch = (3*t.catch + d) / 4
}

// yield makes the next write wait a turn: a little longer than a loser
// (this instance, or the one that last said it lost) takes to catch up
// and write, with jitter so that the instances fall out of step.
func (t *turns) yield(others time.Duration) {
	turn := max(t.catch, others, 2*time.Millisecond)
	turn = min(turn+turn/8+jitter(turn/4), maxTurn)
	t.until = time.Now().Add(turn)
}

func (t *turns) wait(ctx context.Context) error {
	return sleep(ctx, time.Until(t.until))
}

// jitter returns a random duration in [0, d).
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(mrand.Int64N(int64(d)))
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// withDeadline is context.WithDeadline, with the timer and the parent's
// registration made only when something waits for the context (Done) or
// derives one from it: a planned read does neither, and those cost more
// than the read. Until then Err reads the clock. Call stop when done.
func withDeadline(parent context.Context, at time.Time) *deadlineCtx {
	return &deadlineCtx{parent: parent, at: at}
}

type deadlineCtx struct {
	parent context.Context
	at     time.Time

	mu      sync.Mutex // making made, and stopping
	made    atomic.Pointer[madeCtx]
	stopped atomic.Bool
}

// madeCtx is context.WithDeadline(parent, at).
type madeCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

// real returns the context.WithDeadline this stands for, making it.
func (c *deadlineCtx) real() context.Context {
	if m := c.made.Load(); m != nil {
		return m.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.made.Load()
	if m == nil {
		m = &madeCtx{}
		m.ctx, m.cancel = context.WithDeadline(c.parent, c.at)
		if c.stopped.Load() {
			m.cancel()
		}
		c.made.Store(m)
	}
	return m.ctx
}

// stop cancels the context, as a context.CancelFunc does.
func (c *deadlineCtx) stop() {
	c.mu.Lock()
	c.stopped.Store(true)
	m := c.made.Load()
	c.mu.Unlock()
	if m != nil {
		m.cancel()
	}
}

func (c *deadlineCtx) Deadline() (time.Time, bool) {
	if d, ok := c.parent.Deadline(); ok && d.Before(c.at) {
		return d, true
	}
	return c.at, true
}

func (c *deadlineCtx) Done() <-chan struct{} { return c.real().Done() }

func (c *deadlineCtx) Err() error {
	if m := c.made.Load(); m != nil {
		return m.ctx.Err()
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if c.stopped.Load() {
		return context.Canceled
	}
	if !time.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// Value is the parent's, but for the key through which package context
// finds a context's cancellation (context.Cause, and a context derived
// from this one): a pointer to an int, which the real context answers.
func (c *deadlineCtx) Value(key any) any {
	if _, ok := key.(*int); ok {
		return c.real().Value(key)
	}
	return c.parent.Value(key)
}

package webhook

import (
	"context"
	"sync"
	"time"

	"convene/hub"
)

// acquire returns this instance's current term of the webhook's lease,
// claiming the next when the last has expired, or nil.
func (s *Service) acquire(id string) *lease {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	last, err := s.state.latestLease(ctx, id)
	if err != nil {
		return nil
	}
	now := time.Now()
	if last != nil && now.Before(last.Until) {
		if last.Owner == s.owner {
			return last
		}
		return nil
	}
	l := &lease{Webhook: id, Term: 1, Owner: s.owner, Until: now.Add(s.opts.LeaseTTL)}
	if last != nil {
		l.Term = last.Term + 1
	}
	l.ID = leaseID(id, l.Term)
	if ok, err := s.state.claim(ctx, l); !ok || err != nil {
		return nil
	}
	return l
}

// held is a lease as its holder keeps it: renewed by claiming the next
// term before this one ends, lost when that fails.
type held struct {
	mu sync.Mutex
	l  lease
}

// valid reports whether the lease still holds.
func (h *held) valid() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Until(h.l.Until) > 0
}

// keep renews the lease held by h, claiming each next term a third of
// the way through the current one, and returns when it is lost, ctx ends,
// or the webhook or its creator's token changes (which ends the round).
func (s *Service) keep(ctx context.Context, w *hub.Webhook, h *held) {
	renew := time.NewTicker(s.opts.LeaseTTL / 3)
	defer renew.Stop()
	watch := time.NewTicker(200 * time.Millisecond)
	defer watch.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-watch.C:
			now := hub.Webhooks.Get(s.opts.Hub.Model(), w.ID)
			if now == nil || now.Version != w.Version || !s.opts.StillValid(w.Viewer()) || !h.valid() {
				return
			}
		case <-renew.C:
			h.mu.Lock()
			next := lease{Webhook: w.ID, Term: h.l.Term + 1, Owner: s.owner, Until: time.Now().Add(s.opts.LeaseTTL)}
			next.ID = leaseID(w.ID, next.Term)
			h.mu.Unlock()
			rctx, rcancel := context.WithTimeout(ctx, s.opts.LeaseTTL/3)
			ok, err := s.state.claim(rctx, &next)
			rcancel()
			if err == nil && !ok {
				return // another instance holds it
			}
			if ok {
				h.mu.Lock()
				h.l = next
				h.mu.Unlock()
			}
		}
	}
}

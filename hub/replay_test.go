package hub_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

// pageCounter is the real store, counting the pages a replay reads.
type pageCounter struct {
	*store.Store
	mu    sync.Mutex
	pages int
}

func (p *pageCounter) ReadPage(ctx context.Context, seq int64) ([]*hub.Event, error) {
	events, err := p.Store.ReadPage(ctx, seq)
	p.mu.Lock()
	p.pages++
	p.mu.Unlock()
	return events, err
}

func (p *pageCounter) read() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pages
}

// restartedOn returns a hub opened on a log of n events that an earlier
// instance checkpointed: its memory holds none of them, as after a restart.
func restartedOn(t *testing.T, s *store.Store, log hub.EventLog, n int) *hub.Hub {
	t.Helper()
	var events []*hub.Event
	for i := range n {
		events = append(events, community(int64(i+1), fmt.Sprint("c", i)))
	}
	if err := s.AppendMany(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	first, err := hub.Open(context.Background(), s, hub.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(context.Background()); err != nil { // writes the checkpoint
		t.Fatal(err)
	}
	h := openHub(t, log)
	if h.Model().Seq() != int64(n) {
		t.Fatalf("restarted at %d, want %d", h.Model().Seq(), n)
	}
	return h
}

// A replay older than memory delivers its first events having read only
// the first pages of the log, then the rest in order, each exactly once.
func TestReplayDeliversAsItReads(t *testing.T) {
	s, _ := openStore(t)
	log := &pageCounter{Store: s}
	const n = 5*256 - 30 // five blocks of the log
	h := restartedOn(t, s, log, n)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var next int64 = 1
	pagesAtFirst := -1
	err := h.Follow(ctx, 0, func(*hub.Event) bool { return true }, func(e *hub.Event) error {
		if e.Seq != next {
			return fmt.Errorf("delivered %d, want %d", e.Seq, next)
		}
		if next == 1 {
			pagesAtFirst = log.read()
		}
		if next++; next > n {
			cancel()
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
	if next != n+1 {
		t.Fatalf("delivered up to %d, want %d", next-1, n)
	}
	// The first page is delivered while the reader is at most two ahead.
	if pagesAtFirst < 1 || pagesAtFirst > 3 {
		t.Fatalf("%d pages read before the first event was delivered, want 1 to 3 of 5", pagesAtFirst)
	}
	if got := log.read(); got != 5 {
		t.Fatalf("%d pages read for five blocks", got)
	}
}

// A replay whose database goes away ends with an error, having delivered
// a contiguous prefix of the log.
func TestReplayEndsWithAnErrorWhenTheLogIsGone(t *testing.T) {
	dir, quiet := t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := store.StartEmbedded(dir, "127.0.0.1:0", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Stop() })
	s := connect(t, emb.URI)
	const n = 8 * 256
	h := restartedOn(t, s, s, n)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var last int64
	err = h.Follow(ctx, 0, func(*hub.Event) bool { return true }, func(e *hub.Event) error {
		if e.Seq != last+1 {
			return fmt.Errorf("delivered %d after %d", e.Seq, last)
		}
		if last = e.Seq; last == 1 {
			emb.Stop()
		}
		return nil
	})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("the replay ended with %v (context: %v), want an error from the log", err, ctx.Err())
	}
	if last < 1 || last >= n {
		t.Fatalf("delivered up to %d of %d before failing", last, n)
	}
	// The database back on its address, the instance closes at once.
	if emb, err = store.StartEmbedded(dir, strings.TrimSuffix(strings.TrimPrefix(emb.URI, "mongodb://"), "/"), quiet); err != nil {
		t.Fatal(err)
	}
}

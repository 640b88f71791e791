package hub_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"convene/hub"
)

// TestFollowingToldBeforeEachDelivery: a context made by hub.Following is
// told each delivered event's position just before it is delivered, and
// not the positions of events the match skips.
func TestFollowingToldBeforeEachDelivery(t *testing.T) {
	st, _ := openStore(t)
	h := openHub(t, st)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 4 {
		if err := h.CreateCommunity(ctx, hub.SystemActor, hub.Community{Meta: hub.Meta{ID: fmt.Sprint("c", i)}, Name: fmt.Sprint("C", i)}, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	var told, delivered []int64
	done := errors.New("done")
	f := &follower{told: func(seq int64) { told = append(told, seq) }}
	fctx := hub.Following(ctx, f)
	err := h.Follow(fctx, 0, func(e *hub.Event) bool { return e.EntityID != "c1" }, func(e *hub.Event) error {
		if len(told) == 0 || told[len(told)-1] != e.Seq {
			t.Errorf("delivering %d, last told %v", e.Seq, told)
		}
		if delivered = append(delivered, e.Seq); len(delivered) == 3 {
			return done
		}
		return nil
	})
	if !errors.Is(err, done) || fmt.Sprint(told) != "[1 3 4]" || fmt.Sprint(delivered) != "[1 3 4]" {
		t.Fatalf("err %v, told %v, delivered %v; want [1 3 4] each", err, told, delivered)
	}
	if f.failed {
		t.Error("a stream its consumer stopped was told it failed")
	}
}

// follower records what Follow tells it.
type follower struct {
	told   func(seq int64)
	failed bool
}

func (f *follower) Delivering(seq int64) { f.told(seq) }
func (f *follower) Failed()              { f.failed = true }

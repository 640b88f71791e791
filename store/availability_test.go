package store

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"convene/hub"
)

// TestWritesFailUnavailableWhenTheDatabaseStops: with the database gone,
// an append fails as hub.ErrUnavailable (what the API presents as
// UNAVAILABLE), later ones fail at once with the same reason, readiness
// says why, and reads fail the same way.
func TestWritesFailUnavailableWhenTheDatabaseStops(t *testing.T) {
	emb, err := StartEmbedded(t.TempDir(), "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := Connect(ctx, emb.URI, "convene_test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.Append(ctx, event(1, "a", 1)); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(ctx); err != nil {
		t.Fatalf("ready with the database up: %v", err)
	}
	emb.Stop()
	for i, e := range []*hub.Event{event(2, "a", 2), event(2, "a", 2)} {
		if err := s.Append(ctx, e); !errors.Is(err, hub.ErrUnavailable) {
			t.Fatalf("append %d with the database stopped: %v, want ErrUnavailable", i+1, err)
		}
	}
	if err := s.Ready(ctx); err == nil {
		t.Fatal("ready with the database stopped")
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.ReadAfter(rctx, 0); !errors.Is(err, hub.ErrUnavailable) {
		t.Fatalf("reading with the database stopped: %v, want ErrUnavailable", err)
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err         error
		unavailable bool
	}{
		{errors.New("(InternalError) failed to connect to `user=postgres database=convene`: dial tcp 127.0.0.1:5432: connect: connection refused"), true},
		{errors.New("write exception: database or disk is full (13)"), true},
		{errors.New("FATAL: terminating connection due to administrator command (SQLSTATE 57P01)"), true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("(BadValue) unknown operator"), false},
	} {
		if got := errors.Is(classify(c.err), hub.ErrUnavailable); got != c.unavailable {
			t.Errorf("classify(%q): unavailable %v, want %v", c.err, got, c.unavailable)
		}
	}
}

package backup

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"convene/hub"
	"convene/store"
)

func openStore(t *testing.T) *store.Store {
	t.Helper()
	emb, err := store.StartEmbedded(t.TempDir(), "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	st, err := store.Connect(context.Background(), emb.URI, "backuptest")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	return st
}

func community(seq int64, id string, batch *hub.Batch) *hub.Event {
	return &hub.Event{Seq: seq, Type: hub.TypeCommunity, EntityID: id, Version: 1, Kind: "CommunityCreated",
		Actor: hub.SystemActor, At: time.Date(2012, 3, 14, 12, 0, 0, 0, time.UTC), Batch: batch,
		State: hub.StateOf(&hub.Community{Meta: hub.Meta{ID: id, Version: 1}, Name: id})}
}

// TestRoundTripAndRefusals: what Write wrote, Restore reads back event
// for event (an unfinished batch at the end left out); a damaged,
// truncated or foreign file, or a non-empty log, writes nothing.
func TestRoundTripAndRefusals(t *testing.T) {
	ctx := context.Background()
	src := openStore(t)
	events := []*hub.Event{community(1, "a", nil), community(2, "b", nil), community(3, "c", &hub.Batch{ID: "x", First: 3})}
	if err := src.AppendMany(ctx, events); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := Write(ctx, src, &buf, nil)
	if err != nil || n != 2 {
		t.Fatalf("write: %d %v", n, err)
	}
	file := buf.String()
	lines := strings.SplitAfter(file, "\n")

	for name, bad := range map[string]string{
		"truncated": lines[0] + lines[1],
		"damaged":   lines[0] + lines[2] + lines[1],
		"foreign":   `{"hello":"world"}` + "\n",
		"empty":     "",
		"newer":     strings.Replace(lines[0], `"version":1`, `"version":2`, 1) + lines[1] + lines[2],
	} {
		dst := openStore(t)
		if _, err := Restore(ctx, dst, strings.NewReader(bad), nil); err == nil {
			t.Errorf("%s: restored", name)
		}
		if empty, _ := dst.IsEmpty(ctx); !empty {
			t.Errorf("%s: wrote events", name)
		}
	}

	dst := openStore(t)
	var progress []int
	if n, err := Restore(ctx, dst, strings.NewReader(file), func(done, total int) { progress = append(progress, done, total) }); err != nil || n != 2 {
		t.Fatalf("restore: %d %v", n, err)
	}
	if len(progress) != 2 || progress[0] != 2 || progress[1] != 2 {
		t.Errorf("progress %v", progress)
	}
	var again bytes.Buffer
	if _, err := Write(ctx, dst, &again, nil); err != nil {
		t.Fatal(err)
	}
	_, a, _ := strings.Cut(file, "\n")
	_, b, _ := strings.Cut(again.String(), "\n")
	if a != b {
		t.Errorf("a restored log backs up differently:\n%s\n%s", a, b)
	}
	if _, err := Restore(ctx, dst, strings.NewReader(file), nil); err != ErrNotEmpty {
		t.Errorf("restoring into a non-empty log: %v", err)
	}
}

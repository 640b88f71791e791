package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"convene/hub"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestLookupsByIDUseAnIndex asks FerretDB itself, with explain, how
// SQLite runs its find by _id on the log's blocks: a scan without the
// lookup index, a search of it with IndexLookups, both on a block that
// existed before (indexed in the background) and on one created after.
func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	var alerts bytes.Buffer
	config := EmbeddedConfig{Backend: BackendSQLite, Dir: t.TempDir(), Addr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Alerts: slog.New(slog.NewTextHandler(&alerts, nil))}
	var emb *Embedded
	var s *Store
	start := func() {
		var err error
		if emb, err = StartEmbeddedConfig(config); err != nil {
			t.Fatal(err)
		}
		if s, err = Connect(ctx, emb.URI, "convene_test"); err != nil {
			t.Fatal(err)
		}
	}
	stop := func() {
		s.Close(ctx)
		emb.Stop()
	}
	start()
	t.Cleanup(func() { stop() })
	var full []*hub.Event // a whole block: a start's check refuses a short one before the last
	for seq := int64(1); seq <= blockSize; seq++ {
		full = append(full, event(seq, fmt.Sprint("c", seq), 1))
	}
	if err := s.AppendMany(ctx, full); err != nil {
		t.Fatal(err)
	}
	// SQLite compiles an explain against the schema its connection last
	// read, so a lookup comes first (it rereads a schema that changed).
	plan := func(b int64) string {
		if _, err := s.ReadEvent(ctx, b*blockSize+1); err != nil {
			t.Fatal(err)
		}
		var res bson.M
		find := bson.D{{Key: "find", Value: blockName(b)}, {Key: "filter", Value: bson.D{{Key: "_id", Value: seqID(b*blockSize + 1)}}}}
		if err := s.db.RunCommand(ctx, bson.D{{Key: "explain", Value: find}}).Decode(&res); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res["queryPlanner"])
	}
	if p := plan(0); !strings.Contains(p, "SCAN") {
		t.Fatalf("without the lookup index FerretDB's plan is %s: if its own _id index serves now, IndexLookups can go", p)
	}

	if err := s.IndexLookups(emb.DataDir()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p := plan(0); !strings.Contains(p, "USING INDEX") || !strings.Contains(p, lookupIndexSuffix); p = plan(0) {
		if time.Now().After(deadline) {
			t.Fatalf("the block made before IndexLookups is still read with %s", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Append(ctx, event(blockSize+1, "next", 1)); err != nil { // the next block, created now
		t.Fatal(err)
	}
	if p := plan(1); !strings.Contains(p, lookupIndexSuffix) {
		t.Fatalf("a block created after IndexLookups is read with %s", p)
	}
	if e, err := s.ReadEvent(ctx, blockSize+1); err != nil || e == nil || e.EntityID != "next" {
		t.Fatalf("reading through the index: %v, %v", e, err)
	}

	// The start's repair (repair.go) drops indexes FerretDB does not list,
	// but not these: after a clean stop, and after a kill (the full check).
	for _, clean := range []bool{true, false} {
		stop()
		if !clean {
			if err := os.Remove(filepath.Join(config.Dir, CleanStopFile)); err != nil {
				t.Fatal(err)
			}
		}
		start()
		for b := range int64(2) {
			if p := plan(b); !strings.Contains(p, lookupIndexSuffix) {
				t.Fatalf("after a restart (clean stop %v), block %d is read with %s; the start said %s", clean, b, p, alerts.String())
			}
		}
		if strings.Contains(alerts.String(), "removed") {
			t.Fatalf("the start's repair removed a lookup index: %s", alerts.String())
		}
	}
}

package store

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestLookupsByIDUseAnIndex asks FerretDB itself, with explain, how
// SQLite runs its find by _id on the log's blocks: a scan without the
// lookup index, a search of it with IndexLookups, both on a block that
// existed before (indexed in the background) and on one created after.
func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	emb, err := StartEmbeddedConfig(EmbeddedConfig{Backend: BackendSQLite, Dir: t.TempDir(), Addr: "127.0.0.1:0",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	s, err := Connect(ctx, emb.URI, "convene_test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx) })
	for seq := int64(1); seq <= 3; seq++ {
		if err := s.Append(ctx, event(seq, fmt.Sprint("c", seq), 1)); err != nil {
			t.Fatal(err)
		}
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
}

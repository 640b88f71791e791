package app

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"convene/export"
	"convene/hub"
	"convene/seed"
	"convene/store"
)

// TestExportStreams checks that a large export streams in bounded memory:
// with 6,000 commitments of 4 KB each (a 25 MB CSV), a client that reads
// only the header row gets it at once while the handler is still writing
// (it waits on the client, so it has not built the file), the server's
// heap grows by a small fraction of the file meanwhile, and reading on
// yields every row.
func TestExportStreams(t *testing.T) {
	const n, size = 6000, 4000
	h := bulkCommitments(t, n, size)
	description := strings.Repeat("Bulk export, \"streaming\" check. ", size/32)
	total := len(h.Model().Commitments(hub.CommitmentFilter{}, hub.CommitmentOrder{}, h.Today()))

	var finished atomic.Bool
	exports := export.Handler(h, export.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer finished.Store(true)
		exports.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	res, err := http.Get(srv.URL + "/export/commitments.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.ContentLength != -1 || len(res.TransferEncoding) == 0 || res.TransferEncoding[0] != "chunked" {
		t.Fatalf("status %d, length %d, transfer encoding %v: want a chunked stream", res.StatusCode, res.ContentLength, res.TransferEncoding)
	}
	body := bufio.NewReaderSize(res.Body, 64<<10)
	header, err := body.ReadString('\n')
	if err != nil || !strings.HasPrefix(header, "id,reference,") {
		t.Fatalf("first line %q: %v", header, err)
	}
	// The client reads no further: the handler fills the connection's
	// buffers, then waits for it.
	time.Sleep(300 * time.Millisecond)
	if finished.Load() {
		t.Fatal("the handler finished before the client read past the header row: it does not stream")
	}
	during := heap()
	fileSize := total * size
	if grown := int64(during) - int64(before); grown > int64(fileSize/10) {
		t.Errorf("the heap grew by %d bytes while streaming a file of about %d bytes: more than a tenth of it", grown, fileSize)
	} else {
		t.Logf("heap growth while streaming about %d MB: %d KB", fileSize>>20, grown>>10)
	}

	rows, err := csv.NewReader(body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != total {
		t.Errorf("read %d rows after the header, want %d", len(rows), total)
	}
	if last := rows[len(rows)-1]; last[1] != fmt.Sprintf("C-9.9-%05d", n-1) || last[3] != strings.TrimSpace(description) {
		t.Errorf("last row %.200q", last)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !finished.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !finished.Load() {
		t.Error("the handler did not finish after the client read everything")
	}
}

// bulkCommitments returns a hub on the embedded database holding the demo
// data plus n commitments with descriptions of about size bytes. Writing
// thousands through commands would take minutes on FerretDB, so they are
// stored as one checkpoint and loaded by a restart, as a
// server starts from a large database.
func bulkCommitments(t *testing.T, n, size int) *hub.Hub {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := store.StartEmbedded(t.TempDir(), "127.0.0.1:0", quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Stop)
	st, err := store.Connect(ctx, emb.URI, "convene")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	h, err := hub.Open(ctx, st, hub.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Load(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(ctx); err != nil { // writes the demo data's snapshots
		t.Fatal(err)
	}
	description := strings.Repeat("Bulk export, \"streaming\" check. ", size/32)
	at := time.Date(2014, 1, 1, 12, 0, 0, 0, time.UTC)
	snaps := make([]hub.Snapshot, n)
	for i := range snaps {
		snaps[i] = hub.Snapshot{State: hub.StateOf(&hub.Commitment{
			Meta:  hub.Meta{ID: fmt.Sprintf("C-9.9-%05d", i), Version: 1, CreatedAt: at, UpdatedAt: at},
			Title: fmt.Sprintf("Bulk commitment %d", i), Description: strings.TrimSpace(description),
			ObjectiveID: "o2-1", PillarID: "p2", LeadID: "pfd", Status: hub.NotStarted,
			Participants: []hub.Participant{{StakeholderID: "pfd", Role: hub.RoleLead}, {StakeholderID: "cpu", Role: hub.RoleSupporting}},
			StartDate:    "2014-01-01", DueDate: "2014-12-31",
		})}
	}
	// A checkpoint of an empty range of the log: states no event made.
	if err := st.SaveSnapshots(ctx, snaps, h.Model().Seq(), h.Model().Seq()); err != nil {
		t.Fatal(err)
	}
	// No tailer polls while the test weighs the heap.
	h, err = hub.Open(ctx, st, hub.Options{Logger: quiet, SnapshotInterval: -1, PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

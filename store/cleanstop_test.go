package store

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCleanStopSkipsTheFullCheck: a clean stop leaves a marker the next
// start takes (removing it first, so a process killed while serving
// leaves none) and skips the full check on; a file changed since the stop,
// or a full check older than its interval, makes the start check again.
func TestCleanStopSkipsTheFullCheck(t *testing.T) {
	dir := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var said bytes.Buffer
	start := func() *Embedded {
		t.Helper()
		said.Reset()
		emb, err := StartEmbeddedConfig(EmbeddedConfig{Dir: dir, Addr: "127.0.0.1:0", Logger: quiet, Alerts: slog.New(slog.NewTextHandler(&said, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return emb
	}
	skipped := func() bool { return strings.Contains(said.String(), "full check is skipped") }
	marker := filepath.Join(dir, CleanStopFile)

	emb := start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Connect(ctx, emb.URI, "convene")
	if err != nil {
		t.Fatal(err)
	}
	for seq := int64(1); seq <= 3; seq++ {
		if err := s.Append(ctx, event(seq, "c1", int(seq))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close(ctx)
	if skipped() {
		t.Fatal("the first start skipped the check")
	}
	emb.Stop()

	emb = start()
	if !skipped() {
		t.Fatalf("a start after a clean stop checked the files in full:\n%s", said.String())
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("the marker is still there while the database is open (%v): a kill now would vouch for files in use", err)
	}
	emb.Stop()

	if err := os.Chtimes(filepath.Join(dir, "convene.sqlite"), time.Now(), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	emb = start()
	if skipped() {
		t.Fatal("a file changed after the clean stop, and the start skipped the check")
	}
	emb.Stop()

	b, err := os.ReadFile(marker)
	if err != nil {
		t.Fatal(err)
	}
	var m cleanStop
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m.Checked = m.Checked.Add(-fullCheckInterval - time.Minute)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, b, 0o644); err != nil {
		t.Fatal(err)
	}
	emb = start()
	if skipped() {
		t.Fatal("the last full check is older than its interval, and the start skipped it")
	}
	emb.Stop()
}

package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainLinesAtEveryTenth(t *testing.T) {
	var buf bytes.Buffer
	m := New(&buf, "import", "events", 200)
	clock := m.start
	m.now = func() time.Time { return clock }
	for i := 1; i <= 200; i++ {
		clock = clock.Add(10 * time.Millisecond)
		m.Set(i)
	}
	m.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines: %q", len(lines), lines)
	}
	if lines[0] != "import: 20/200 events (10%), 100/s, about 2s left" || lines[9] != "import: 200/200 events (100%), 100/s" {
		t.Errorf("lines: %q", lines)
	}
	if strings.Contains(buf.String(), "\r") {
		t.Error("a carriage return in plain output")
	}
}

func TestTerminalRedrawsOneLine(t *testing.T) {
	var buf bytes.Buffer
	m := New(&buf, "backup", "events", 0)
	m.terminal = true
	m.Set(5)
	m.Done()
	if got := buf.String(); !strings.HasPrefix(got, "\r\033[Kbackup: 5 events") || !strings.HasSuffix(got, "\n") {
		t.Errorf("terminal output %q", got)
	}
}

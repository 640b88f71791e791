// Package progress reports how far a long command (import, backup,
// restore) has got: on a terminal one line redrawn in place with the
// count, the rate and the time left; elsewhere (a log, a pipe) a plain
// line at every tenth of the way, so that logs stay short and readable.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Meter reports the progress of one task.
type Meter struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	total    int
	terminal bool
	start    time.Time
	drawn    time.Time // when the terminal line was last drawn
	step     int       // the last tenth reported, for plain lines
	now      func() time.Time
}

// New reports to w the progress of label over total units (0: unknown).
func New(w io.Writer, label, unit string, total int) *Meter {
	return &Meter{w: w, label: label, unit: unit, total: total, terminal: IsTerminal(w), start: time.Now(), now: time.Now}
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// SetTotal sets the total once it is known.
func (m *Meter) SetTotal(total int) {
	m.mu.Lock()
	m.total = total
	m.mu.Unlock()
}

// Set reports done units.
func (m *Meter) Set(done int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.terminal {
		if now.Sub(m.drawn) < 100*time.Millisecond && done != m.total {
			return
		}
		m.drawn = now
		fmt.Fprintf(m.w, "\r\033[K%s", m.line(done, now))
		return
	}
	if m.total <= 0 {
		return
	}
	if step := done * 10 / m.total; step > m.step || done == m.total && m.step < 10 {
		m.step = step
		fmt.Fprintln(m.w, m.line(done, now))
	}
}

// Done ends the report.
func (m *Meter) Done() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.terminal {
		fmt.Fprintln(m.w)
	}
}

// line is "label: done/total unit (p%), rate/s, about t left".
func (m *Meter) line(done int, now time.Time) string {
	elapsed := now.Sub(m.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	if m.total <= 0 {
		return fmt.Sprintf("%s: %d %s, %.0f/s", m.label, done, m.unit, rate)
	}
	s := fmt.Sprintf("%s: %d/%d %s (%d%%), %.0f/s", m.label, done, m.total, m.unit, done*100/m.total, rate)
	if done < m.total && rate > 0 {
		left := time.Duration(float64(m.total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s
}

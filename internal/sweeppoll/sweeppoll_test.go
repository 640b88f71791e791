package sweeppoll

import (
	"runtime"
	"testing"
	"time"
)

// eventually waits up to five seconds for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s (counts %+v)", what, Read())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPollsAfterEachCollection: every collection is seen, the network is
// polled after it, and the polling stops once a sweep's time is over, so
// an idle server does not poll.
func TestPollsAfterEachCollection(t *testing.T) {
	Start()
	Start() // once per process
	for range 3 {
		before := Read()
		runtime.GC()
		eventually(t, "a collection seen and polled after", func() bool {
			c := Read()
			return c.Sweeps > before.Sweeps && c.Polls > before.Polls
		})
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	d := window(m.HeapInuse)
	time.Sleep(d + 50*time.Millisecond)
	idle := Read()
	time.Sleep(d + 50*time.Millisecond)
	if c := Read(); c.Polls != idle.Polls && c.Sweeps == idle.Sweeps {
		t.Fatalf("polled %d times with no collection", c.Polls-idle.Polls)
	}
}

// TestPollsAgainDuringTheWindow: after one collection the poller polls
// again and again through its window, not once (a timer that the sweeper
// starves would poll once). The window here is about 16 ms, 160 intervals;
// three polls leave room for a machine whose other cores are busy.
func TestPollsAgainDuringTheWindow(t *testing.T) {
	Start()
	keep := make([][]byte, 0, 1<<17)
	for range cap(keep) {
		keep = append(keep, make([]byte, 1024)) // 128 MB in use
	}
	before := Read()
	runtime.GC()
	eventually(t, "the poller polling 3 times after one collection", func() bool {
		return Read().Polls-before.Polls >= 3
	})
	runtime.KeepAlive(keep)
}

// TestSeesEachSweepEnd: after each collection the end sentinel records
// it, which is what lets the polling stop when the sweep does rather than
// after a guess of its length.
func TestSeesEachSweepEnd(t *testing.T) {
	Start()
	for range 3 {
		before := Read()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		eventually(t, "the sweep's start and its end seen", func() bool {
			return Read().Sweeps > before.Sweeps && ended.Load() >= uint64(m.NumGC)
		})
	}
}

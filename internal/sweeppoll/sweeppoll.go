// Package sweeppoll keeps a server's network polled while the Go runtime
// sweeps its heap after each collection.
//
// The runtime's background sweeper yields every ten spans, but only to the
// global run queue, and the scheduler takes it straight back: it polls the
// network only when both run queues are empty, or when sysmon finds the
// network unpolled for 10 ms. On a process with one P (a server on one
// core) a sweep therefore leaves every request that arrives meanwhile
// unread until it ends: about 5 ms after each collection of Convene's
// default dataset, in which no request runs. Starting the world polls the
// network, and the requests it finds ready go to the local run queue,
// which the scheduler serves before the global one; runtime.ReadMemStats
// stops and starts the world in about a microsecond. So after each
// collection this package reads the memory statistics every Interval, for
// as long as a sweep of the heap in use can take.
//
// A collection is seen by a sentinel object re-armed every cycle: an
// 8-byte object, whose finalizer runs as soon as a sweep reaches its span
// (the runtime sweeps the small size classes first, and allocations of
// that class sweep its spans at once).
package sweeppoll

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// Interval is how often the network is polled during a sweep: at
	// most this long is added to the wait of a request that arrives
	// while the sweeper runs.
	Interval = 100 * time.Microsecond
	// perPage is the polling a sweep is given for each 8 KB page of the
	// heap in use: a sweep takes about 0.6 µs a page on this project's
	// machines, and the margin covers a core shared with other work.
	perPage  = time.Microsecond
	pageSize = 8 << 10
	// minSweep and maxSweep bound the polling after a collection.
	minSweep, maxSweep = time.Millisecond, 500 * time.Millisecond
)

// Counts is what the poller has done since Start.
type Counts struct {
	Sweeps int64 // collections seen
	Polls  int64 // polls of the network after them
}

var (
	once   sync.Once
	swept  = make(chan struct{}, 1)
	sweeps atomic.Int64
	polls  atomic.Int64
)

// Start starts polling the network during sweeps, once per process;
// later calls do nothing.
func Start() {
	once.Do(func() {
		go poll()
		arm()
	})
}

// Read returns the counts so far.
func Read() Counts {
	return Counts{Sweeps: sweeps.Load(), Polls: polls.Load()}
}

// arm makes the sentinel: garbage at the next collection, its finalizer
// signals and re-arms it. A finalizer, not a cleanup: the runtime queues a
// finalizer as soon as the sweep reaches its object, and cleanups in
// batches, at the latest when the sweep ends. The send never blocks the
// runtime's finalizer goroutine.
func arm() {
	runtime.SetFinalizer(new(*byte), func(*(*byte)) {
		select {
		case swept <- struct{}{}:
		default:
		}
		arm()
	})
}

// window is how long the network is polled after a collection of a heap
// with inUse bytes in use.
func window(inUse uint64) time.Duration {
	return min(max(time.Duration(inUse/pageSize)*perPage, minSweep), maxSweep)
}

func poll() {
	var m runtime.MemStats
	for range swept {
		sweeps.Add(1)
		runtime.ReadMemStats(&m) // stops and starts the world: polls the network
		polls.Add(1)
		d := window(m.HeapInuse)
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			select {
			case <-swept: // the next collection already
				sweeps.Add(1)
				deadline = time.Now().Add(d)
			default:
			}
			time.Sleep(Interval)
			runtime.ReadMemStats(&m)
			polls.Add(1)
		}
	}
}

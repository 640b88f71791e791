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
// collection this package reads the memory statistics every Interval
// until the sweep is over.
//
// A sweep is seen by two sentinel objects re-armed every cycle, each
// with a finalizer, which runs as soon as the sweep reaches its span.
// The runtime sweeps size class by size class, large objects first: an
// 8-byte object (class 1) marks the start, one of the last class (32 KB)
// the end, which records the collection it ended. Allocating in a class
// sweeps that class's spans at once, so either can be seen early: the
// polling lasts at least as long as a sweep of the heap in use takes on
// this project's machines, and it stops at maxSweep if the end is never
// seen.
package sweeppoll

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// Interval is how often the network is polled during a sweep: at
	// most this long is added to the wait of a request that arrives
	// while the sweeper runs.
	Interval = 100 * time.Microsecond
	// perPage is the least polling a sweep is given for each 8 KB page
	// of the heap in use, should its end be seen early: a sweep takes
	// about 0.6 µs a page on this project's machines.
	perPage  = time.Microsecond
	pageSize = 8 << 10
	// minSweep and maxSweep bound the polling after a collection (the
	// end of a sweep not seen).
	minSweep, maxSweep = time.Millisecond, 500 * time.Millisecond
)

// Counts is what the poller has done since Start.
type Counts struct {
	Sweeps int64 // collections seen
	Polls  int64 // polls of the network after them
}

var (
	once  sync.Once
	swept = make(chan struct{}, 1) // a sweep began
	// ended is the number of the collection whose sweep the end sentinel
	// last saw (runtime.MemStats.NumGC's count).
	ended  atomic.Uint64
	sweeps atomic.Int64
	polls  atomic.Int64
)

// Start starts polling the network during sweeps, once per process;
// later calls do nothing.
func Start() {
	once.Do(func() {
		go poll()
		arm()
		armEnd()
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

// endSentinel is the largest object without pointers the runtime
// allocates in a size class (32768 bytes, the last) rather than alone.
type endSentinel [32<<10 - 8]byte

// armEnd is arm for the end of a sweep.
func armEnd() {
	runtime.SetFinalizer(new(endSentinel), func(*endSentinel) {
		cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
		metrics.Read(cycles)
		ended.Store(cycles[0].Value.Uint64())
		armEnd()
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
		start := time.Now()
		over := func() bool { return ended.Load() >= uint64(m.NumGC) }
		for now := start; now.Sub(start) < d || !over() && now.Sub(start) < maxSweep; now = time.Now() {
			select {
			case <-swept: // the next collection already
				sweeps.Add(1)
				start = time.Now()
			default:
			}
			time.Sleep(Interval)
			runtime.ReadMemStats(&m)
			polls.Add(1)
		}
	}
}

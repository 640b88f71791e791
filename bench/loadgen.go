package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The load generator speaks HTTP/1.1 itself over keep-alive connections,
// writing pre-built request bytes and parsing only the status line, the
// framing headers and the body's length. It costs a fraction of net/http's
// client, so that one core of load can saturate one core of server.

// reqSet is the requests of one workload against one target; workers take
// them round-robin.
type reqSet struct {
	addr string
	pid  int // the server's, to tell its CPU from other processes
	reqs [][]byte
	// check, when set, validates each response body; a false is an error.
	check func(status int, body []byte) bool
	// byRequest keeps each request's latencies apart (loadResult.ByReq).
	byRequest bool
	// spans keeps each fixed-rate request's hand-out and end times
	// (loadResult.Spans).
	spans bool
}

// httpRequest builds the bytes of one request.
func httpRequest(addr, method, path string, body []byte, headers ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, addr)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", headers[i], headers[i+1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// client is one keep-alive connection.
type client struct {
	addr  string
	c     net.Conn
	br    *bufio.Reader
	body  []byte
	ctype string // Content-Type of the last response kept
}

func (cl *client) connect() error {
	if cl.c != nil {
		cl.c.Close()
	}
	c, err := net.DialTimeout("tcp", cl.addr, 5*time.Second)
	if err != nil {
		cl.c = nil
		return err
	}
	cl.c = c
	if cl.br == nil {
		cl.br = bufio.NewReaderSize(c, 64<<10)
	} else {
		cl.br.Reset(c)
	}
	return nil
}

func (cl *client) close() {
	if cl.c != nil {
		cl.c.Close()
		cl.c = nil
	}
}

var errBadResponse = errors.New("malformed HTTP response")

// do sends req and reads the response; the body is kept in cl.body when
// keep is set, otherwise discarded.
func (cl *client) do(req []byte, keep bool) (status int, n int, err error) {
	for attempt := 0; ; attempt++ {
		if cl.c == nil {
			if err := cl.connect(); err != nil {
				return 0, 0, err
			}
		}
		status, n, err = cl.roundTrip(req, keep)
		if err == nil {
			return status, n, nil
		}
		cl.close()
		// A keep-alive connection the server closed while idle: retry once.
		if attempt > 0 || n > 0 || status != 0 {
			return status, n, err
		}
	}
}

func (cl *client) roundTrip(req []byte, keep bool) (status, n int, err error) {
	cl.c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := cl.c.Write(req); err != nil {
		return 0, 0, err
	}
	line, err := cl.br.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, 0, errBadResponse
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, errBadResponse
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := cl.br.ReadSlice('\n')
		if err != nil {
			return status, 0, err
		}
		if len(h) <= 2 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "content-length"):
			length, err = strconv.Atoi(string(value))
			if err != nil {
				return status, 0, errBadResponse
			}
		case asciiEqualFold(name, "transfer-encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "connection"):
			closing = asciiEqualFold(value, "close")
		case keep && asciiEqualFold(name, "content-type"):
			cl.ctype = string(value)
		}
	}
	cl.body = cl.body[:0]
	switch {
	case chunked:
		for {
			sz, err := cl.br.ReadSlice('\n')
			if err != nil {
				return status, n, err
			}
			sz = bytes.TrimSpace(sz)
			if i := bytes.IndexByte(sz, ';'); i >= 0 {
				sz = sz[:i]
			}
			size, err := strconv.ParseInt(string(sz), 16, 64)
			if err != nil {
				return status, n, errBadResponse
			}
			if size == 0 {
				for { // trailers
					t, err := cl.br.ReadSlice('\n')
					if err != nil {
						return status, n, err
					}
					if len(t) <= 2 {
						break
					}
				}
				break
			}
			if err := cl.readBody(int(size), keep); err != nil {
				return status, n, err
			}
			n += int(size)
			if _, err := cl.br.Discard(2); err != nil {
				return status, n, err
			}
		}
	case length >= 0:
		if err := cl.readBody(length, keep); err != nil {
			return status, n, err
		}
		n = length
	default:
		return status, 0, errBadResponse // no framing: this generator needs one
	}
	if closing {
		cl.close()
	}
	return status, n, nil
}

func (cl *client) readBody(n int, keep bool) error {
	if !keep {
		_, err := cl.br.Discard(n)
		return err
	}
	start := len(cl.body)
	cl.body = slices.Grow(cl.body, n)[:start+n]
	_, err := io.ReadFull(cl.br, cl.body[start:])
	return err
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// loadResult is one load phase's outcome.
type loadResult struct {
	Requests  int
	Errors    int
	FirstErr  string
	Wall      time.Duration
	Bytes     int64
	Lat       []time.Duration // sorted
	ClientCPU float64         // the generator's CPU time / wall time (1.0 = one core)
	Rate      float64         // offered rate (fixed-rate phases)
	// ForeignSrv and ForeignCli are the shares of the server's and the
	// generator's cores that other processes used meanwhile.
	ForeignSrv, ForeignCli float64
	Others                 string // the busiest of those processes
	// ServerCPU is the server process's own CPU time (user + system)
	// over the phase: per request, a cost that other load on its core
	// does not inflate as it does the rates.
	ServerCPU time.Duration
	// ByReq is the latencies of each of the set's requests, in the order
	// they were sent, when the set asked for them (reqSet.byRequest).
	ByReq [][]time.Duration
	// Fixed-rate phases: Handed is the latencies (sorted) counted from
	// the moment the pacer handed each request out rather than from its
	// scheduled time, and PacerLate (sorted) how late the pacer was: the
	// part of Lat that is the generator's own.
	Handed, PacerLate []time.Duration
	// Spans is each request's hand-out and end on the wall clock, in the
	// order answered, when the set asked for them (reqSet.spans).
	Spans []reqSpan
}

// cpuPerRequest is the server's CPU time per answered request, or 0.
func (r loadResult) cpuPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Requests)
}

func (r loadResult) throughput() float64 { return float64(r.Requests) / r.Wall.Seconds() }

// busy is the share of one core the server spent over the phase: its CPU
// time over the wall time.
func (r loadResult) busy() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return r.ServerCPU.Seconds() / r.Wall.Seconds()
}

func (r loadResult) pct(p float64) time.Duration { return percentile(r.Lat, p) }

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)))
	return sorted[min(i, len(sorted)-1)]
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type worker struct {
	cl     client
	lat    []time.Duration
	handed []time.Duration // fixed-rate phases: from the pacer's hand-out
	reqs   []int32         // the request each latency is of
	spans  []reqSpan       // fixed-rate phases, when the set asks
	errs   int
	first  string
	bytes  int64
}

func (w *worker) one(rs *reqSet, req []byte) (time.Duration, bool) {
	t := time.Now()
	status, n, err := w.cl.do(req, rs.check != nil)
	d := time.Since(t)
	w.bytes += int64(n)
	ok := err == nil && status == 200 && (rs.check == nil || rs.check(status, w.cl.body))
	if !ok {
		w.errs++
		if w.first == "" {
			switch {
			case err != nil:
				w.first = err.Error()
			default:
				w.first = fmt.Sprintf("HTTP %d: %.300s", status, w.cl.body)
			}
		}
	}
	return d, ok
}

func collect(rs *reqSet, ws []*worker, wall time.Duration, cpu time.Duration) loadResult {
	r := loadResult{Wall: wall, ClientCPU: cpu.Seconds() / wall.Seconds()}
	if rs.byRequest {
		r.ByReq = make([][]time.Duration, len(rs.reqs))
	}
	for _, w := range ws {
		if r.ByReq != nil {
			for i, k := range w.reqs {
				r.ByReq[k] = append(r.ByReq[k], w.lat[i])
			}
		}
		r.Lat = append(r.Lat, w.lat...)
		r.Handed = append(r.Handed, w.handed...)
		r.Spans = append(r.Spans, w.spans...)
		r.Errors += w.errs
		r.Bytes += w.bytes
		if r.FirstErr == "" {
			r.FirstErr = w.first
		}
		w.cl.close()
	}
	r.Requests = len(r.Lat)
	slices.Sort(r.Lat)
	slices.Sort(r.Handed)
	return r
}

// noGC stops the generator's own garbage collection for a phase (a
// memory limit stands in), and returns what restores it: on its one core
// a mark phase of the harness's heap took 10–240 ms of wall time, delaying
// requests that a fixed-rate phase then charges to the server.
func noGC() (restore func()) {
	runtime.GC()
	pct, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(4<<30)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

// closedLoop runs conns workers that each send the next request as soon as
// the previous answer arrives, for d: the peak throughput.
func closedLoop(rs *reqSet, conns int, d time.Duration) loadResult {
	defer noGC()()
	ws := make([]*worker, conns)
	var next atomic.Uint64
	var wg sync.WaitGroup
	fm := startForeign(rs.pid)
	cpu0, start := cpuTime(), time.Now()
	deadline := start.Add(d)
	for i := range ws {
		w := &worker{cl: client{addr: rs.addr}, lat: make([]time.Duration, 0, 1<<14), reqs: make([]int32, 0, 1<<14)}
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				k := int(next.Add(1)-1) % len(rs.reqs)
				d, _ := w.one(rs, rs.reqs[k])
				w.lat, w.reqs = append(w.lat, d), append(w.reqs, int32(k))
			}
		}()
	}
	wg.Wait()
	r := collect(rs, ws, time.Since(start), cpuTime()-cpu0)
	r.ForeignSrv, r.ForeignCli = fm.stop()
	r.ServerCPU = fm.srvUsed
	r.Others = fm.busiestOthers()
	return r
}

// fixedRate sends rate requests a second for d on up to conns connections,
// each request scheduled at its own time; latency counts from the
// scheduled time, so a server that falls behind is charged for the wait
// (no coordinated omission, as in wrk2).
func fixedRate(rs *reqSet, conns int, rate float64, d time.Duration) loadResult {
	defer noGC()()
	// Two Ps on the generator's one core: the pacer's sleep in the kernel
	// holds one, the workers run on the other (with one, they waited for
	// each sleep to end, and a fast server's latencies were the pacer's).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	total := int(rate * d.Seconds())
	// A slot is a request's scheduled time and the moment the pacer
	// handed it out, which is the generator's own lateness.
	type slot struct{ at, out time.Time }
	sched := make(chan slot, min(total, 1<<20))
	late := make([]time.Duration, 0, total) // the pacer's; read after the workers are done
	ws := make([]*worker, conns)
	var next atomic.Uint64
	var wg sync.WaitGroup
	fm := startForeign(rs.pid)
	cpu0, start := cpuTime(), time.Now()
	go func() {
		defer close(sched)
		period := time.Duration(float64(time.Second) / rate)
		for i := range total {
			at := start.Add(time.Duration(i) * period)
			if wait := time.Until(at); wait > 0 {
				sleepPrecisely(wait)
			}
			out := time.Now()
			late = append(late, out.Sub(at))
			sched <- slot{at, out}
		}
	}()
	for i := range ws {
		w := &worker{cl: client{addr: rs.addr}, lat: make([]time.Duration, 0, total/conns+64), handed: make([]time.Duration, 0, total/conns+64),
			reqs: make([]int32, 0, total/conns+64)}
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range sched {
				k := int(next.Add(1)-1) % len(rs.reqs)
				w.one(rs, rs.reqs[k])
				end := time.Now()
				w.lat, w.reqs = append(w.lat, end.Sub(s.at)), append(w.reqs, int32(k))
				w.handed = append(w.handed, end.Sub(s.out))
				if rs.spans {
					w.spans = append(w.spans, reqSpan{s.out.UnixNano(), end.UnixNano()})
				}
			}
		}()
	}
	wg.Wait()
	r := collect(rs, ws, time.Since(start), cpuTime()-cpu0)
	r.Rate = rate
	slices.Sort(late)
	r.PacerLate = late
	r.ForeignSrv, r.ForeignCli = fm.stop()
	r.ServerCPU = fm.srvUsed
	r.Others = fm.busiestOthers()
	return r
}

// sleepPrecisely sleeps for d in the kernel. The runtime's timers wake a
// sleeper on an idle core up to a millisecond late (its network poller
// waits in whole milliseconds): a pacer on them handed requests out about
// half a millisecond late at the median, a lateness every latency counted
// from the schedule included. The kernel's sleep wakes within tens of
// microseconds.
func sleepPrecisely(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

// fetch sends one request on a fresh connection and returns the body.
func fetch(addr string, req []byte) (int, []byte, error) {
	status, body, _, err := fetchCT(addr, req)
	return status, body, err
}

// fetchCT is fetch that also returns the Content-Type.
func fetchCT(addr string, req []byte) (int, []byte, string, error) {
	cl := client{addr: addr}
	defer cl.close()
	status, _, err := cl.do(req, true)
	return status, slices.Clone(cl.body), cl.ctype, err
}

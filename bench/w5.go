package main

import (
	"fmt"
	"time"
)

// w5Row is one fan-out measurement: one server, n subscribers.
type w5Row struct {
	n                      int
	target                 string
	connected              int
	connect                time.Duration // to open this level's new subscriptions
	rss0                   int64         // before any subscriber
	rss1                   int64         // with every subscriber idle
	memNote                string        // why the memory figure is not comparable, if it is not
	idleCPU                time.Duration // CPU over idleWin, subscribers connected, no event
	idleWin                time.Duration
	cpu                    time.Duration // CPU from the first publish until all were delivered
	window                 time.Duration
	events                 int
	lat                    []time.Duration
	foreignSrv, foreignCli float64
	missing                int
	dups                   int64
	errs                   int64
	note                   string
}

func (r *w5Row) kbPerSub() float64 {
	if r.connected == 0 || r.rss1 == 0 {
		return 0
	}
	return float64(r.rss1-r.rss0) / 1024 / float64(r.connected)
}

// saturated reports whether the server was already busy (20% of its core
// or more) with no event to deliver: its CPU per event cannot then be read
// from /proc, since events displace idle work that varies by more than
// they cost.
func (r *w5Row) saturated() bool {
	return r.idleWin > 0 && float64(r.idleCPU) >= 0.2*float64(r.idleWin)
}

// cpuPerEvent is the CPU the server spent per event, less what it spends
// idle with the same subscribers over the same time.
func (r *w5Row) cpuPerEvent() time.Duration {
	if r.events == 0 || r.saturated() {
		return 0
	}
	net := r.cpu
	if r.idleWin > 0 {
		net -= time.Duration(float64(r.idleCPU) * r.window.Seconds() / r.idleWin.Seconds())
	}
	return max(net, 0) / time.Duration(r.events)
}

func (r *w5Row) rawCPUPerEvent() time.Duration {
	if r.events == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.events)
}

const (
	w5Convene = "Convene binary (live transport)"
	w5Replica = "Convene live transport, in-process"
	w5B3      = "B3 gqlgen transport.Websocket"
	w5Raw     = "raw WebSocket broadcast"
)

// w5Server is a server to fan out from.
type w5Server struct {
	target  string
	addr    string
	pid     int
	pub     publisher
	memNote string
	// atLast, when set, runs at the last level with every subscriber idle;
	// duringLast runs while that level's events are published.
	atLast     func()
	duringLast func(d time.Duration)
	// freeMem, when set, makes the server return its idle memory to the
	// OS before each RSS reading (the in-process server can).
	freeMem func()
}

// fanOut connects subscribers level by level (cfg.subs, cumulatively: the
// subscribers of one level stay for the next) and, at each level,
// publishes a warm-up outcome and then cfg.w5Events outcomes a second
// apart, measuring delivery, CPU and memory.
func fanOut(cfg *config, res *results, s w5Server) {
	events := cfg.w5Events
	drain, idle := 30*time.Second, 3*time.Second
	if cfg.quick {
		drain, idle = 10*time.Second, 2*time.Second
	}
	levels := cfg.subs
	f := newFleet(s.addr, levels[len(levels)-1], len(levels)*(events+1))
	defer f.close()
	if s.freeMem != nil {
		s.freeMem()
	}
	rss0 := settledRSS(s.pid, 30*time.Second)
	base := 0
	for li, n := range levels {
		row := &w5Row{n: n, target: s.target, events: events, rss0: rss0, memNote: s.memNote}
		t := time.Now()
		err := f.grow(n, 3*time.Minute)
		row.connect = time.Since(t)
		row.connected = f.connected()
		if err != nil {
			row.note += "; " + err.Error()
			res.warn("W5 %s with %d subscribers: %v", s.target, n, err)
		}
		// A warm-up event, which also shows every subscription is live.
		time.Sleep(time.Second)
		if err := s.pub.publish(base); err != nil {
			row.note += "; warm-up: " + err.Error()
			res.warn("W5 %s: %v", s.target, err)
			res.w5 = append(res.w5, row)
			return
		}
		if !f.waitFor(base, drain) {
			row.note += fmt.Sprintf("; warm-up reached %d/%d", f.received[base].Load(), row.connected)
		}
		time.Sleep(time.Second)
		if s.freeMem != nil {
			s.freeMem()
		}
		row.rss1 = procRSS(s.pid)
		last := li == len(levels)-1
		if last && s.atLast != nil {
			s.atLast()
		}
		c0 := procCPU(s.pid)
		time.Sleep(idle)
		row.idleCPU, row.idleWin = procCPU(s.pid)-c0, idle

		done := make(chan struct{})
		if last && s.duringLast != nil {
			go func() {
				defer close(done)
				s.duringLast(time.Duration(events) * time.Second)
			}()
		} else {
			close(done)
		}
		fm := startForeign(s.pid)
		cpu0, start := procCPU(s.pid), time.Now()
		for k := 1; k <= events; k++ {
			if wait := time.Until(start.Add(time.Duration(k-1) * time.Second)); wait > 0 {
				time.Sleep(wait)
			}
			if err := s.pub.publish(base + k); err != nil {
				row.note += fmt.Sprintf("; publish %d: %v", k, err)
			}
		}
		deadline := time.Now().Add(drain)
		for k := 1; k <= events; k++ {
			f.waitFor(base+k, time.Until(deadline))
		}
		row.cpu, row.window = procCPU(s.pid)-cpu0, time.Since(start)
		row.foreignSrv, row.foreignCli = fm.stop()
		if row.foreignSrv > 0.1 || row.foreignCli > 0.1 {
			if o := fm.busiestOthers(); o != "" {
				logf("  other processes during W5 %d %s: %s", n, s.target, o)
			}
		}
		<-done
		row.lat, row.missing = f.latencies(base+1, base+events)
		row.dups, row.errs = f.dups.Load(), f.errMsgs.Load()
		if row.errs > 0 {
			row.note += fmt.Sprintf("; %d error/complete messages so far, first: %.200s", row.errs, f.firstErr.Load())
		}
		if row.dups > 0 {
			row.note += fmt.Sprintf("; %d duplicates so far", row.dups)
		}
		res.w5 = append(res.w5, row)
		cpuNote := fmtDur(row.cpuPerEvent())
		if row.saturated() {
			cpuNote = "n/a (busy when idle)"
		}
		logf("W5 %6d subs %-36s connected %d (+%s) | p50 %7s p99 %7s | missing %d | CPU/event %s (raw %s, idle %.0f ms/s) | %.1f KB/subscriber%s",
			n, s.target, row.connected, row.connect.Round(time.Millisecond), fmtDur(percentile(row.lat, 50)), fmtDur(percentile(row.lat, 99)),
			row.missing, cpuNote, fmtDur(row.rawCPUPerEvent()), float64(row.idleCPU.Milliseconds())/row.idleWin.Seconds(), row.kbPerSub(), row.note)
		base += events + 1
	}
}

// settledRSS waits (up to max) until the process's RSS stops moving, as
// the Go runtime returns the memory a start-up left free, and returns it.
func settledRSS(pid int, max time.Duration) int64 {
	deadline := time.Now().Add(max)
	var last []int64
	for {
		last = append(last, procRSS(pid))
		if n := len(last); n >= 3 {
			lo, hi := last[n-3], last[n-3]
			for _, v := range last[n-3:] {
				lo, hi = min(lo, v), maxInt(hi, v)
			}
			if float64(hi-lo) <= 0.005*float64(hi) || time.Now().After(deadline) {
				return last[n-1]
			}
		}
		time.Sleep(2 * time.Second)
	}
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

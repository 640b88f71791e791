package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// soakSubscription is what the soak's subscribers follow: every progress
// report its writes make reaches each of them.
const soakSubscription = `subscription Soak { commitmentUpdated { cursor kind commitment { id version progress } } }`

// soakResult is the server's resources at the start (after warm-up) and at
// the end of a soak: subscribers connecting and leaving while writes run.
type soakResult struct {
	dur, warm              time.Duration
	slots                  int
	writeRate              float64
	start, end             soakSample
	joined, left, received int64
	subErrors              int64
	firstSubErr            string
	writes                 loadResult
}

type soakSample struct {
	rss        int64
	goroutines int
	fds        int
}

func sampleSoak(pid int, addr string) soakSample {
	s := soakSample{rss: procRSS(pid), goroutines: -1, fds: -1}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.fds = len(ents)
	}
	if status, body, err := fetch(addr, httpRequest(addr, "GET", "/metrics", nil)); err == nil && status == 200 {
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("go_goroutines ")); ok {
				s.goroutines, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
	}
	return s
}

// runSoak runs, for warm-up plus -soak-duration, W4's mutation at a fixed
// rate and -soak-subscribers slots each holding a graphql-transport-ws
// subscription for a random 0.5–3 s, closing it and opening the next; it
// samples the server after the warm-up and at the end, both under load.
func runSoak(cfg *config, res *results, cv *convene, ex *export, token string) *soakResult {
	targets := w4Targets(cfg, ex)
	var bodies [][]byte
	for i := range 1000 {
		c := targets[i%len(targets)]
		bodies = append(bodies, gqlBody(mutationW4, map[string]any{"in": map[string]any{
			"commitmentId": c.ID, "progress": 1 + i%99, "status": "ON_TRACK", "note": fmt.Sprintf("Soak report %d", i)}}))
	}
	rs := &reqSet{addr: cv.addr, pid: cv.pid(), reqs: posts(cv.addr, bodies, "Authorization", "Bearer "+token), check: okMutation}
	r := &soakResult{dur: cfg.soakDur, warm: min(30*time.Second, cfg.soakDur/5), slots: cfg.soakSubs, writeRate: cfg.soakRate}
	logf("soak: %s (after %s of warm-up): %d subscriber slots connecting and leaving, %.0f writes/s", r.dur, r.warm, r.slots, r.writeRate)

	ctx, cancel := context.WithCancel(context.Background())
	sub, _ := json.Marshal(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": soakSubscription}})
	hc := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}}
	var subErr atomic.Value
	var wg sync.WaitGroup
	for i := range r.slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.seed, uint64(i)))
			for ctx.Err() == nil {
				c, err := dialSubscriber(ctx, hc, cv.addr, sub)
				if err != nil {
					if ctx.Err() == nil {
						atomic.AddInt64(&r.subErrors, 1)
						subErr.CompareAndSwap(nil, err.Error())
						time.Sleep(100 * time.Millisecond)
					}
					continue
				}
				atomic.AddInt64(&r.joined, 1)
				life, stop := context.WithTimeout(ctx, time.Duration(500+rng.IntN(2500))*time.Millisecond)
				for {
					_, msg, err := c.Read(life)
					if err != nil {
						break
					}
					if bytes.Contains(msg, []byte(`"next"`)) {
						atomic.AddInt64(&r.received, 1)
					}
				}
				stop()
				c.CloseNow()
				atomic.AddInt64(&r.left, 1)
			}
		}()
	}
	done := make(chan loadResult)
	go func() { done <- fixedRate(rs, 4, r.writeRate, r.warm+r.dur) }()
	time.Sleep(r.warm)
	r.start = sampleSoak(cv.pid(), cv.addr)
	logf("soak start: RSS %.1f MiB, %d goroutines, %d open files", float64(r.start.rss)/(1<<20), r.start.goroutines, r.start.fds)
	for left := r.dur; left > 0; left -= time.Minute {
		time.Sleep(min(left, time.Minute))
		s := sampleSoak(cv.pid(), cv.addr)
		logf("  soak: RSS %.1f MiB, %d goroutines, %d open files; %d subscriptions opened, %d messages",
			float64(s.rss)/(1<<20), s.goroutines, s.fds, atomic.LoadInt64(&r.joined), atomic.LoadInt64(&r.received))
	}
	r.writes = <-done
	r.end = sampleSoak(cv.pid(), cv.addr)
	cancel()
	wg.Wait()
	if e, ok := subErr.Load().(string); ok {
		r.firstSubErr = e
	}
	logf("soak end: RSS %.1f MiB, %d goroutines, %d open files; %d writes (%d errors), %d subscriptions opened and closed, %d messages, %d failed connections",
		float64(r.end.rss)/(1<<20), r.end.goroutines, r.end.fds, r.writes.Requests, r.writes.Errors, r.joined, r.received, r.subErrors)
	for _, c := range r.changes() {
		if !c.ok {
			res.warn("soak: %s changed by %s (target within 10%%)", c.what, pct(c.change))
		}
	}
	return r
}

type soakChange struct {
	what       string
	start, end string
	change     float64
	ok         bool
}

func (r *soakResult) changes() []soakChange {
	ch := func(what string, a, b float64, f func(float64) string) soakChange {
		c := soakChange{what: what, start: f(a), end: f(b)}
		if a > 0 {
			c.change = (b - a) / a
		}
		c.ok = a > 0 && b >= 0 && c.change <= 0.10 && c.change >= -0.10
		return c
	}
	mib := func(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) }
	n := func(v float64) string { return strconv.Itoa(int(v)) }
	return []soakChange{
		ch("RSS", float64(r.start.rss), float64(r.end.rss), mib),
		ch("goroutines", float64(r.start.goroutines), float64(r.end.goroutines), n),
		ch("open files", float64(r.start.fds), float64(r.end.fds), n),
	}
}

func pct(f float64) string { return fmt.Sprintf("%+.1f%%", 100*f) }

func (r *soakResult) render(p func(string, ...any)) {
	p("\n## Soak (`-only soak`)\n\n")
	p("%s after %s of warm-up, on the binary (SQLite): %d slots each holding a `graphql-transport-ws` subscription of\n", r.dur, r.warm, r.slots)
	p("`commitmentUpdated` for 0.5–3 s, then leaving and opening the next, while W4's mutation runs at %.0f writes/s.\n", r.writeRate)
	p("%d subscriptions opened and closed, %d messages received, %d failed connections; %d writes, %d errors, p99 %s.\n",
		r.joined, r.received, r.subErrors, r.writes.Requests, r.writes.Errors, fmtDur(r.writes.pct(99)))
	if r.firstSubErr != "" {
		p("First failed connection: %s.\n", r.firstSubErr)
	}
	p("Both readings under load: RSS from `/proc/<pid>/status`, goroutines from `/metrics` (`go_goroutines`), open files\n")
	p("from `/proc/<pid>/fd`.\n\n| | after warm-up | at the end | change | within 10%% |\n|---|--:|--:|--:|---|\n")
	for _, c := range r.changes() {
		p("| %s | %s | %s | %s | %s |\n", c.what, c.start, c.end, pct(c.change), verdict(c.ok))
	}
}

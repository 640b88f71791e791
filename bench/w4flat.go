package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// W4 flat: W4's mutation, -w4flat-writes times in a row over the same
// commitments, as a closed loop on W4's connections, each write's latency
// kept in the order the writes were sent. A commitment's events, state and
// checkpoints must not grow with its reports, so the last thousand writes
// should take as long as the first thousand.

// w4Targets are the commitments W4 writes to: 200 picked with the seed.
func w4Targets(cfg *config, ex *export) []*exCommitment {
	rng := rand.New(rand.NewPCG(cfg.seed, 4))
	targets := make([]*exCommitment, 0, 200)
	for _, i := range rng.Perm(len(ex.Commitments))[:min(200, len(ex.Commitments))] {
		targets = append(targets, ex.Commitments[i])
	}
	return targets
}

type w4FlatResult struct {
	writes, targets, errors int
	firstErr                string
	wall                    time.Duration
	lat                     []time.Duration // by write, in the order sent
}

// window is the latencies of writes [from, to), sorted.
func (r *w4FlatResult) window(from, to int) []time.Duration {
	w := slices.Clone(r.lat[from:to])
	slices.Sort(w)
	return w
}

func runW4Flat(cfg *config, res *results, cv *convene, ex *export, token string) *w4FlatResult {
	targets := w4Targets(cfg, ex)
	r := &w4FlatResult{writes: cfg.w4flatWrites, targets: len(targets), lat: make([]time.Duration, cfg.w4flatWrites)}
	rs := &reqSet{addr: cv.addr, pid: cv.pid(), check: okMutation}
	var next atomic.Int64
	var wg sync.WaitGroup
	ws := make([]*worker, cfg.mutConns)
	start := time.Now()
	for i := range ws {
		w := &worker{cl: client{addr: cv.addr}}
		ws[i] = w
		wg.Go(func() {
			for {
				n := int(next.Add(1) - 1)
				if n >= r.writes {
					return
				}
				c := targets[n%len(targets)]
				req := httpRequest(cv.addr, "POST", "/graphql", gqlBody(mutationW4, map[string]any{"in": map[string]any{
					"commitmentId": c.ID, "progress": 1 + n%99, "status": "ON_TRACK", "note": fmt.Sprintf("Benchmark report %d", n)}}),
					"Authorization", "Bearer "+token)
				r.lat[n], _ = w.one(rs, req)
			}
		})
	}
	wg.Wait()
	r.wall = time.Since(start)
	for _, w := range ws {
		r.errors += w.errs
		if r.firstErr == "" {
			r.firstErr = w.first
		}
		w.cl.close()
	}
	k := min(1000, r.writes/2)
	first, last := r.window(0, k), r.window(r.writes-k, r.writes)
	logf("W4 flat: %d writes on %d commitments in %.0fs: first %d p50 %s p99 %s, last %d p50 %s p99 %s | errors %d",
		r.writes, r.targets, r.wall.Seconds(), k, fmtDur(percentile(first, 50)), fmtDur(percentile(first, 99)),
		k, fmtDur(percentile(last, 50)), fmtDur(percentile(last, 99)), r.errors)
	for i := range 10 {
		w := r.window(i*r.writes/10, (i+1)*r.writes/10)
		logf("  writes %6d–%6d: p50 %s p99 %s", i*r.writes/10+1, (i+1)*r.writes/10, fmtDur(percentile(w, 50)), fmtDur(percentile(w, 99)))
	}
	if r.errors > 0 {
		res.warn("W4 flat: %d errors, the first: %s", r.errors, r.firstErr)
	}
	return r
}

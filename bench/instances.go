package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// ------------------------------------------------- W4 on two instances

// pairConns is each instance's writers in the two-instance W4 phases.
const pairConns = 6

// w4PairRow is one two-instance phase: both instances under a closed
// loop of reportProgress at once, each through its own writers.
type w4PairRow struct {
	name string
	a, b loadResult // a holds the embedded database
}

// share is the fraction of the phase's writes that instance b made.
func (r *w4PairRow) share(l loadResult) float64 {
	total := r.a.Requests - r.a.Errors + r.b.Requests - r.b.Errors
	if total == 0 {
		return 0
	}
	return float64(l.Requests-l.Errors) / float64(total)
}

type w4PairResult struct {
	rows   []*w4PairRow
	ok     bool
	detail string
}

// runW4Pair starts a second instance on the binary's embedded database
// and runs W4 through both at once: on disjoint commitments (each
// instance its own half of the targets), then on the same ones.
func runW4Pair(cfg *config, res *results, cv *convene, ex *export, bin, token string) *w4PairResult {
	rng := rand.New(rand.NewPCG(cfg.seed, 44))
	targets := make([]*exCommitment, 0, 200)
	for _, i := range rng.Perm(len(ex.Commitments))[:min(200, len(ex.Commitments))] {
		targets = append(targets, ex.Commitments[i])
	}
	addr := freeAddr()
	args := []string{bin, "--addr", addr, "--data-dir", filepath.Join(cfg.work, "data-b"), "--mongodb-uri", "mongodb://" + cv.embedded + "/",
		"--admin-token", token, "--seed-demo=false"}
	if serverFlags(bin)["rate-limit"] {
		args = append(args, "--rate-limit=0")
	}
	b, err := startProc(cfg.work, "convene-b", addr, []string{"CONVENE_RATE_LIMIT=0"}, args...)
	if err == nil {
		err = b.waitReady("/readyz", 20*time.Minute)
	}
	if err != nil {
		res.warn("W4 on two instances: starting the second: %v", err)
		return nil
	}
	defer b.stop()

	sets := func(cs []*exCommitment, addr string, pid, salt int) *reqSet {
		var bodies [][]byte
		for i := range 1000 {
			c := cs[i%len(cs)]
			bodies = append(bodies, gqlBody(mutationW4, map[string]any{"in": map[string]any{
				"commitmentId": c.ID, "progress": 1 + (i+salt)%99, "status": "ON_TRACK", "note": fmt.Sprintf("Two-instance report %d/%d", salt, i)}}))
		}
		return &reqSet{addr: addr, pid: pid, reqs: posts(addr, bodies, "Authorization", "Bearer "+token), check: okMutation}
	}
	half := len(targets) / 2
	phases := []struct {
		name   string
		ra, rb *reqSet
	}{
		{"disjoint commitments", sets(targets[:half], cv.addr, cv.pid(), 1), sets(targets[half:], b.addr, b.pid(), 2)},
		{"the same commitments", sets(targets, cv.addr, cv.pid(), 3), sets(targets, b.addr, b.pid(), 4)},
	}
	r := &w4PairResult{ok: true}
	v0, err := versions(cv.addr, targets)
	seq0, err2 := readyzSeq(cv.addr)
	if err = firstErr(err, err2); err != nil {
		res.warn("W4 on two instances: reading the state before: %v", err)
		return nil
	}
	acks := 0
	for _, ph := range phases {
		row := &w4PairRow{name: ph.name}
		var wg sync.WaitGroup
		wg.Go(func() { row.a = closedLoop(ph.ra, pairConns, cfg.dur) })
		wg.Go(func() { row.b = closedLoop(ph.rb, pairConns, cfg.dur) })
		wg.Wait()
		r.rows = append(r.rows, row)
		acks += row.a.Requests - row.a.Errors + row.b.Requests - row.b.Errors
		for _, l := range []struct {
			who string
			l   loadResult
		}{{"A (embedded database)", row.a}, {"B", row.b}} {
			logf("W4 two instances, %-20s %-22s %6.0f req/s, share %3.0f%% | p50 %7s p99 %7s | errors %d",
				ph.name+":", l.who, l.l.throughput(), 100*row.share(l.l), fmtDur(l.l.pct(50)), fmtDur(l.l.pct(99)), l.l.Errors)
			if l.l.FirstErr != "" {
				logf("  first error: %s", l.l.FirstErr)
			}
		}
	}
	// Both instances reach the same position; every acknowledged write is one event and one version.
	var seqA, seqB int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		seqA, _ = readyzSeq(cv.addr)
		seqB, _ = readyzSeq(b.addr)
		if seqA == seqB && seqA == seq0+int64(acks) {
			break
		}
	}
	v1, err := versions(b.addr, targets)
	if err != nil {
		res.warn("W4 on two instances: reading the state after: %v", err)
		return r
	}
	var dVer int
	for id, v := range v1 {
		dVer += v - v0[id]
	}
	r.ok = seqA == seqB && seqA-seq0 == int64(acks) && dVer == acks
	r.detail = fmt.Sprintf("%d acknowledged; log +%d on A, +%d on B; commitment versions +%d", acks, seqA-seq0, seqB-seq0, dVer)
	logf("W4 two instances check: %s: %v", r.detail, map[bool]string{true: "no event lost or duplicated", false: "MISMATCH"}[r.ok])
	if !r.ok {
		res.warn("W4 on two instances: %s", r.detail)
	}
	return r
}

// ------------------------------------------- a replay after a restart

// replayEvents is how many events the replay after a restart asks for.
const replayEvents = 10_000

type replayResult struct {
	events      int           // delivered
	first, last time.Duration // from the subscribe message
	err         string
}

// runReplay restarts the binary (its memory then holds none of the log)
// and measures a graphql-transport-ws replay of the log's last
// replayEvents events: the wait for the first message and for the last.
func runReplay(cfg *config, res *results, bin, dataDir, token string) *replayResult {
	cv, err := startConvene(cfg, bin, dataDir, token, "convene-replay")
	if err != nil {
		res.warn("replay: restarting: %v", err)
		return nil
	}
	defer cv.stop()
	head, err := readyzSeq(cv.addr)
	if err != nil {
		res.warn("replay: %v", err)
		return nil
	}
	from := max(head-replayEvents, 0)
	after := base64.RawURLEncoding.EncodeToString([]byte("e:" + strconv.FormatInt(from, 10)))
	want := int(head - from)
	sub := []byte(`{"id":"r","type":"subscribe","payload":{"query":"subscription($a: String) { events(after: $a) { cursor kind } }","variables":{"a":"` + after + `"}}}`)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c, err := dialSubscriber(ctx, &http.Client{}, cv.addr, sub)
	start := time.Now()
	if err != nil {
		res.warn("replay: %v", err)
		return nil
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	r := &replayResult{}
	for r.events < want {
		_, msg, err := c.Read(ctx)
		if err != nil {
			r.err = err.Error()
			break
		}
		switch {
		case bytes.Contains(msg, []byte(`"type":"ping"`)):
			c.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		case bytes.Contains(msg, []byte(`"type":"next"`)):
			if r.events++; r.events == 1 {
				r.first = time.Since(start)
			}
		case bytes.Contains(msg, []byte(`"type":"error"`)), bytes.Contains(msg, []byte(`"type":"complete"`)):
			r.err = short(msg)
		}
		if r.err != "" {
			break
		}
	}
	r.last = time.Since(start)
	logf("replay after a restart: %d of %d events; first message after %s, last after %s%s", r.events, want,
		fmtDur(r.first), fmtDur(r.last), map[bool]string{true: "", false: "; ended: " + r.err}[r.err == ""])
	if r.err != "" || r.events < want {
		res.warn("replay after a restart: %d of %d events: %s", r.events, want, r.err)
	}
	return r
}

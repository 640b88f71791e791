package main

import (
	"context"
	"encoding/json"
	"expvar"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	rpprof "runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"convene/app"
	"convene/auth"
	"convene/gateway"
	"convene/graph"
	"convene/hub"
	"convene/internal/sweeppoll"
	"convene/internal/sysmon"
	"convene/resolvers"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// serve-inproc is the harness's own server process over (a copy of) the
// generated database, for what the Convene binary cannot show from outside.
// One hub, two listeners:
//
//   - -live-addr: Convene's handler as package app builds it (the live
//     transport for WebSockets), plus net/http/pprof, a count of the hub's
//     calls to the event log, and timings of the start-up's database reads;
//   - -b3-addr: baseline B3, the same hub and resolvers behind gqlgen's
//     default WebSocket transport (transport.Websocket), which runs one
//     execution per subscriber.
//
// The hub's tailer is set to poll once an hour (-poll), so that the
// process's CPU time is the workload's alone: W5's CPU per event compares
// the two transports on the same hub. The harness takes every other
// figure from the real binary.

// countingLog counts the hub's calls to the event log (its only way to
// the database).
type countingLog struct {
	hub.EventLog
	appends, reads, loads, saves atomic.Int64
	onLoad                       func(snapshots int, d time.Duration)
	onRead                       func(d time.Duration)
}

func (c *countingLog) Append(ctx context.Context, e *hub.Event) error {
	c.appends.Add(1)
	return c.EventLog.Append(ctx, e)
}

func (c *countingLog) ReadAfter(ctx context.Context, seq int64) ([]*hub.Event, error) {
	c.reads.Add(1)
	t := time.Now()
	events, err := c.EventLog.ReadAfter(ctx, seq)
	if c.onRead != nil {
		c.onRead(time.Since(t))
	}
	return events, err
}

func (c *countingLog) LoadSnapshots(ctx context.Context) ([]hub.Snapshot, int64, error) {
	c.loads.Add(1)
	t := time.Now()
	snaps, wm, err := c.EventLog.LoadSnapshots(ctx)
	if c.onLoad != nil {
		c.onLoad(len(snaps), time.Since(t))
	}
	return snaps, wm, err
}

func (c *countingLog) SaveSnapshots(ctx context.Context, snaps []hub.Snapshot, from, to int64) error {
	c.saves.Add(1)
	return c.EventLog.SaveSnapshots(ctx, snaps, from, to)
}

// headLog is the store's optional cheap head of the log (hub.HeadLog).
type headLog interface {
	Head(ctx context.Context) (int64, error)
	SetHead(ctx context.Context, seq int64) error
}

type countingHeadLog struct {
	*countingLog
	heads headLog
}

func (c *countingHeadLog) Head(ctx context.Context) (int64, error) { return c.heads.Head(ctx) }

func (c *countingHeadLog) SetHead(ctx context.Context, seq int64) error {
	return c.heads.SetHead(ctx, seq)
}

type inproc struct {
	app    *app.App
	log    *countingLog
	timing startTiming
}

// startTiming is how long hub.Open spent in the database.
type startTiming struct {
	Snapshots     int     `json:"snapshots"`
	LoadSnapshots float64 `json:"loadSnapshotsSeconds"`
	FirstReadLog  float64 `json:"firstReadAfterSeconds"`
	Open          float64 `json:"hubOpenSeconds"`
}

// openInproc opens Convene's application on dataDir as the binary does
// (rate limit off), with the hub's calls to the event log counted.
func openInproc(ctx context.Context, dataDir, token string, poll time.Duration) (*inproc, error) {
	cfg, err := app.ParseConfig([]string{"--data-dir", dataDir, "--embedded-addr", "127.0.0.1:0",
		"--admin-token", token, "--seed-demo=false", "--rate-limit", "0"}, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	logger := slog.New(gateway.NewTextHandler(os.Stderr)) // as the binary's
	p := &inproc{}
	var loadStart time.Time
	wrap := func(st hub.EventLog) hub.EventLog {
		cl := &countingLog{EventLog: st}
		p.log = cl
		cl.onLoad = func(n int, d time.Duration) {
			p.timing.Snapshots, p.timing.LoadSnapshots = n, d.Seconds()
			loadStart = time.Now().Add(-d)
		}
		cl.onRead = func(d time.Duration) {
			if p.timing.FirstReadLog == 0 {
				p.timing.FirstReadLog = d.Seconds()
			}
		}
		// Keep whatever optional interfaces the store has (such as a
		// cheap head of the log for the tailer) visible to the hub.
		if hs, ok := st.(headLog); ok {
			return &countingHeadLog{countingLog: cl, heads: hs}
		}
		return cl
	}
	if p.app, err = app.Open(ctx, cfg, logger, app.Options{Hub: hub.Options{PollInterval: poll}, WrapLog: wrap}); err != nil {
		return nil, err
	}
	p.timing.Open = time.Since(loadStart).Seconds() // hub.Open and what follows it in app.Open
	return p, nil
}

func (p *inproc) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.app.Close(ctx)
}

func serveInproc(args []string) error {
	if err := sysmon.Reexec(); err != nil { // as the binary's serve does
		return err
	}
	fs := flag.NewFlagSet("serve-inproc", flag.ExitOnError)
	liveAddr := fs.String("live-addr", "127.0.0.1:0", "listen address of Convene's handler (with pprof)")
	b3Addr := fs.String("b3-addr", "127.0.0.1:0", "listen address of B3, gqlgen's WebSocket transport")
	dataDir := fs.String("data-dir", "", "the generated data directory")
	token := fs.String("admin-token", "", "bootstrap admin token")
	poll := fs.Duration("poll", time.Hour, "the hub's PollInterval")
	startProfile := fs.String("startup-profile", "", "write a CPU profile of the start-up (hub.Open) to this file")
	fs.Parse(args)
	if *startProfile != "" {
		if f, err := os.Create(*startProfile); err == nil {
			if rpprof.StartCPUProfile(f) == nil {
				defer f.Close()
			}
		}
	}
	p, err := openInproc(context.Background(), *dataDir, *token, *poll)
	if *startProfile != "" {
		rpprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	sweeppoll.Start() // as the binary's serve does

	h, logger := p.app.Hub(), slog.New(slog.NewTextHandler(os.Stderr, nil))
	readyz := func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ready at event %d\n", h.Model().Seq())
	}

	// B3: gqlgen's own WebSocket transport, pinging as often as Convene's.
	b3 := handler.New(graph.NewExecutableSchema(resolvers.NewExecutableSchema(h, logger)))
	b3.AddTransport(transport.Websocket{KeepAlivePingInterval: 15 * time.Second})
	b3.AddTransport(transport.POST{})
	b3.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	b3mux := http.NewServeMux()
	b3mux.Handle("/graphql", b3)
	b3mux.HandleFunc("GET /readyz", readyz)

	// Convene's handler as the application builds it, beside the
	// harness's debugging endpoints.
	mux := http.NewServeMux()
	mux.Handle("/", p.app.Handler())
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/eventlog", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"appends":%d,"reads":%d,"loads":%d,"saves":%d}`,
			p.log.appends.Load(), p.log.reads.Load(), p.log.loads.Load(), p.log.saves.Load())
	})
	mux.HandleFunc("GET /debug/startup", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(p.timing)
	})
	// One tailer poll, as the hub's tailer makes it: ReadAfter at the head,
	// bounded by ?seconds.
	mux.HandleFunc("GET /debug/tailpoll", func(w http.ResponseWriter, r *http.Request) {
		secs, _ := strconv.Atoi(r.URL.Query().Get("seconds"))
		ctx, cancel := context.WithTimeout(r.Context(), time.Duration(max(secs, 1))*time.Second)
		defer cancel()
		t := time.Now()
		events, err := p.app.Store().ReadAfter(ctx, h.Model().Seq())
		fmt.Fprintf(w, `{"seconds":%.3f,"events":%d,"finished":%v}`, time.Since(t).Seconds(), len(events), err == nil)
	})
	mux.Handle("GET /debug/vars", expvar.Handler())
	// Return the memory the start-up left idle (and any since) to the OS,
	// so that RSS deltas measure what is in use.
	mux.HandleFunc("GET /debug/freeosmemory", func(w http.ResponseWriter, r *http.Request) {
		debug.FreeOSMemory()
		io.WriteString(w, "ok\n")
	})

	// What the last collection scanned, after a forced one: the bytes a
	// mark's time follows.
	mux.HandleFunc("GET /debug/gcscan", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		ms := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}, {Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/objects:objects"}}
		metrics.Read(ms)
		for _, m := range ms {
			fmt.Fprintf(w, "%s %d\n", m.Name, m.Value.Uint64())
		}
	})

	srv := []*http.Server{
		{Addr: *liveAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
		{Addr: *b3Addr, Handler: auth.New(h.Model(), *token).Middleware(b3mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
	}
	errc := make(chan error, 2)
	for _, s := range srv {
		go func() { errc <- s.ListenAndServe() }()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	select {
	case err = <-errc:
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range srv {
		s.Shutdown(ctx)
	}
	p.close()
	return err
}

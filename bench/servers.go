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
	"path/filepath"
	"runtime/debug"
	rpprof "runtime/pprof"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"convene/auth"
	"convene/gateway"
	"convene/graph"
	"convene/hub"
	"convene/live"
	"convene/resolvers"
	"convene/store"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// serve-inproc is the harness's own server process over (a copy of) the
// generated database, for what the Convene binary cannot show from outside.
// One hub, two listeners:
//
//   - -live-addr: Convene's handler wired as routes.go wires it (the live
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
	emb    *store.Embedded
	st     *store.Store
	log    *countingLog
	hub    *hub.Hub
	auth   *auth.Authenticator
	logger *slog.Logger
	timing startTiming
}

// startTiming is how long hub.Open spent in the database.
type startTiming struct {
	Snapshots     int     `json:"snapshots"`
	LoadSnapshots float64 `json:"loadSnapshotsSeconds"`
	FirstReadLog  float64 `json:"firstReadAfterSeconds"`
	Open          float64 `json:"hubOpenSeconds"`
}

func openInproc(ctx context.Context, dataDir, token string, poll time.Duration) (*inproc, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil)) // as the binary's
	quiet := slog.New(slog.DiscardHandler)
	emb, err := store.StartEmbedded(filepath.Join(dataDir, "ferretdb"), "127.0.0.1:0", quiet)
	if err != nil {
		return nil, err
	}
	st, err := store.Connect(ctx, emb.URI, "convene")
	if err != nil {
		emb.Stop()
		return nil, err
	}
	cl := &countingLog{EventLog: st}
	p := &inproc{emb: emb, st: st, log: cl, logger: logger}
	// Keep whatever optional interfaces the store has (such as a cheap
	// head of the log for the tailer) visible to the hub.
	var log hub.EventLog = cl
	if hs, ok := hub.EventLog(st).(headLog); ok {
		log = &countingHeadLog{countingLog: cl, heads: hs}
	}
	t := time.Now()
	cl.onLoad = func(n int, d time.Duration) { p.timing.Snapshots, p.timing.LoadSnapshots = n, d.Seconds() }
	cl.onRead = func(d time.Duration) {
		if p.timing.FirstReadLog == 0 {
			p.timing.FirstReadLog = d.Seconds()
		}
	}
	h, err := hub.Open(ctx, log, hub.Options{Logger: logger, PollInterval: poll})
	if err != nil {
		st.Close(ctx)
		emb.Stop()
		return nil, err
	}
	p.timing.Open = time.Since(t).Seconds()
	p.hub, p.auth = h, auth.New(h.Model(), token)
	return p, nil
}

func (p *inproc) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.hub.Close(ctx)
	p.st.Close(ctx)
	p.emb.Stop()
}

func (p *inproc) readyz(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "ready at event %d\n", p.hub.Model().Seq())
}

func serveInproc(args []string) error {
	fs := flag.NewFlagSet("serve-inproc", flag.ExitOnError)
	liveAddr := fs.String("live-addr", "127.0.0.1:0", "listen address of Convene's handler (with pprof)")
	b3Addr := fs.String("b3-addr", "127.0.0.1:0", "listen address of B3, gqlgen's WebSocket transport")
	dataDir := fs.String("data-dir", "", "the generated data directory")
	token := fs.String("admin-token", "", "bootstrap admin token")
	poll := fs.Duration("poll", time.Hour, "the hub's PollInterval")
	startProfile := fs.String("startup-profile", "", "write a CPU profile of the start-up (hub.Open) to this file")
	fs.Parse(args)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as Convene's main does (gcPercent)
	}
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

	// B3: gqlgen's own WebSocket transport, pinging as often as Convene's.
	b3 := handler.New(graph.NewExecutableSchema(resolvers.NewExecutableSchema(p.hub, p.logger)))
	b3.AddTransport(transport.Websocket{KeepAlivePingInterval: 15 * time.Second})
	b3.AddTransport(transport.POST{})
	b3.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	b3mux := http.NewServeMux()
	b3mux.Handle("/graphql", b3)
	b3mux.HandleFunc("GET /readyz", p.readyz)

	// Convene's handler, as routes.go builds it (rate limit off).
	gc := gateway.DefaultConfig()
	gc.RateLimit = 0
	logger := gateway.Logger(p.logger)
	ls := live.NewServer(gc.LiveOptions(live.Options{Logger: logger, Authenticate: p.auth.AuthenticateInit, Audience: auth.Audience}))
	es := graph.NewExecutableSchema(resolvers.NewExecutableSchema(p.hub, logger))
	gw := gateway.New(gc, gateway.Deps{Logger: logger, Live: ls, Seq: p.hub.Model().Seq,
		Audience: auth.AnswerAudience, Today: func() string { return string(p.hub.Today()) }})
	gql := handler.New(es)
	gql.AddTransport(ls)
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.SSE{KeepAlivePingInterval: 15 * time.Second})
	gql.AddTransport(gateway.GET{Answers: gw.Answers()})
	gql.AddTransport(gateway.POST{Answers: gw.Answers()})
	gql.AddTransport(gateway.Unsupported{})
	gw.Extend(gql)
	gql.SetErrorPresenter(resolvers.PresentError(logger))
	gql.SetRecoverFunc(resolvers.Recover(logger))
	mux := http.NewServeMux()
	mux.Handle("/graphql", gw.Protect(gql))
	mux.HandleFunc("GET /readyz", p.readyz)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
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
		events, err := p.st.ReadAfter(ctx, p.hub.Model().Seq())
		fmt.Fprintf(w, `{"seconds":%.3f,"events":%d,"finished":%v}`, time.Since(t).Seconds(), len(events), err == nil)
	})
	mux.Handle("GET /debug/vars", expvar.Handler())
	// Return the memory the start-up left idle (and any since) to the OS,
	// so that RSS deltas measure what is in use.
	mux.HandleFunc("GET /debug/freeosmemory", func(w http.ResponseWriter, r *http.Request) {
		debug.FreeOSMemory()
		io.WriteString(w, "ok\n")
	})

	srv := []*http.Server{
		{Addr: *liveAddr, Handler: gw.Wrap(p.auth.Middleware(mux)), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
		{Addr: *b3Addr, Handler: p.auth.Middleware(b3mux), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute},
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
	ls.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range srv {
		s.Shutdown(ctx)
	}
	p.close()
	return err
}

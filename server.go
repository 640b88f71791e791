// Command convene serves the Convene GraphQL hub.
//
//	go run .              serve (embedded FerretDB unless MONGODB_URI is set)
//	go run . seed         load the demo data into the configured database
//
// Configuration is read once, by loadConfig, from flags with environment
// fallbacks; see the README for every setting.
package main

//go:generate go tool gqlgen generate

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"convene/auth"
	"convene/graph"
	"convene/hub"
	"convene/live"
	"convene/resolvers"
	"convene/seed"
	"convene/store"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := loadConfig(os.Args[1:], os.Getenv)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "convene:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cfg.command {
	case "serve":
		err = serve(ctx, cfg, logger, nil)
	case "seed":
		err = seedCommand(ctx, cfg, logger)
	}
	if err != nil {
		logger.Error("convene stopped", "err", err)
		os.Exit(1)
	}
}

// config is every setting, read once.
type config struct {
	command      string // serve or seed
	addr         string
	dataDir      string
	mongoURI     string
	database     string
	embeddedAddr string
	adminToken   string
	seedDemo     bool
	wsInit       time.Duration // how long a WebSocket may wait before connection_init
}

// loadConfig reads flags, falling back to the environment, then defaults.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := config{command: "serve"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.command, args = args[0], args[1:]
	}
	if cfg.command != "serve" && cfg.command != "seed" {
		return cfg, fmt.Errorf("unknown command %q (want serve or seed)", cfg.command)
	}
	fs := flag.NewFlagSet("convene "+cfg.command, flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", env("CONVENE_ADDR", ":8080"), "HTTP listen address (CONVENE_ADDR)")
	fs.StringVar(&cfg.dataDir, "data-dir", env("CONVENE_DATA_DIR", "data"), "directory for the embedded database and the generated admin token (CONVENE_DATA_DIR)")
	fs.StringVar(&cfg.mongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string; empty starts the embedded FerretDB (MONGODB_URI)")
	fs.StringVar(&cfg.database, "database", env("CONVENE_DATABASE", "convene"), "MongoDB database name (CONVENE_DATABASE)")
	fs.StringVar(&cfg.embeddedAddr, "embedded-addr", env("CONVENE_EMBEDDED_ADDR", "127.0.0.1:27018"), "loopback address of the embedded FerretDB; port 0 picks a free one (CONVENE_EMBEDDED_ADDR)")
	fs.StringVar(&cfg.adminToken, "admin-token", env("CONVENE_ADMIN_TOKEN", ""), "bearer token for mutations; empty generates one in the data directory (CONVENE_ADMIN_TOKEN)")
	fs.BoolVar(&cfg.seedDemo, "seed-demo", env("CONVENE_SEED_DEMO", "true") == "true", "load the demo data when the embedded database is empty (CONVENE_SEED_DEMO)")
	fs.DurationVar(&cfg.wsInit, "ws-init-timeout", envDuration(getenv, "CONVENE_WS_INIT_TIMEOUT", 10*time.Second), "how long a WebSocket client may take to send connection_init (CONVENE_WS_INIT_TIMEOUT)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return cfg, nil
}

// envDuration reads a duration such as "10s" from the environment.
func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil {
		return d
	}
	return def
}

// app is a running hub: its database, its domain and its HTTP handler.
type app struct {
	logger   *slog.Logger
	embedded *store.Embedded // nil when MONGODB_URI is set
	store    *store.Store
	hub      *hub.Hub
	admin    *auth.AdminToken
	live     *live.Server // WebSocket subscriptions
}

// open connects to the database (starting the embedded one if needed),
// loads the read model and, on a fresh embedded database, the demo data.
func open(ctx context.Context, cfg config, logger *slog.Logger, hubOpts hub.Options) (*app, error) {
	a := &app{logger: logger}
	uri := cfg.mongoURI
	if uri == "" {
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		emb, err := store.StartEmbedded(filepath.Join(cfg.dataDir, "ferretdb"), cfg.embeddedAddr, quiet)
		if err != nil {
			return nil, err
		}
		a.embedded, uri = emb, emb.URI
		logger.Info("embedded FerretDB started; open it with MongoDB tools at this URI", "uri", uri, "data", cfg.dataDir)
	}
	st, err := store.Connect(ctx, uri, cfg.database)
	if err != nil {
		a.close(context.Background())
		return nil, err
	}
	a.store = st
	hubOpts.Logger = logger
	if a.hub, err = hub.Open(ctx, st, hubOpts); err != nil {
		a.close(context.Background())
		return nil, err
	}
	if a.embedded != nil && cfg.seedDemo && len(a.hub.Model().Plans()) == 0 && a.hub.Model().Seq() == 0 {
		if err := seed.Load(ctx, a.hub); err != nil {
			a.close(context.Background())
			return nil, fmt.Errorf("loading the demo data: %w", err)
		}
		logger.Info("demo data loaded", "events", a.hub.Model().Seq())
	}
	token, err := adminToken(cfg, logger)
	if err != nil {
		a.close(context.Background())
		return nil, err
	}
	a.admin = auth.NewAdminToken(token)
	a.live = live.NewServer(live.Options{Logger: logger, Authenticate: a.admin.AuthenticateInit, Audience: auth.Audience, InitTimeout: cfg.wsInit})
	return a, nil
}

// adminToken returns the configured token, or the one stored in the data
// directory, creating and printing it on first start.
func adminToken(cfg config, logger *slog.Logger) (string, error) {
	if cfg.adminToken != "" {
		return cfg.adminToken, nil
	}
	path := filepath.Join(cfg.dataDir, "admin-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	token := "cvn_" + base64.RawURLEncoding.EncodeToString(b)
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("storing the admin token: %w", err)
	}
	logger.Info("generated an admin token (shown once; kept in "+path+")", "token", token)
	return token, nil
}

// handler is the HTTP interface: GraphQL (over HTTP, WebSocket and
// server-sent events), the playground and health checks.
func (a *app) handler() http.Handler {
	gql := handler.New(graph.NewExecutableSchema(resolvers.NewExecutableSchema(a.hub, a.logger)))
	gql.AddTransport(a.live)
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.SSE{})
	gql.AddTransport(transport.GET{})
	gql.AddTransport(transport.POST{})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	gql.Use(extension.Introspection{})
	gql.SetErrorPresenter(resolvers.PresentError(a.logger))
	gql.SetRecoverFunc(resolvers.Recover(a.logger))

	mux := http.NewServeMux()
	mux.Handle("/graphql", a.admin.Middleware(gql))
	mux.Handle("GET /{$}", playground.Handler("Convene", "/graphql"))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ready at event %d\n", a.hub.Model().Seq())
	})
	return mux
}

// close writes outstanding snapshots and releases the database.
func (a *app) close(ctx context.Context) {
	if a.hub != nil {
		if err := a.hub.Close(ctx); err != nil {
			a.logger.Error("flushing snapshots", "err", err)
		}
	}
	if a.store != nil {
		_ = a.store.Close(ctx)
	}
	if a.embedded != nil {
		a.embedded.Stop()
	}
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
// It reports the bound address on ready, when given.
func serve(ctx context.Context, cfg config, logger *slog.Logger, ready chan<- string) error {
	a, err := open(ctx, cfg, logger, hub.Options{})
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	logger.Info("convene is serving", "url", "http://"+displayAddr(ln.Addr()), "graphql", "/graphql")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	a.live.Shutdown()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func displayAddr(a net.Addr) string {
	host, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// seedCommand loads the demo data into the configured database.
func seedCommand(ctx context.Context, cfg config, logger *slog.Logger) error {
	cfg.seedDemo = false
	a, err := open(ctx, cfg, logger, hub.Options{})
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	if err := seed.Load(ctx, a.hub); err != nil {
		return err
	}
	logger.Info("demo data loaded", "events", a.hub.Model().Seq())
	return nil
}

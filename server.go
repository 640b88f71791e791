// Command convene serves the Convene GraphQL hub.
//
//	go run .              serve (embedded FerretDB unless MONGODB_URI is set)
//	go run . seed         load the demo data into the configured database
//	go run . import FILE  load a plan from a file (see seed/FORMAT.md)
//	go run . backup FILE  write the event log to a file; restore FILE loads one
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
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"convene/auth"
	"convene/backup"
	"convene/gateway"
	"convene/hub"
	"convene/live"
	"convene/progress"
	"convene/resolvers"
	"convene/seed"
	"convene/store"
)

// gcPercent is the garbage collector's target unless GOGC says otherwise.
// The heap is mostly the read model, which lives as long as the process;
// at Go's default of 100 every cycle re-marks the whole model as soon as
// requests have allocated as much again, which on a busy core was the
// largest share of CPU and set every latency tail (bench/RESULTS.md). 400
// lets the heap grow to five times the model for a quarter of the work.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
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
	case "import":
		err = importCommand(ctx, cfg, logger, os.Stdout, os.Stderr)
	case "backup":
		err = backupCommand(ctx, cfg, logger, os.Stdout, os.Stderr)
	case "restore":
		err = restoreCommand(ctx, cfg, logger, os.Stderr)
	case "healthcheck":
		err = healthcheckCommand(ctx, cfg)
	case "token create":
		err = createTokenCommand(ctx, cfg, logger, os.Stdout)
	}
	if err != nil {
		logger.Error("convene stopped", "err", err)
		os.Exit(1)
	}
}

// config is every setting, read once.
type config struct {
	command      string // serve, seed, import, backup, restore or "token create"
	file         string // the file that import, backup and restore read or write
	dryRun       bool   // import: check only
	addr         string
	dataDir      string
	mongoURI     string
	database     string
	embeddedAddr string
	adminToken   string
	seedDemo     bool
	wsInit       time.Duration // how long a WebSocket may wait before connection_init
	publicRead   bool
	gateway      gateway.Config // the HTTP surface: CORS, limits, query cost, rate limits
	newToken     tokenFlags     // for "token create"
}

// tokenFlags describe the token that "token create" issues.
type tokenFlags struct {
	role, label, stakeholder string
	expires                  time.Duration
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
	if cfg.command == "token" && len(args) > 0 && args[0] == "create" {
		cfg.command, args = "token create", args[1:]
	}
	switch cfg.command {
	case "serve", "seed", "import", "backup", "restore", "token create", "healthcheck":
	default:
		return cfg, fmt.Errorf("unknown command %q (want serve, seed, import, backup, restore, token create or healthcheck)", cfg.command)
	}
	fs := flag.NewFlagSet("convene "+cfg.command, flag.ContinueOnError)
	if cfg.command == "token create" {
		fs.StringVar(&cfg.newToken.role, "role", "", "ADMIN, EDITOR or VIEWER (required)")
		fs.StringVar(&cfg.newToken.label, "label", "", "what the token is for (required)")
		fs.StringVar(&cfg.newToken.stakeholder, "stakeholder", "", "for EDITOR tokens: the stakeholder's global ID or key")
		fs.DurationVar(&cfg.newToken.expires, "expires", 0, "lifetime, such as 720h; never expires when 0")
	}
	fs.StringVar(&cfg.addr, "addr", env("CONVENE_ADDR", ":8080"), "HTTP listen address (CONVENE_ADDR)")
	fs.StringVar(&cfg.dataDir, "data-dir", env("CONVENE_DATA_DIR", "data"), "directory for the embedded database and the generated admin token (CONVENE_DATA_DIR)")
	fs.StringVar(&cfg.mongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string; empty starts the embedded FerretDB (MONGODB_URI)")
	fs.StringVar(&cfg.database, "database", env("CONVENE_DATABASE", "convene"), "MongoDB database name (CONVENE_DATABASE)")
	fs.StringVar(&cfg.embeddedAddr, "embedded-addr", env("CONVENE_EMBEDDED_ADDR", "127.0.0.1:27018"), "loopback address of the embedded FerretDB; port 0 picks a free one (CONVENE_EMBEDDED_ADDR)")
	fs.StringVar(&cfg.adminToken, "admin-token", env("CONVENE_ADMIN_TOKEN", ""), "bearer token for mutations; empty generates one in the data directory (CONVENE_ADMIN_TOKEN)")
	fs.BoolVar(&cfg.seedDemo, "seed-demo", env("CONVENE_SEED_DEMO", "true") == "true", "load the demo data when the embedded database is empty (CONVENE_SEED_DEMO)")
	fs.BoolVar(&cfg.publicRead, "public-read", env("CONVENE_PUBLIC_READ", "true") == "true", "let anonymous clients read public data; false requires a token for every request (CONVENE_PUBLIC_READ)")
	fs.DurationVar(&cfg.wsInit, "ws-init-timeout", envDuration(getenv, "CONVENE_WS_INIT_TIMEOUT", 10*time.Second), "how long a WebSocket client may take to send connection_init (CONVENE_WS_INIT_TIMEOUT)")
	if cfg.command == "import" {
		fs.BoolVar(&cfg.dryRun, "dry-run", false, "check the file and print every problem; write nothing")
	}
	if cfg.command == "serve" {
		cfg.gateway.RegisterFlags(fs, getenv)
	} else {
		cfg.gateway = gateway.DefaultConfig()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if takesFile := cfg.command == "import" || cfg.command == "backup" || cfg.command == "restore"; takesFile && fs.NArg() > 0 {
		// The file may come before the flags: convene import plan.yaml --dry-run.
		cfg.file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return cfg, err
		}
	}
	if (cfg.command == "import" || cfg.command == "restore") && cfg.file == "" {
		return cfg, fmt.Errorf("%s needs a FILE", cfg.command)
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
	logger     *slog.Logger
	embedded   *store.Embedded // nil when MONGODB_URI is set
	store      *store.Store
	hub        *hub.Hub
	auth       *auth.Authenticator
	publicRead bool
	live       *live.Server   // WebSocket subscriptions
	gateway    gateway.Config // the HTTP surface
	stopped    chan struct{}
}

// open connects to the database (starting the embedded one if needed),
// loads the read model and, on a fresh embedded database, the demo data.
func open(ctx context.Context, cfg config, logger *slog.Logger, hubOpts hub.Options) (*app, error) {
	a := &app{logger: logger, stopped: make(chan struct{})}
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
	// Loading the read model is the process's largest burst of garbage
	// (decoded checkpoints); hand the idle heap back to the OS once
	// rather than hold it at its peak for the process's life.
	debug.FreeOSMemory()
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
	a.auth = auth.New(a.hub.Model(), token)
	a.publicRead = cfg.publicRead
	a.gateway = cfg.gateway
	a.live = live.NewServer(cfg.gateway.LiveOptions(live.Options{Logger: logger, Authenticate: a.authenticateInit, Audience: auth.Audience, InitTimeout: cfg.wsInit}))
	go a.closeRevokedConnections()
	return a, nil
}

// authenticateInit checks a WebSocket's connection_init: its token, and
// the public-read policy.
func (a *app) authenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	ctx, err := a.auth.AuthenticateInit(ctx, payload)
	if err == nil && !a.publicRead && !auth.ViewerFrom(ctx).Authenticated() {
		err = errors.New("this server requires a token in the connection_init payload")
	}
	return ctx, err
}

// closeRevokedConnections ends, within a quarter second, every WebSocket
// whose token has been revoked (through any instance) or has expired.
func (a *app) closeRevokedConnections() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.live.CloseWhere(func(ctx context.Context) bool {
				return !a.auth.StillValid(auth.ViewerFrom(ctx))
			}, live.CloseForbidden, "Forbidden: the token was revoked or has expired")
		case <-a.stopped:
			return
		}
	}
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
	// The secret goes to the terminal once, never into the structured log.
	logger.Info("generated an admin token; it is printed once on standard output and kept in " + path)
	fmt.Printf("\nAdmin token (shown once; also in %s):\n\n  %s\n\nSend it as: Authorization: Bearer %s\n\n", path, token, token)
	return token, nil
}

// close writes outstanding snapshots and releases the database.
func (a *app) close(ctx context.Context) {
	select {
	case <-a.stopped:
	default:
		close(a.stopped)
	}
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

// createTokenCommand issues a token against the configured database and
// prints its secret once: the way to make the first admin token of a
// fresh deployment. With the embedded database, it talks to a running
// server's FerretDB when one answers on the embedded address.
func createTokenCommand(ctx context.Context, cfg config, logger *slog.Logger, out io.Writer) error {
	a, err := openForCommand(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	in := hub.IssueTokenInput{Label: cfg.newToken.label, Role: hub.Role(strings.ToUpper(cfg.newToken.role))}
	if s := cfg.newToken.stakeholder; s != "" {
		in.StakeholderID = s
		if t, id, ok := resolvers.ParseGlobalID(s); ok && t == hub.TypeStakeholder {
			in.StakeholderID = id
		}
	}
	if cfg.newToken.expires > 0 {
		at := time.Now().Add(cfg.newToken.expires)
		in.ExpiresAt = &at
	}
	t, secret, err := a.hub.IssueToken(ctx, hub.Actor{Name: "convene token create", Role: hub.ActorSystem}, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Created %s token %q (id %s). Its secret, shown only now:\n\n  %s\n\nSend it as: Authorization: Bearer %s\n",
		t.Role, t.Label, resolvers.GlobalID(hub.TypeToken, t.ID), secret, secret)
	return nil
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

// openForCommand opens the configured database for a one-off command,
// never seeding it. With the embedded database, it talks to a running
// server's FerretDB when one answers on the embedded address.
func openForCommand(ctx context.Context, cfg config, logger *slog.Logger) (*app, error) {
	cfg = runningEmbedded(cfg)
	cfg.seedDemo = false
	return open(ctx, cfg, logger, hub.Options{})
}

// runningEmbedded points cfg at a running server's embedded FerretDB
// when one answers on the embedded address.
func runningEmbedded(cfg config) config {
	if cfg.mongoURI == "" {
		if c, err := net.DialTimeout("tcp", cfg.embeddedAddr, 300*time.Millisecond); err == nil {
			c.Close()
			cfg.mongoURI = "mongodb://" + cfg.embeddedAddr + "/"
		}
	}
	return cfg
}

// openStore connects to the configured database (starting the embedded
// one if needed) without loading a hub: backup and restore read and
// write the log alone.
func openStore(ctx context.Context, cfg config) (*store.Store, func(), error) {
	cfg = runningEmbedded(cfg)
	uri := cfg.mongoURI
	var emb *store.Embedded
	if uri == "" {
		var err error
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if emb, err = store.StartEmbedded(filepath.Join(cfg.dataDir, "ferretdb"), cfg.embeddedAddr, quiet); err != nil {
			return nil, nil, err
		}
		uri = emb.URI
	}
	st, err := store.Connect(ctx, uri, cfg.database)
	if err != nil {
		if emb != nil {
			emb.Stop()
		}
		return nil, nil, err
	}
	return st, func() {
		st.Close(context.Background())
		if emb != nil {
			emb.Stop()
		}
	}, nil
}

// backupCommand writes the event log to cfg.file, or to out without one.
func backupCommand(ctx context.Context, cfg config, logger *slog.Logger, out, errOut io.Writer) error {
	st, done, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	w, name := out, "standard output"
	if cfg.file != "" && cfg.file != "-" {
		f, err := os.OpenFile(cfg.file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w, name = f, cfg.file
	}
	meter := progress.New(errOut, "backup", "events", 0)
	n, err := backup.Write(ctx, st, w, func(done, total int) { meter.SetTotal(total); meter.Set(done) })
	meter.Done()
	if err != nil {
		if w != out {
			os.Remove(cfg.file) // no half a backup under a backup's name
		}
		return err
	}
	if f, ok := w.(*os.File); ok && w != out {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	logger.Info("backup written", "events", n, "to", name)
	return nil
}

// restoreCommand loads a backup into an empty database.
func restoreCommand(ctx context.Context, cfg config, logger *slog.Logger, errOut io.Writer) error {
	f, err := os.Open(cfg.file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, done, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	meter := progress.New(errOut, "restore", "events", 0)
	n, err := backup.Restore(ctx, st, f, func(done, total int) { meter.SetTotal(total); meter.Set(done) })
	meter.Done()
	if err != nil {
		return err
	}
	if err := st.SetHead(ctx, int64(n)); err != nil {
		return err
	}
	logger.Info("backup restored", "events", n, "from", cfg.file)
	return nil
}

// importCommand loads a plan file, or with --dry-run only checks it.
func importCommand(ctx context.Context, cfg config, logger *slog.Logger, out, errOut io.Writer) error {
	data, err := os.ReadFile(cfg.file)
	if err != nil {
		return err
	}
	a, err := openForCommand(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	meter := progress.New(errOut, "import", "events", 0)
	rep, err := seed.Import(ctx, a.hub, data, seed.ImportOptions{DryRun: cfg.dryRun, Progress: func(done, total int) {
		meter.SetTotal(total)
		meter.Set(done)
	}})
	meter.Done()
	var problems seed.Problems
	if errors.As(err, &problems) {
		for _, p := range problems {
			fmt.Fprintf(errOut, "%s: %s\n", cfg.file, p)
		}
		return fmt.Errorf("%s: %d problems; nothing was written", cfg.file, len(problems))
	}
	if err != nil {
		return err
	}
	switch {
	case cfg.dryRun:
		fmt.Fprintf(out, "%s: no problems; importing it would write %s\n", cfg.file, rep)
	case rep.Unchanged():
		fmt.Fprintf(out, "%s: %s\n", cfg.file, rep)
	default:
		fmt.Fprintf(out, "%s: imported %s\n", cfg.file, rep)
	}
	return nil
}

// healthcheckCommand asks the server listening on cfg.addr whether it is
// ready (GET /readyz): the container image's HEALTHCHECK, which has no
// shell or HTTP client of its own.
func healthcheckCommand(ctx context.Context, cfg config) error {
	host, port, err := net.SplitHostPort(cfg.addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: /readyz answered %s", res.Status)
	}
	return nil
}

// Package app is Convene's composition root: it opens the database (the
// embedded FerretDB unless a MongoDB URI is given), the hub on it, and
// builds the HTTP handler around them; Run carries out one command line.
// The binary (server.go), the end-to-end tests and the benchmark all build
// the server through it.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"convene/auth"
	"convene/gateway"
	"convene/hub"
	"convene/live"
	"convene/seed"
	"convene/store"
	"convene/webhook"
)

// App is a running hub: its database, its domain and its HTTP handler.
type App struct {
	logger     *slog.Logger
	embedded   *store.Embedded // nil when MONGODB_URI is set
	lock       *dataDirLock    // held while embedded runs
	store      *store.Store
	hub        *hub.Hub
	auth       *auth.Authenticator
	publicRead bool
	live       *live.Server   // WebSocket subscriptions
	gateway    gateway.Config // the HTTP surface
	webhooks   *webhook.Service
	stopped    chan struct{}
}

// Options adjust an App beyond its configuration, for tests and the
// benchmark; the zero value is what the binary runs.
type Options struct {
	Hub hub.Options
	// WrapLog, when set, wraps the store's event log before the hub
	// sees it (the benchmark counts the hub's calls to the database).
	WrapLog func(hub.EventLog) hub.EventLog
	// Out is where a generated admin token is printed (default
	// standard output).
	Out io.Writer
}

// Open connects to the database (starting the embedded one, under the
// data directory's lock, if no URI is given), loads the read model and,
// on a fresh embedded database, the demo data.
func Open(ctx context.Context, cfg Config, logger *slog.Logger, opts Options) (*App, error) {
	a := &App{logger: logger, stopped: make(chan struct{})}
	if err := a.openDatabase(ctx, cfg, logger); err != nil {
		a.Close(context.Background())
		return nil, err
	}
	st := a.store
	var log hub.EventLog = st
	var err error
	if opts.WrapLog != nil {
		log = opts.WrapLog(st)
	}
	hubOpts := opts.Hub
	hubOpts.Logger = logger
	if a.hub, err = hub.Open(ctx, log, hubOpts); err != nil {
		a.Close(context.Background())
		return nil, err
	}
	// Loading the read model is the process's largest burst of garbage
	// (decoded checkpoints); hand the idle heap back to the OS once
	// rather than hold it at its peak for the process's life.
	debug.FreeOSMemory()
	if a.embedded != nil && cfg.seedDemo && len(a.hub.Model().Plans()) == 0 && a.hub.Model().Seq() == 0 {
		if err := seed.Load(ctx, a.hub); err != nil {
			a.Close(context.Background())
			return nil, fmt.Errorf("loading the demo data: %w", err)
		}
		logger.Info("demo data loaded", "events", a.hub.Model().Seq())
	}
	a.hub.Model().PrepareReferralRelease(a.hub.Today())
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	token, err := adminToken(cfg, logger, out)
	if err != nil {
		a.Close(context.Background())
		return nil, err
	}
	a.auth = auth.New(a.hub.Model(), token)
	a.publicRead = cfg.publicRead
	a.gateway = cfg.gateway
	a.live = live.NewServer(cfg.gateway.LiveOptions(live.Options{Logger: logger, Authenticate: a.authenticateInit, Audience: auth.Audience, InitTimeout: cfg.wsInit}))
	go a.closeRevokedConnections()
	if cfg.command == "serve" {
		if err := a.startWebhooks(cfg); err != nil {
			a.Close(context.Background())
			return nil, err
		}
	}
	return a, nil
}

// openDatabase connects to the configured database, starting the
// embedded one under the data directory's lock when no URI is given.
func (a *App) openDatabase(ctx context.Context, cfg Config, logger *slog.Logger) error {
	uri := cfg.mongoURI
	if uri == "" {
		lock, err := lockDataDir(cfg.dataDir)
		if err != nil {
			return err
		}
		a.lock = lock
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		ec := cfg.embedded
		ec.Dir, ec.Addr, ec.Logger, ec.Alerts = filepath.Join(cfg.dataDir, "ferretdb"), cfg.embeddedAddr, quiet, logger
		emb, err := store.StartEmbeddedConfig(ec)
		if err != nil {
			return err
		}
		a.embedded, uri = emb, emb.URI
		if err := lock.publish(uri); err != nil {
			return err
		}
		logger.Info("embedded FerretDB started; open it with MongoDB tools at this URI", "uri", uri, "backend", ec.Backend, "data", emb.Where())
	}
	st, err := store.Connect(ctx, uri, cfg.database)
	if err != nil {
		return err
	}
	a.store = st
	logger.Info("connected to the database", "database", cfg.database, "replicaSet", st.ReplicaSet())
	if dir := a.embeddedSQLite(); dir != "" {
		st.WatchDisk(dir)
		if err := st.IndexLookups(dir); err != nil {
			return err
		}
	}
	return nil
}

// embeddedSQLite is the directory of the embedded database's SQLite
// files, or "" when the database is not the embedded SQLite one.
func (a *App) embeddedSQLite() string {
	if a.embedded == nil {
		return ""
	}
	return a.embedded.DataDir()
}

// Hub is the domain the App serves.
func (a *App) Hub() *hub.Hub { return a.hub }

// Store is the App's database.
func (a *App) Store() *store.Store { return a.store }

// authenticateInit checks a WebSocket's connection_init: its token, and
// the public-read policy.
func (a *App) authenticateInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	ctx, err := a.auth.AuthenticateInit(ctx, payload)
	if err == nil && !a.publicRead && !auth.ViewerFrom(ctx).Authenticated() {
		err = errors.New("this server requires a token in the connection_init payload")
	}
	return ctx, err
}

// closeRevokedConnections ends, within a quarter second, every WebSocket
// whose token has been revoked (through any instance) or has expired.
func (a *App) closeRevokedConnections() {
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
func adminToken(cfg Config, logger *slog.Logger, out io.Writer) (string, error) {
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
	fmt.Fprintf(out, "\nAdmin token (shown once; also in %s):\n\n  %s\n\nSend it as: Authorization: Bearer %s\n\n", path, token, token)
	return token, nil
}

// Close ends the WebSockets (telling clients to resume elsewhere), writes
// outstanding snapshots and releases the database.
func (a *App) Close(ctx context.Context) {
	select {
	case <-a.stopped:
	default:
		close(a.stopped)
	}
	if a.live != nil {
		a.live.Shutdown()
	}
	if a.webhooks != nil {
		a.webhooks.Close()
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
	a.lock.release()
}

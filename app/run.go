package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"convene/hub"
	"convene/internal/sweeppoll"
	"convene/opaque"
	"convene/seed"
)

// Run carries out cfg's command until it is done or, for serve, until ctx
// ends. What a command prints, secrets included, goes to out; progress
// and problems to errOut.
func Run(ctx context.Context, cfg Config, logger *slog.Logger, out, errOut io.Writer) error {
	switch cfg.command {
	case "seed":
		return seedCommand(ctx, cfg, logger, out)
	case "import":
		return importCommand(ctx, cfg, logger, out, errOut)
	case "backup":
		return backupCommand(ctx, cfg, logger, out, errOut)
	case "restore":
		return restoreCommand(ctx, cfg, logger, errOut)
	case "healthcheck":
		return healthcheckCommand(ctx, cfg)
	case "token create":
		return createTokenCommand(ctx, cfg, logger, out)
	default:
		return serve(ctx, cfg, logger, out)
	}
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
// It listens first, so that a busy port fails before anything is opened,
// seeded or printed.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	a, err := Open(ctx, cfg, logger, Options{Out: out})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	sweeppoll.Start() // requests are read while the runtime sweeps
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	logger.Info("convene is serving", "url", "http://"+displayAddr(ln.Addr()), "graphql", "/graphql")
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

// useRunningServer points a command at the database of the server that
// runs on the command's data directory, if one does (through the data
// directory's lock file), so that two processes never open its files.
func useRunningServer(cfg Config, logger *slog.Logger) (Config, error) {
	if cfg.mongoURI != "" {
		return cfg, nil
	}
	uri, err := runningDatabase(cfg.dataDir)
	if err != nil {
		return cfg, err
	}
	if uri != "" {
		logger.Info("a server runs on the data directory; using its database", "uri", uri, "data", cfg.dataDir)
		cfg.mongoURI = uri
	}
	return cfg, nil
}

// createTokenCommand issues a token against the configured database and
// prints its secret once: the way to make the first admin token of a
// fresh deployment. It works beside a running server (useRunningServer).
func createTokenCommand(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) error {
	cfg, err := useRunningServer(cfg, logger)
	if err != nil {
		return err
	}
	cfg.seedDemo = false
	a, err := Open(ctx, cfg, logger, Options{Out: out})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	in := hub.IssueTokenInput{Label: cfg.newToken.label, Role: hub.Role(strings.ToUpper(cfg.newToken.role))}
	if s := cfg.newToken.stakeholder; s != "" {
		in.StakeholderID = s
		if t, id, ok := opaque.ParseGlobalID(s); ok && t == hub.TypeStakeholder {
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
		t.Role, t.Label, opaque.GlobalID(hub.TypeToken, t.ID), secret, secret)
	return nil
}

// seedCommand loads the demo data into the configured database, beside
// a running server too (useRunningServer).
func seedCommand(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) error {
	cfg, err := useRunningServer(cfg, logger)
	if err != nil {
		return err
	}
	cfg.seedDemo = false
	a, err := Open(ctx, cfg, logger, Options{Out: out})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	if err := seed.Load(ctx, a.hub); err != nil {
		return err
	}
	logger.Info("demo data loaded", "events", a.hub.Model().Seq())
	return nil
}

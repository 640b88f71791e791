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
	"convene/resolvers"
	"convene/seed"
)

// Run carries out cfg's command (serve, seed or token create) until it is
// done or, for serve, until ctx ends. Secrets a command issues go to out.
func Run(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) error {
	switch cfg.command {
	case "seed":
		return seedCommand(ctx, cfg, logger)
	case "token create":
		return createTokenCommand(ctx, cfg, logger, out)
	default:
		return serve(ctx, cfg, logger, nil)
	}
}

// serve runs the HTTP server until ctx ends, then shuts down gracefully.
// It reports the bound address on ready, when given.
func serve(ctx context.Context, cfg Config, logger *slog.Logger, ready chan<- string) error {
	a, err := Open(ctx, cfg, logger, Options{})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler(),
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
func createTokenCommand(ctx context.Context, cfg Config, logger *slog.Logger, out io.Writer) error {
	if cfg.mongoURI == "" {
		if c, err := net.DialTimeout("tcp", cfg.embeddedAddr, 300*time.Millisecond); err == nil {
			c.Close()
			cfg.mongoURI = "mongodb://" + cfg.embeddedAddr + "/"
		}
	}
	cfg.seedDemo = false
	a, err := Open(ctx, cfg, logger, Options{})
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
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
func seedCommand(ctx context.Context, cfg Config, logger *slog.Logger) error {
	cfg.seedDemo = false
	a, err := Open(ctx, cfg, logger, Options{})
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

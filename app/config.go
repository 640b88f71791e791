package app

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"convene/gateway"
)

// Config is every setting of one run of convene: the command and its
// flags, with environment fallbacks. ParseConfig is the one place that
// reads configuration; its fields stay unexported so that nothing else
// does (tests in this package adjust them directly).
type Config struct {
	command      string // serve, seed or "token create"
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

// ParseConfig reads the command line (a command, then flags), falling
// back to the environment, then defaults.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := Config{command: "serve"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.command, args = args[0], args[1:]
	}
	if cfg.command == "token" && len(args) > 0 && args[0] == "create" {
		cfg.command, args = "token create", args[1:]
	}
	if cfg.command != "serve" && cfg.command != "seed" && cfg.command != "token create" {
		return cfg, fmt.Errorf("unknown command %q (want serve, seed or token create)", cfg.command)
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
	if cfg.command == "serve" {
		cfg.gateway.RegisterFlags(fs, getenv)
	} else {
		cfg.gateway = gateway.DefaultConfig()
	}
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

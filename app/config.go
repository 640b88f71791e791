package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"convene/gateway"
	"convene/hub"
	"convene/store"
)

// Config is every setting of one run of convene: the command and its
// flags, with environment fallbacks. ParseConfig is the one place that
// reads configuration; its fields stay unexported so that nothing else
// does (tests in this package adjust them directly).
type Config struct {
	command      string // one of commands
	file         string // the file that import, backup and restore read or write
	dryRun       bool   // import: check only
	addr         string
	dataDir      string
	mongoURI     string
	database     string
	embeddedAddr string
	embedded     store.EmbeddedConfig // the embedded FerretDB's backend: SQLite files or PostgreSQL
	adminToken   string
	seedDemo     bool
	wsInit       time.Duration // how long a WebSocket may wait before connection_init
	publicRead   bool
	gateway      gateway.Config // the HTTP surface: CORS, limits, query cost, rate limits
	newToken     tokenFlags     // for "token create"
	webhooks     webhookFlags   // serve: webhook deliveries
}

// webhookFlags configure webhook deliveries.
type webhookFlags struct {
	key                     string // base64 of 32 bytes; empty: the data directory's
	allowPrivate, allowHTTP bool
}

// tokenFlags describe the token that "token create" issues.
type tokenFlags struct {
	role, label, stakeholder string
	expires                  time.Duration
}

// commands are what convene does, the first by default; each has its
// own flags besides those every command takes (see register).
var commands = []struct{ name, summary string }{
	{"serve", "serve the API, the playground and the exports (the default)"},
	{"seed", "load the demo data into the configured database (refuses when it already holds data)"},
	{"import", "import FILE [--dry-run]: load a plan (YAML or JSON, seed/FORMAT.md), or progress reports (a .csv with the progress-reports export's columns), into the configured database, all or nothing"},
	{"backup", "backup [FILE]: write the event log to FILE (a new file) or standard output, consistent while servers run"},
	{"restore", "restore FILE: load a backup into an empty database"},
	{"token create", "issue a token against the configured database and print its secret once"},
	{"healthcheck", "exit 0 when the server on --addr is ready (GET /readyz): the container image's health check"},
}

// roles are the values of token create's --role.
var roles = []hub.Role{hub.RoleAdmin, hub.RoleEditor, hub.RoleViewer}

// ParseConfig reads the command line (a command, then flags), falling
// back to the environment, then defaults. --help (or the command help)
// returns flag.ErrHelp; Usage describes every command and flag.
func ParseConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := Config{command: "serve"}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.command, args = args[0], args[1:]
	}
	if cfg.command == "token" && len(args) > 0 && args[0] == "create" {
		cfg.command, args = "token create", args[1:]
	}
	if cfg.command == "help" {
		return cfg, flag.ErrHelp
	}
	if !slices.ContainsFunc(commands, func(c struct{ name, summary string }) bool { return c.name == cfg.command }) {
		return cfg, fmt.Errorf("unknown command %q (want %s)", cfg.command, commandNames())
	}
	fs := flag.NewFlagSet("convene "+cfg.command, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; Usage is printed by the caller
	cfg.registerCommon(fs, getenv)
	switch cfg.command {
	case "serve":
		cfg.gateway.RegisterFlags(fs, getenv)
		cfg.registerWebhooks(fs, getenv)
	case "token create":
		cfg.registerToken(fs)
	case "import":
		cfg.registerImport(fs)
	}
	if cfg.command != "serve" {
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
	if b := cfg.embedded.Backend; b != store.BackendSQLite && b != store.BackendPostgreSQL {
		return cfg, fmt.Errorf("--embedded-backend %q: want %s or %s", b, store.BackendSQLite, store.BackendPostgreSQL)
	}
	if cfg.embedded.Backend == store.BackendPostgreSQL && cfg.embedded.PostgreSQLURL == "" && cfg.mongoURI == "" {
		return cfg, errors.New("--embedded-backend postgresql needs --postgresql-url (CONVENE_POSTGRESQL_URL)")
	}
	if cfg.command == "token create" {
		if cfg.newToken.role == "" {
			return cfg, fmt.Errorf("token create needs --role (%s)", roleNames())
		}
		if strings.TrimSpace(cfg.newToken.label) == "" {
			return cfg, errors.New("token create needs --label (what the token is for)")
		}
	}
	return cfg, nil
}

// registerCommon defines the flags every command takes.
func (cfg *Config) registerCommon(fs *flag.FlagSet, getenv func(string) string) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&cfg.addr, "addr", env("CONVENE_ADDR", ":8080"), "HTTP listen address (CONVENE_ADDR)")
	fs.StringVar(&cfg.dataDir, "data-dir", env("CONVENE_DATA_DIR", "data"), "directory for the embedded database, its lock file and the generated admin token (CONVENE_DATA_DIR)")
	fs.StringVar(&cfg.mongoURI, "mongodb-uri", env("MONGODB_URI", ""), "MongoDB connection string; empty starts the embedded FerretDB (MONGODB_URI)")
	fs.StringVar(&cfg.database, "database", env("CONVENE_DATABASE", "convene"), "MongoDB database name (CONVENE_DATABASE)")
	fs.StringVar(&cfg.embeddedAddr, "embedded-addr", env("CONVENE_EMBEDDED_ADDR", "127.0.0.1:27018"), "loopback address of the embedded FerretDB; port 0 picks a free one (CONVENE_EMBEDDED_ADDR)")
	fs.StringVar(&cfg.embedded.Backend, "embedded-backend", env("CONVENE_EMBEDDED_BACKEND", store.BackendSQLite), "where the embedded FerretDB keeps its data: sqlite (files in the data directory) or postgresql (CONVENE_EMBEDDED_BACKEND)")
	fs.StringVar(&cfg.embedded.PostgreSQLURL, "postgresql-url", env("CONVENE_POSTGRESQL_URL", ""), "PostgreSQL database of the postgresql backend, postgres://user:password@host:5432/convene (CONVENE_POSTGRESQL_URL)")
	fs.StringVar(&cfg.adminToken, "admin-token", env("CONVENE_ADMIN_TOKEN", ""), "bearer token for mutations; empty generates one in the data directory (CONVENE_ADMIN_TOKEN)")
	fs.BoolVar(&cfg.seedDemo, "seed-demo", env("CONVENE_SEED_DEMO", "true") == "true", "load the demo data when the embedded database is empty (CONVENE_SEED_DEMO)")
	fs.BoolVar(&cfg.publicRead, "public-read", env("CONVENE_PUBLIC_READ", "true") == "true", "let anonymous clients read public data; false requires a token for every request (CONVENE_PUBLIC_READ)")
	fs.DurationVar(&cfg.wsInit, "ws-init-timeout", envDuration(getenv, "CONVENE_WS_INIT_TIMEOUT", 10*time.Second), "how long a WebSocket client may take to send connection_init (CONVENE_WS_INIT_TIMEOUT)")
}

// registerWebhooks defines the flags of webhook deliveries.
func (cfg *Config) registerWebhooks(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&cfg.webhooks.key, "webhook-key", getenv("CONVENE_WEBHOOK_KEY"), "base64 of 32 bytes that webhook secrets are encrypted under; every instance needs the same; empty: generated into <data-dir>/webhook-key (CONVENE_WEBHOOK_KEY)")
	fs.BoolVar(&cfg.webhooks.allowPrivate, "webhook-allow-private", getenv("CONVENE_WEBHOOK_ALLOW_PRIVATE") == "true", "let webhooks reach loopback, private, link-local and metadata addresses (CONVENE_WEBHOOK_ALLOW_PRIVATE)")
	fs.BoolVar(&cfg.webhooks.allowHTTP, "webhook-allow-http", getenv("CONVENE_WEBHOOK_ALLOW_HTTP") == "true", "let webhooks use plain http as well as https (CONVENE_WEBHOOK_ALLOW_HTTP)")
}

// registerToken defines the flags of token create.
func (cfg *Config) registerToken(fs *flag.FlagSet) {
	fs.Func("role", roleNames()+" (required)", func(s string) error {
		r := hub.Role(strings.ToUpper(s))
		if !slices.Contains(roles, r) {
			return fmt.Errorf("want %s", roleNames())
		}
		cfg.newToken.role = string(r)
		return nil
	})
	fs.StringVar(&cfg.newToken.label, "label", "", "what the token is for (required)")
	fs.StringVar(&cfg.newToken.stakeholder, "stakeholder", "", "for EDITOR tokens: the stakeholder's global ID or key")
	fs.DurationVar(&cfg.newToken.expires, "expires", 0, "lifetime, such as 720h; never expires when 0")
}

// registerImport defines the flags of import.
func (cfg *Config) registerImport(fs *flag.FlagSet) {
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "check the file and print every problem with its line and field (a .csv: its row and column); write nothing")
}

// Usage writes the help: every command, then every flag, grouped by the
// commands that take it, with its environment variable and default.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: convene [command] [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	none := func(string) string { return "" }
	var cfg Config
	groups := []struct {
		title    string
		register func(*flag.FlagSet)
	}{
		{"Flags of every command", func(fs *flag.FlagSet) { cfg.registerCommon(fs, none) }},
		{"Flags of serve", func(fs *flag.FlagSet) { cfg.gateway.RegisterFlags(fs, none); cfg.registerWebhooks(fs, none) }},
		{"Flags of token create", cfg.registerToken},
		{"Flags of import", cfg.registerImport},
	}
	for _, g := range groups {
		fs := flag.NewFlagSet(g.title, flag.ContinueOnError)
		g.register(fs)
		fs.SetOutput(w)
		fmt.Fprintf(w, "\n%s:\n", g.title)
		fs.PrintDefaults()
	}
}

func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return orList(names)
}

func roleNames() string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return orList(names)
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// envDuration reads a duration such as "10s" from the environment.
func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil {
		return d
	}
	return def
}

// Serves reports whether cfg's command is serve, the long-running one.
func (c Config) Serves() bool { return c.command == "serve" }

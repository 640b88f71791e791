// Package gateway is Convene's HTTP surface around the GraphQL executor:
// GraphQL-over-HTTP transports with the spec's status codes, query cost,
// depth and alias limits, automatic persisted queries, CORS and CSRF
// prevention, body-size and rate limits, request ids, request logging and
// Prometheus metrics. It knows nothing of the domain: package app
// wires it around the gqlgen server (app/routes.go).
package gateway

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"convene/live"
)

// Config is every setting of the HTTP surface. The zero value is not
// useful: start from DefaultConfig, or let RegisterFlags fill it.
type Config struct {
	// CORSOrigins are the browser origins allowed to call the API from
	// another site, such as https://app.example.org; a pattern may hold
	// one `*` (https://*.example.org) and `*` alone allows every origin.
	// Empty: only same-origin pages (the playground) may call it. The same
	// list guards the WebSocket upgrade (see LiveOptions).
	CORSOrigins []string
	// Introspection allows __schema and __type, and serves /schema.graphql.
	Introspection bool

	// MaxCost bounds an operation's cost (see cost.go); MaxDepth its
	// nesting; MaxAliases the aliased fields in a document; MaxTokens the
	// lexical tokens of a document. Zero or negative disables a limit.
	MaxCost    int
	MaxDepth   int
	MaxAliases int
	MaxTokens  int
	// DefaultPageSize is what a connection without first/last costs per
	// item (the resolvers' default page).
	DefaultPageSize int

	// MaxBodyBytes bounds a request body (413 above it).
	MaxBodyBytes int64
	// RequestTimeout bounds the execution of a query or mutation.
	RequestTimeout time.Duration
	// RateLimit is the sustained requests per second allowed per token
	// (anonymous callers: per client IP), with bursts of RateBurst; 0
	// disables rate limiting.
	RateLimit float64
	RateBurst int

	// APQCacheSize bounds the automatic persisted queries kept (LRU);
	// QueryCacheSize the parsed and validated documents kept (LRU).
	APQCacheSize   int
	QueryCacheSize int
	// ResponseCacheBytes bounds the response cache (see Answers); 0 turns
	// it off.
	ResponseCacheBytes int64

	// WSReadLimit bounds one incoming WebSocket message in bytes;
	// WSMaxSubscriptions the operations one connection runs at once.
	WSReadLimit        int64
	WSMaxSubscriptions int

	// CSRFHeaders: a request without a non-simple Content-Type must carry
	// one of these (non-empty) to be served; see csrf.go.
	CSRFHeaders []string

	// envErrs are environment values that did not parse; New logs them.
	envErrs []string
}

// DefaultConfig is the configuration when nothing is set.
func DefaultConfig() Config {
	return Config{
		Introspection:      true,
		MaxCost:            1000,
		MaxDepth:           12,
		MaxAliases:         30,
		MaxTokens:          10000,
		DefaultPageSize:    20,
		MaxBodyBytes:       1 << 20,
		RequestTimeout:     15 * time.Second,
		RateLimit:          50,
		RateBurst:          500,
		APQCacheSize:       1000,
		QueryCacheSize:     1000,
		ResponseCacheBytes: 32 << 20,
		WSReadLimit:        64 << 10,
		WSMaxSubscriptions: 100,
		CSRFHeaders:        []string{"X-Apollo-Operation-Name", "Apollo-Require-Preflight"},
	}
}

// RegisterFlags fills c with the defaults, overridden by the environment
// (CONVENE_…), and registers a flag for each setting on fs, so that a
// flag given on the command line wins over both.
func (c *Config) RegisterFlags(fs *flag.FlagSet, getenv func(string) string) {
	*c = DefaultConfig()
	env := func(name string, set func(string) error) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			if err := set(v); err != nil {
				c.envErrs = append(c.envErrs, fmt.Sprintf("%s=%q: %v (using the default)", name, v, err))
			}
		}
	}
	list := func(p *[]string) func(string) error {
		return func(s string) error { *p = splitList(s); return nil }
	}
	intVar := func(p *int) func(string) error {
		return func(s string) error {
			n, err := strconv.Atoi(s)
			if err == nil {
				*p = n
			}
			return err
		}
	}
	int64Var := func(p *int64) func(string) error {
		return func(s string) error {
			n, err := parseBytes(s)
			if err == nil {
				*p = n
			}
			return err
		}
	}
	boolVar := func(p *bool) func(string) error {
		return func(s string) error {
			b, err := strconv.ParseBool(s)
			if err == nil {
				*p = b
			}
			return err
		}
	}
	floatVar := func(p *float64) func(string) error {
		return func(s string) error {
			f, err := strconv.ParseFloat(s, 64)
			if err == nil && f < 0 {
				err = fmt.Errorf("must not be negative")
			}
			if err == nil {
				*p = f
			}
			return err
		}
	}
	durVar := func(p *time.Duration) func(string) error {
		return func(s string) error {
			d, err := time.ParseDuration(s)
			if err == nil {
				*p = d
			}
			return err
		}
	}

	type setting struct {
		flag, env, usage string
		set              func(string) error
		show             func() string
		isBool           bool
	}
	settings := []setting{
		{"cors-origins", "CONVENE_CORS_ORIGINS", "comma-separated browser origins allowed cross-site, over HTTP and WebSocket (https://app.example.org, https://*.example.org, or *)",
			list(&c.CORSOrigins), func() string { return strings.Join(c.CORSOrigins, ",") }, false},
		{"introspection", "CONVENE_INTROSPECTION", "allow introspection and serve /schema.graphql",
			boolVar(&c.Introspection), func() string { return strconv.FormatBool(c.Introspection) }, true},
		{"max-cost", "CONVENE_MAX_COST", "maximum cost of an operation (0: no limit)",
			intVar(&c.MaxCost), func() string { return strconv.Itoa(c.MaxCost) }, false},
		{"max-depth", "CONVENE_MAX_DEPTH", "maximum nesting of an operation's fields (0: no limit)",
			intVar(&c.MaxDepth), func() string { return strconv.Itoa(c.MaxDepth) }, false},
		{"max-aliases", "CONVENE_MAX_ALIASES", "maximum aliased fields in a document (0: no limit)",
			intVar(&c.MaxAliases), func() string { return strconv.Itoa(c.MaxAliases) }, false},
		{"max-tokens", "CONVENE_MAX_TOKENS", "maximum lexical tokens in a document (0: no limit)",
			intVar(&c.MaxTokens), func() string { return strconv.Itoa(c.MaxTokens) }, false},
		{"max-body-bytes", "CONVENE_MAX_BODY_BYTES", "maximum request body, in bytes (suffixes KiB, MiB allowed)",
			int64Var(&c.MaxBodyBytes), func() string { return strconv.FormatInt(c.MaxBodyBytes, 10) }, false},
		{"request-timeout", "CONVENE_REQUEST_TIMEOUT", "deadline for executing one query or mutation",
			durVar(&c.RequestTimeout), func() string { return c.RequestTimeout.String() }, false},
		{"rate-limit", "CONVENE_RATE_LIMIT", "sustained requests per second per token (anonymous: per client IP); 0 disables",
			floatVar(&c.RateLimit), func() string { return strconv.FormatFloat(c.RateLimit, 'g', -1, 64) }, false},
		{"rate-burst", "CONVENE_RATE_BURST", "requests a token or IP may make at once above the sustained rate",
			intVar(&c.RateBurst), func() string { return strconv.Itoa(c.RateBurst) }, false},
		{"apq-cache-size", "CONVENE_APQ_CACHE_SIZE", "automatic persisted queries kept (LRU)",
			intVar(&c.APQCacheSize), func() string { return strconv.Itoa(c.APQCacheSize) }, false},
		{"query-cache-size", "CONVENE_QUERY_CACHE_SIZE", "parsed and validated documents kept (LRU)",
			intVar(&c.QueryCacheSize), func() string { return strconv.Itoa(c.QueryCacheSize) }, false},
		{"response-cache-bytes", "CONVENE_RESPONSE_CACHE_BYTES", "memory for answers to anonymous queries, kept until the next change (0: no cache; suffixes KiB, MiB allowed)",
			int64Var(&c.ResponseCacheBytes), func() string { return strconv.FormatInt(c.ResponseCacheBytes, 10) }, false},
		{"ws-read-limit", "CONVENE_WS_READ_LIMIT", "maximum size of one incoming WebSocket message, in bytes",
			int64Var(&c.WSReadLimit), func() string { return strconv.FormatInt(c.WSReadLimit, 10) }, false},
		{"ws-max-subscriptions", "CONVENE_WS_MAX_SUBSCRIPTIONS", "operations one WebSocket connection may run at once",
			intVar(&c.WSMaxSubscriptions), func() string { return strconv.Itoa(c.WSMaxSubscriptions) }, false},
	}
	for _, s := range settings {
		env(s.env, s.set)
		fs.Var(&flagValue{set: s.set, show: s.show, isBool: s.isBool}, s.flag, s.usage+" ("+s.env+")")
	}
}

// LiveOptions returns o with the WebSocket settings of c: the allowed
// origins (the CORS list), the message size limit and the cap on
// operations per connection.
func (c Config) LiveOptions(o live.Options) live.Options {
	o.OriginPatterns = append([]string(nil), c.CORSOrigins...)
	if c.WSReadLimit > 0 {
		o.ReadLimit = c.WSReadLimit
	}
	if c.WSMaxSubscriptions > 0 {
		o.MaxSubscriptions = c.WSMaxSubscriptions
	}
	return o
}

// flagValue adapts a setter to flag.Value; show gives the current value.
type flagValue struct {
	set    func(string) error
	show   func() string
	isBool bool
}

func (f *flagValue) Set(s string) error { return f.set(s) }
func (f *flagValue) String() string {
	if f == nil || f.show == nil {
		return ""
	}
	return f.show()
}
func (f *flagValue) IsBoolFlag() bool { return f.isBool }

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, strings.TrimRight(part, "/"))
		}
	}
	return out
}

// parseBytes reads a byte count: 1048576, 512KiB, 1MiB, 1M.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"K", 1 << 10}, {"M", 1 << 20}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("must not be negative")
	}
	return n * mult, nil
}

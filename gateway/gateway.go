package gateway

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"convene/live"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Deps are what the gateway observes and how it tells callers apart.
type Deps struct {
	// Logger receives one line per operation; give it Logger(…) so that
	// lines carry request ids (New does so when it is not).
	Logger *slog.Logger
	// Live is the WebSocket transport, for its gauges (optional).
	Live *live.Server
	// Seq is the read model's position in the event log (optional).
	Seq func() int64
	// Lag counts the events in the log that the read model has not
	// applied; called at scrape time (optional).
	Lag func(ctx context.Context) (int64, error)
	// Identify names the caller of a request for rate limiting; it runs
	// after authentication (default: DefaultIdentify).
	Identify func(r *http.Request) string
	// Path is where GraphQL is served (default /graphql): its requests are
	// logged and counted.
	Path string
	// Audience names what the caller of ctx may see, for the response
	// cache: callers with the same audience must get the same answer to
	// the same query at the same Seq and Today; "" for a caller whose
	// answers are not to be cached. Without it (or Seq) nothing is cached.
	Audience func(ctx context.Context) string
	// Today is the date answers are computed for (optional).
	Today func() string
	// ListSizes bounds the plain list fields for query cost (optional;
	// see Limits.ListSizes).
	ListSizes func() map[string]int
	// Plan answers the queries it has plans for without gqlgen's
	// operation setup (optional; see Plans).
	Plan Planner
	// Context, when set, adds to the context of every request what the
	// handlers inside read of it (auth.Authenticator.Context: who is
	// calling), in the one copy of the request that Wrap makes anyway.
	Context func(ctx context.Context, r *http.Request) context.Context
}

// Gateway is the HTTP surface of one server.
type Gateway struct {
	cfg      Config
	logger   *slog.Logger
	text     *TextHandler // the logger's, when it is one (under request ids)
	path     string
	identify func(*http.Request) string
	metrics  *metrics
	limiter  *rateLimiter
	answers  *Answers
	sizes    func() map[string]int
	plan     Planner
	context  func(context.Context, *http.Request) context.Context

	// Set by Extend, for the planned reads.
	docs   graphql.Cache[*ast.QueryDocument]
	limits *Limits
}

// New returns the gateway for cfg.
func New(cfg Config, deps Deps) *Gateway {
	g := &Gateway{
		cfg:      cfg,
		logger:   Logger(deps.Logger),
		path:     deps.Path,
		identify: deps.Identify,
		metrics:  newMetrics(deps),
		answers:  newAnswers(cfg.ResponseCacheBytes, deps),
		sizes:    deps.ListSizes,
		plan:     deps.Plan,
		context:  deps.Context,
	}
	if h, ok := g.logger.Handler().(requestIDHandler); ok {
		g.text, _ = h.Handler.(*TextHandler)
	}
	if g.path == "" {
		g.path = "/graphql"
	}
	if g.identify == nil {
		g.identify = DefaultIdentify
	}
	if cfg.RateLimit > 0 {
		g.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	for _, e := range cfg.envErrs {
		g.logger.Warn("ignoring an invalid setting", "setting", e)
	}
	return g
}

// Answers returns the response cache for the GET and POST transports, or
// nil when it is off.
func (g *Gateway) Answers() *Answers { return g.answers }

// Config returns the gateway's configuration.
func (g *Gateway) Config() Config { return g.cfg }

// Extend configures a gqlgen server: the parsed-query cache, the token
// limit, and the extensions: introspection (when enabled), automatic
// persisted queries, cost/depth/alias limits with extensions.cost, the
// execution deadline, the operation log and the completion of
// subscription events' results. Transports are added by the caller: GET,
// POST, SSE and Unsupported from this package.
func (g *Gateway) Extend(srv *handler.Server) {
	if n := g.cfg.QueryCacheSize; n > 0 {
		g.docs = lru.New[*ast.QueryDocument](n)
		srv.SetQueryCache(g.docs)
	}
	if n := g.cfg.MaxTokens; n > 0 {
		srv.SetParserTokenLimit(n)
	}
	if g.cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true) // suggestions would leak the schema
	}
	if n := g.cfg.APQCacheSize; n > 0 {
		srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: lru.New[string](n)}})
	}
	g.limits = &Limits{MaxCost: g.cfg.MaxCost, MaxDepth: g.cfg.MaxDepth, MaxAliases: g.cfg.MaxAliases, DefaultPageSize: g.cfg.DefaultPageSize,
		ListSizes: g.sizes}
	srv.Use(g.limits)
	srv.Use(Operations{g: g})
	srv.Use(SubscriptionEvents{})
}

// Protect wraps the GraphQL handler, inside authentication: CSRF
// prevention, the body size limit, then the rate limit.
func (g *Gateway) Protect(next http.Handler) http.Handler {
	return g.csrf(g.limitBody(g.rateLimit(next)))
}

// Wrap wraps the whole mux: request ids, panic recovery, the request log
// and metrics, then CORS.
func (g *Gateway) Wrap(next http.Handler) http.Handler {
	if len(g.cfg.CORSOrigins) > 0 {
		next = cors.New(cors.Options{
			AllowedOrigins: g.cfg.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: append([]string{"Accept", "Authorization", "Content-Type", HeaderRequestID,
				"Apollographql-Client-Name", "Apollographql-Client-Version"}, g.cfg.CSRFHeaders...),
			ExposedHeaders: []string{HeaderRequestID, "Retry-After"},
			MaxAge:         600,
		}).Handler(next)
	}
	return g.observe(next)
}

// MetricsHandler serves the Prometheus metrics.
func (g *Gateway) MetricsHandler() http.Handler { return g.metrics.handler() }

// SchemaHandler serves the schema's SDL, or 404 when introspection is off.
func (g *Gateway) SchemaHandler(schema *ast.Schema) http.Handler {
	sdl := SDL(schema)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.cfg.Introspection {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(sdl)
	})
}

// SDL is the schema as written: the text of the sources it was loaded
// from (schema.graphqls, with its order and comments), or, when they are
// not at hand, the schema formatted by gqlparser.
func SDL(schema *ast.Schema) []byte {
	var sources []*ast.Source
	seen := map[*ast.Source]bool{}
	note := func(pos *ast.Position) {
		if pos != nil && pos.Src != nil && !pos.Src.BuiltIn && !seen[pos.Src] {
			seen[pos.Src] = true
			sources = append(sources, pos.Src)
		}
	}
	for _, def := range schema.Types {
		note(def.Position)
	}
	for _, def := range schema.Directives {
		note(def.Position)
	}
	var buf bytes.Buffer
	if len(sources) == 0 {
		formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchema(schema)
		return buf.Bytes()
	}
	slices.SortFunc(sources, func(a, b *ast.Source) int { return strings.Compare(a.Name, b.Name) })
	for _, src := range sources {
		buf.WriteString(strings.TrimRight(src.Input, "\n") + "\n")
	}
	return buf.Bytes()
}

// limitBody refuses bodies over Config.MaxBodyBytes with 413: at once
// when Content-Length says so, else when the transport reads past it.
func (g *Gateway) limitBody(next http.Handler) http.Handler {
	limit := g.cfg.MaxBodyBytes
	if limit <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			w.Header().Set("Connection", "close")
			refuse(w, r, http.StatusRequestEntityTooLarge, CodeRequestTooLarge, fmt.Sprintf("the request body exceeds %d bytes", limit))
			return
		}
		// A declared length within the limit needs no reader of its own:
		// net/http reads no more than it (and HTTP/2 refuses more).
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength < 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// CSRF prevention, as Apollo Server does it: a browser sends a request to
// another site without asking first (a CORS preflight) only when it is a
// GET or POST whose Content-Type, if any, is text/plain,
// application/x-www-form-urlencoded or multipart/form-data, and that has
// no header beyond a short safelist. Such requests are refused with 400,
// unless they carry a non-empty header from Config.CSRFHeaders
// (X-Apollo-Operation-Name, Apollo-Require-Preflight), which no browser
// sends cross-site without a preflight that CORS then judges. So a GET
// query needs one of those headers (Apollo Client, urql and GraphiQL send
// JSON POSTs, which pass). WebSocket upgrades are judged by their Origin
// instead (live.Options.OriginPatterns, the same list as CORS).
func (g *Gateway) csrf(next http.Handler) http.Handler {
	simple := map[string]bool{"text/plain": true, "application/x-www-form-urlencoded": true, "multipart/form-data": true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions || strings.EqualFold(header(r.Header, "Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		if ct := header(r.Header, "Content-Type"); ct != "" {
			if mt, err := mediaType(ct); err == nil && !simple[mt] {
				next.ServeHTTP(w, r)
				return
			}
		}
		for _, h := range g.cfg.CSRFHeaders {
			if r.Header.Get(h) != "" {
				next.ServeHTTP(w, r)
				return
			}
		}
		refuse(w, r, http.StatusBadRequest, CodeBadRequest,
			"This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "+
				"Send a Content-Type other than text/plain, application/x-www-form-urlencoded or multipart/form-data "+
				"(application/json), or a non-empty header "+strings.Join(g.cfg.CSRFHeaders, " or ")+".")
	})
}

// maxPersistedQueryBytes bounds a query that a client asks to persist, so
// that the cache's memory stays bounded (entries × this).
const maxPersistedQueryBytes = 64 << 10

// persistedQueries is gqlgen's automatic persisted queries, with a bound
// on what is kept and a code on every error.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

func (persistedQueries) ExtensionName() string { return "ConvenePersistedQueries" }

func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if raw.Extensions["persistedQuery"] != nil && len(raw.Query) > maxPersistedQueryBytes {
		return &gqlerror.Error{Message: fmt.Sprintf("a persisted query may hold at most %d bytes", maxPersistedQueryBytes),
			Extensions: map[string]any{"code": CodeBadRequest}}
	}
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil {
		if err.Extensions == nil {
			err.Extensions = map[string]any{}
		}
		if _, ok := err.Extensions["code"]; !ok {
			err.Extensions["code"] = CodeBadRequest
		}
	}
	return err
}

package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"convene/auth"
	"convene/dashboard"
	"convene/export"
	"convene/fastpath"
	"convene/feeds"
	"convene/gateway"
	"convene/graph"
	"convene/playground"
	"convene/resolvers"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// Handler is the HTTP interface: GraphQL (over HTTP, WebSocket and
// server-sent events), the playground, the SDL, metrics and health checks.
func (a *App) Handler() http.Handler { return a.handlerWith(a.gateway) }

// handlerWith is handler with the gateway configured by gc.
func (a *App) handlerWith(gc gateway.Config) http.Handler {
	h, _ := a.handlerFast(gc, true)
	return h
}

// handlerFast is handlerWith with the hot reads on the fast path
// (package fastpath) or, when fast is false, all of them through gqlgen;
// it returns the fast path's executor too, for its counts.
func (a *App) handlerFast(gc gateway.Config, fast bool) (http.Handler, *fastpath.Executor) {
	logger := gateway.Logger(a.logger) // adds request ids
	rc := resolvers.NewExecutableSchema(a.hub, logger)
	rc.Resolvers.(*resolvers.Resolver).Webhooks = a.webhooks
	var es graphql.ExecutableSchema = graph.NewExecutableSchema(rc)
	var fx *fastpath.Executor
	if fast {
		fx = fastpath.New(es, rc.Resolvers)
		es = fx
	}
	var plan gateway.Planner
	if fx != nil {
		// A planned read skips gqlgen's operation interceptors: the one
		// below that can refuse a query (RequireToken) is applied here.
		plan = func(ctx context.Context, opCtx *graphql.OperationContext, dst []byte) ([]byte, bool) {
			if !a.publicRead && !auth.ViewerFrom(ctx).Authenticated() {
				return nil, false
			}
			return fx.Answer(ctx, opCtx, dst)
		}
	}
	gw := gateway.New(gc, gateway.Deps{Logger: logger, Live: a.live, Seq: a.hub.Model().Seq, Lag: a.readModelLag, Identify: rateLimitKey,
		Audience: auth.AnswerAudience, Today: func() string { return string(a.hub.Today()) }, ListSizes: resolvers.ListSizes(a.hub.Model()),
		Plan: plan, Context: a.auth.Context})
	gql := handler.New(es)
	plans := gw.Plans()
	served := gateway.Serve(gql, a.live, transport.Options{}, gateway.SSE{KeepAlive: 15 * time.Second},
		gateway.GET{Answers: gw.Answers(), Plans: plans}, gateway.POST{Answers: gw.Answers(), Plans: plans}, gateway.Unsupported{})
	gw.Extend(gql) // query cache, APQ, introspection, cost and limits, deadline, operation log
	gql.SetErrorPresenter(resolvers.PresentError(logger))
	gql.SetRecoverFunc(resolvers.Recover(logger))

	gql.AroundOperations(resolvers.EndStreams)

	mux := http.NewServeMux()
	if !a.publicRead {
		gql.AroundOperations(resolvers.RequireToken)
	}
	graphqlHandler := gw.Protect(served) // CSRF, body size, rate limit: after authentication
	mux.Handle("/graphql", graphqlHandler)
	mux.Handle("GET /schema.graphql", gw.SchemaHandler(es.Schema()))
	mux.Handle("GET /metrics", gw.MetricsHandler())
	mux.Handle("GET /{$}", playground.Handler(playground.Options{Title: "Convene", Endpoint: "/graphql"}))
	mux.Handle("GET "+playground.AssetPrefix, playground.Handler(playground.Options{}))
	mux.Handle("GET "+export.Prefix, export.Handler(a.hub, export.Options{RequireToken: !a.publicRead}))
	mux.Handle("POST "+export.ImportPath, export.ImportHandler(a.hub, logger))
	mux.Handle("GET "+export.HSDSPrefix, export.HSDSHandler(a.hub, export.Options{RequireToken: !a.publicRead}))
	dash := dashboard.Handler()
	mux.Handle("GET "+dashboard.Prefix, dash)
	mux.Handle("GET "+dashboard.Prefix+"/", dash)
	mux.Handle(feeds.Prefix, feeds.Handler(a.hub, feeds.Options{RequireToken: !a.publicRead}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := a.store.Ready(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ready at event %d\n", a.hub.Model().Seq())
	})
	// /graphql, the hot path, is found without the mux's pattern matching:
	// the mux sends that exact, unescaped path there too.
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/graphql" && r.URL.RawPath == "" && r.Method != http.MethodConnect {
			graphqlHandler.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return gw.Wrap(a.auth.Middleware(routes)), fx // request ids, logging, CORS
}

// rateLimitKey names a caller for rate limiting: its token, else its IP.
func rateLimitKey(r *http.Request) string {
	if v := auth.ViewerFrom(r.Context()); v.Authenticated() {
		return "token:" + v.TokenID
	}
	return "ip:" + gateway.ClientIP(r)
}

// readModelLag counts the events other instances have announced that the
// read model has not applied yet (a cheap read of the log's heads).
func (a *App) readModelLag(ctx context.Context) (int64, error) {
	head, err := a.store.Head(ctx)
	if err != nil {
		return 0, err
	}
	return max(0, head-a.hub.Model().Seq()), nil
}

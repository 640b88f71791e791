package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"convene/graph"
	"convene/resolvers"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
)

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
	if !a.publicRead {
		gql.AroundOperations(resolvers.RequireToken)
	}
	mux.Handle("/graphql", gql)
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
	return a.auth.Middleware(mux)
}

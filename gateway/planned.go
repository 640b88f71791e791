package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// Planned reads: a query over GET or POST whose document gqlgen has
// already parsed and validated (it is in the query cache) and that a
// Planner answers is served here, without gqlgen's operation context,
// extension chains and response context, which cost more than a planned
// read itself. What those would do to such a query is done here: the
// variables are coerced as gqlgen coerces them, the operation is measured
// and its cost reported in extensions.cost, the request log learns its
// name, type and cost, the execution deadline bounds it, and the answer
// is kept by the response cache. Everything else goes to gqlgen from the
// start, as if this had not looked: a persisted query, a document not in
// the cache, an operation that is not a query or not in the document,
// variables gqlgen would refuse, an operation over a limit, a cancelled
// request, and a query the Planner gives back.

// Planner answers the query of opCtx, whose RawQuery, OperationName,
// Doc, Operation, Variables, Headers and Extensions are gqlgen's, and
// whose ctx carries opCtx: it appends the response's data to dst as
// compact JSON (gqlgen's bytes), leaving dst itself as it is (it may be
// shared: its cap is its len, so append copies it); false leaves the
// query to gqlgen. It must give back every query that one of gqlgen's
// operation interceptors outside this package would refuse or change
// (resolvers.RequireToken), and every query whose answer would have
// errors.
type Planner func(ctx context.Context, opCtx *graphql.OperationContext, dst []byte) ([]byte, bool)

// Plans serves the planned reads of a gateway; give it to the GET and
// POST transports.
type Plans struct{ g *Gateway }

// Plans returns the planned reads, or nil without a Planner.
func (g *Gateway) Plans() *Plans {
	if g.plan == nil {
		return nil
	}
	return &Plans{g: g}
}

// answer serves a request from a plan and reports whether it did; when
// it did not, it has written nothing.
func (p *Plans) answer(w http.ResponseWriter, r *http.Request, params *graphql.RawParams, media string, answers *Answers, key answerKey) bool {
	if p == nil || p.g.docs == nil || p.g.limits == nil || params.Extensions["persistedQuery"] != nil {
		return false
	}
	g, ctx := p.g, r.Context()
	doc, ok := g.docs.Get(ctx, params.Query)
	if !ok {
		return false
	}
	op := doc.Operations.ForName(params.OperationName)
	if op == nil || op.Operation != ast.Query {
		return false
	}
	vars, err := validator.VariableValues(g.limits.schema, op, params.Variables)
	if err != nil {
		return false
	}
	opCtx := &graphql.OperationContext{
		RawQuery: params.Query, OperationName: params.OperationName, Variables: vars, Doc: doc, Operation: op,
		Headers: params.Headers, Extensions: params.Extensions, DisableIntrospection: !g.cfg.Introspection,
		Stats: graphql.Stats{Read: params.ReadTime, OperationStart: graphql.GetStartTime(ctx)},
	}
	stats := g.limits.measured(opCtx)
	if g.limits.refusal(stats) != nil {
		return false
	}
	ctx = graphql.WithOperationContext(ctx, opCtx)
	if d := g.cfg.RequestTimeout; d > 0 {
		deadline := withDeadline(ctx, time.Now().Add(d))
		defer deadline.stop()
		ctx = deadline
	}
	if ctx.Err() != nil {
		return false
	}
	body, ok := g.plan(ctx, opCtx, dataPrefix[:len(dataPrefix):len(dataPrefix)])
	if !ok {
		return false
	}
	if info := infoFrom(ctx); info != nil && !info.websocket {
		info.setOperation(opCtx, stats)
	}
	cost := costExtension{requested: stats.Cost, maximum: stats.MaxCost}
	if b, ok := plannedBody(body, cost); ok {
		body = b
		writeBody(w, media, http.StatusOK, body)
	} else {
		body = writeResponse(w, media, http.StatusOK, &graphql.Response{Data: body[len(dataPrefix):], Extensions: map[string]any{"cost": cost}})
	}
	if body != nil {
		answers.put(ctx, key, body)
	}
	return true
}

// dataPrefix starts a planned read's body, before its data.
var dataPrefix = []byte(`{"data":`)

// plannedBody completes b, dataPrefix and the data of a response, into
// what writeResponse writes for the data and extensions.cost; false when
// the data is not one JSON value. A plan's data is compact JSON, so
// compacting it changes it only where json.Marshal's HTML escaping does:
// where none applies it is its own compact form, and b is completed in
// place.
func plannedBody(b []byte, cost costExtension) ([]byte, bool) {
	data := b[len(dataPrefix):]
	if len(data) == 0 {
		return nil, false
	}
	if !htmlSafe(data) {
		c := make([]byte, 0, len(b)+len(`,"extensions":{"cost":{"maximum":,"requestedQueryCost":}}}`)+24)
		var ok bool
		if b, ok = appendCompactJSON(append(c, dataPrefix...), data); !ok {
			return nil, false
		}
	}
	b = append(b, `,"extensions":{"cost":`...)
	b = cost.appendJSON(b)
	return append(b, "}}\n"...), true
}

// htmlSafe reports whether data holds nothing that json.Marshal escapes
// in a json.RawMessage: <, >, & and U+2028 and U+2029 (whose encodings
// start with 0xE2).
func htmlSafe(data []byte) bool {
	for _, c := range data {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return false
		}
	}
	return true
}

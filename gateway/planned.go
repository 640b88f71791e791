package gateway

import (
	"bytes"
	"context"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
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
// compact JSON (gqlgen's bytes), and returns the result (dst is the
// gateway's, which reuses it once the response is written); false leaves
// the query to gqlgen. It must give back every query that one of gqlgen's
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

// Serve adds transports to gql, gqlgen's handler, in order, and returns
// the handler of GraphQL over HTTP: gql, but for the requests that the
// first transport supporting them would give to the GET or POST transport
// with Plans. Such a request is read and decoded here, as its transport
// does (refused, or answered from the response cache, as there), and a
// planned read is answered without gql, whose request context and
// transport lookup cost more than the read's own operation setup. When no
// plan answers, the request goes on to gql with what was decoded, and its
// transport executes it from there. (A panic here, the gateway's own bug,
// reaches Wrap's recovery: 500 INTERNAL, logged, as gql's would be.)
func Serve(gql *handler.Server, transports ...graphql.Transport) http.Handler {
	for _, t := range transports {
		gql.AddTransport(t)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		var t graphql.Transport
		if info != nil && !info.websocket && !info.hasDecoded {
			for _, c := range transports {
				if c.Supports(r) {
					t = c
					break
				}
			}
		}
		switch t := t.(type) {
		case POST:
			if t.Plans != nil {
				t.Plans.serve(w, r, gql, info, t.Answers, func(buf []byte) (decoded, bool) { return t.read(w, r, buf, info.start) })
				return
			}
		case GET:
			if t.Plans != nil {
				t.Plans.serve(w, r, gql, info, t.Answers, func([]byte) (decoded, bool) { return t.read(w, r, info.start) })
				return
			}
		}
		gql.ServeHTTP(w, r)
	})
}

// serve reads a request with read, into a pooled body buffer, answers it
// from a plan or hands it to gql.
func (p *Plans) serve(w http.ResponseWriter, r *http.Request, gql http.Handler, info *requestInfo, answers *Answers,
	read func(buf []byte) (decoded, bool)) {
	buf := getBuffer()
	defer func() {
		info.decoded, info.hasDecoded = decoded{}, false
		putBuffer(buf)
	}()
	d, ok := read((*buf)[:0])
	if d.body != nil {
		*buf = d.body[:0]
	}
	if !ok {
		return
	}
	info.decoded, info.hasDecoded = d, true
	if p.answer(w, r, d, answers) {
		return
	}
	gql.ServeHTTP(w, r) // its transport takes info.decoded
}

// plannedCtx is what a planned read adds to its request's context, in
// one allocation: its operation context, and the execution deadline.
type plannedCtx struct {
	op       graphql.OperationContext
	deadline deadlineCtx
}

// answer serves a request from a plan and reports whether it did; when
// it did not, it has written nothing.
func (p *Plans) answer(w http.ResponseWriter, r *http.Request, d decoded, answers *Answers) bool {
	params := d.params
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
	vars, err := coerceVariables(g.limits.schema, op, params.Variables)
	if err != nil {
		return false
	}
	pc := &plannedCtx{}
	opCtx := &pc.op
	*opCtx = graphql.OperationContext{
		RawQuery: params.Query, OperationName: params.OperationName, Variables: vars, Doc: doc, Operation: op,
		Headers: params.Headers, Extensions: params.Extensions, DisableIntrospection: !g.cfg.Introspection,
		Stats: graphql.Stats{Read: params.ReadTime, OperationStart: params.ReadTime.Start},
	}
	stats := g.limits.measured(opCtx)
	if g.limits.refusal(stats) != nil {
		return false
	}
	ctx = graphql.WithOperationContext(ctx, opCtx)
	if d := g.cfg.RequestTimeout; d > 0 {
		pc.deadline.parent, pc.deadline.at = ctx, params.ReadTime.End.Add(d)
		defer pc.deadline.stop()
		ctx = &pc.deadline
	}
	if ctx.Err() != nil {
		return false
	}
	out := getBuffer()
	defer putBuffer(out)
	body, ok := g.plan(ctx, opCtx, append((*out)[:0], dataPrefix...))
	if !ok {
		return false
	}
	if info := infoFrom(ctx); info != nil && !info.websocket {
		info.setOperation(opCtx, stats)
	}
	cost := costExtension{requested: stats.Cost, maximum: stats.MaxCost}
	if b, ok := plannedBody(body, cost); ok {
		body = b
		writeBody(w, d.media, http.StatusOK, body)
	} else {
		body = writeResponse(w, d.media, http.StatusOK, &graphql.Response{Data: body[len(dataPrefix):], Extensions: map[string]any{"cost": cost}})
	}
	if body != nil {
		*out = body[:0] // written: the writer keeps no reference to it
		if d.key.key != "" {
			answers.put(ctx, d.key, bytes.Clone(body))
		}
	}
	return true
}

// buffers are the request bodies and the planned answers, reused once a
// request is done with them (the writer has copied an answer, and nothing
// decoded from a body refers to it).
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooled bounds the buffers kept for reuse.
const maxPooled = 256 << 10

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		buffers.Put(b)
	}
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
// start with 0xE2). Four vectorised IndexByte passes are several times
// faster than one loop comparing each byte four times (a page of 50's
// answer is tens of KB).
func htmlSafe(data []byte) bool {
	for _, c := range [...]byte{'<', '>', '&', 0xE2} {
		if bytes.IndexByte(data, c) >= 0 {
			return false
		}
	}
	return true
}

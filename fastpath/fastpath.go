// Package fastpath executes the hot read operations (a commitment, a page
// of commitments, and what they nest; meetings, outcomes, plans, the
// service directory and the figures an analyst asks for) through plans
// compiled from the validated document, writing the response's JSON
// directly, where gqlgen's executor would run every field through a
// field context and marshal every list element in a goroutine of its own. Values come from
// the resolvers and their views, so the read policy, global IDs, cursors
// and formats are theirs; the bytes are gqlgen's (the differential test in
// app/fastpath_test.go holds them to that).
//
// Everything else goes to gqlgen unchanged: an operation that is not a
// query, a field, argument or directive the plan does not know
// (introspection included) refuses to compile; and anything that would
// make gqlgen report an error (a resolver's error, a null in a non-null
// field, an argument gqlgen would refuse) abandons the plan before its
// answer is used, and gqlgen runs the operation from the start.
package fastpath

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"convene/graph"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	// maxOperations bounds the documents whose plans are kept.
	maxOperations = 1000
	// maxBuffer bounds the buffer an answer starts with.
	maxBuffer = 1 << 20
)

// Executor is gqlgen's executable schema with the fast path in front of
// its Exec: the schema, complexity and every operation the plans do not
// take stay gqlgen's.
type Executor struct {
	graphql.ExecutableSchema

	query       graph.QueryResolver
	commitment  graph.CommitmentResolver
	stakeholder graph.StakeholderResolver
	pillar      graph.PillarResolver
	actor       graph.ActorResolver
	plan        graph.StrategicPlanResolver
	objective   graph.ObjectiveResolver
	meeting     graph.MeetingResolver
	outcome     graph.MeetingOutcomeResolver

	service           graph.ServiceResolver
	eligibility       graph.EligibilityResolver
	network           graph.ReferralNetworkResolver
	referralCommunity graph.ReferralCommunityCountResolver

	disaggregation  graph.DisaggregationResolver
	commitmentStats graph.CommitmentStatsResolver

	mu    sync.RWMutex
	plans map[operationKey]*operation

	answered, refused, abandoned atomic.Int64
}

// New puts the fast path in front of es, whose resolvers are root.
func New(es graphql.ExecutableSchema, root graph.ResolverRoot) *Executor {
	return &Executor{ExecutableSchema: es,
		query: root.Query(), commitment: root.Commitment(), stakeholder: root.Stakeholder(),
		pillar: root.Pillar(), actor: root.Actor(), disaggregation: root.Disaggregation(),
		commitmentStats: root.CommitmentStats(),
		plan:            root.StrategicPlan(), objective: root.Objective(),
		meeting: root.Meeting(), outcome: root.MeetingOutcome(),
		service: root.Service(), eligibility: root.Eligibility(), network: root.ReferralNetwork(),
		referralCommunity: root.ReferralCommunityCount(),
		plans:             map[operationKey]*operation{}}
}

// Counts are the operations the executor has seen.
type Counts struct {
	Answered  int64 // by a plan
	Refused   int64 // no plan: gqlgen answered
	Abandoned int64 // a plan gave the operation back: gqlgen answered
}

// Counts returns how many operations took each path.
func (e *Executor) Counts() Counts {
	return Counts{Answered: e.answered.Load(), Refused: e.refused.Load(), Abandoned: e.abandoned.Load()}
}

// Exec answers the operation of ctx from its plan when there is one, and
// through gqlgen otherwise.
func (e *Executor) Exec(ctx context.Context) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	p := e.planFor(opCtx)
	if p == nil {
		e.refused.Add(1)
		return e.ExecutableSchema.Exec(ctx)
	}
	// gqlgen's handler is made only when the plan gives the operation
	// back, from the context the executor gave here, as it would have been
	// made here (a query's handler does nothing until it is called).
	var next graphql.ResponseHandler
	return func(rctx context.Context) *graphql.Response {
		if next != nil {
			return next(rctx)
		}
		if data, ok := p.run(rctx, e, opCtx.Variables, nil); ok {
			e.answered.Add(1)
			next = func(context.Context) *graphql.Response { return nil } // a query has one answer
			return &graphql.Response{Data: data}
		}
		e.abandoned.Add(1)
		next = e.ExecutableSchema.Exec(ctx)
		return next(rctx)
	}
}

// Answer appends the data of the query of opCtx to dst, from its plan,
// for a caller that did gqlgen's operation setup itself (gateway.Planner);
// false when there is no plan or the plan gave the query back: gqlgen's
// Exec then runs (and counts) it.
func (e *Executor) Answer(ctx context.Context, opCtx *graphql.OperationContext, dst []byte) ([]byte, bool) {
	p := e.planFor(opCtx)
	if p == nil {
		return nil, false
	}
	data, ok := p.run(ctx, e, opCtx.Variables, dst)
	if ok {
		e.answered.Add(1)
	}
	return data, ok
}

// operationKey names an operation: its name and its document's text.
type operationKey struct{ name, query string }

// operation is what is kept of one document and operation name: the
// variables its @skip and @include read, and a plan for each of their
// values (nil where the plan refused).
type operation struct {
	directiveVars []string

	mu    sync.RWMutex
	plans map[string]*plan
}

// planFor returns the plan of an operation, compiling it on first use;
// nil for one the plans do not take.
func (e *Executor) planFor(opCtx *graphql.OperationContext) *plan {
	if opCtx.Operation == nil || opCtx.Operation.Operation != ast.Query {
		return nil
	}
	key := operationKey{opCtx.OperationName, opCtx.RawQuery}
	e.mu.RLock()
	op := e.plans[key]
	e.mu.RUnlock()
	if op == nil {
		op = &operation{directiveVars: directiveVariables(opCtx), plans: map[string]*plan{}}
		e.mu.Lock()
		if len(e.plans) >= maxOperations {
			clear(e.plans)
		}
		e.plans[key] = op
		e.mu.Unlock()
	}
	values, ok := op.values(opCtx.Variables)
	if !ok {
		return nil
	}
	op.mu.RLock()
	p, seen := op.plans[values]
	op.mu.RUnlock()
	if !seen {
		p = compile(e.Schema(), opCtx)
		op.mu.Lock()
		op.plans[values] = p
		op.mu.Unlock()
	}
	return p
}

// values names the values of the operation's directive variables; false
// when one is not a boolean (gqlgen fails on it).
func (op *operation) values(vars map[string]any) (string, bool) {
	if len(op.directiveVars) == 0 {
		return "", true
	}
	b := make([]byte, len(op.directiveVars))
	for i, name := range op.directiveVars {
		v, ok := vars[name].(bool)
		if !ok {
			return "", false
		}
		b[i] = "01"[boolIndex(v)]
	}
	return string(b), true
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// directiveVariables lists the variables that the @skip and @include of
// a document read.
func directiveVariables(opCtx *graphql.OperationContext) []string {
	var names []string
	note := func(ds ast.DirectiveList) {
		for _, d := range ds {
			if d.Name != "skip" && d.Name != "include" {
				continue
			}
			for _, a := range d.Arguments {
				if a.Value != nil && a.Value.Kind == ast.Variable && !contains(names, a.Value.Raw) {
					names = append(names, a.Value.Raw)
				}
			}
		}
	}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				note(s.Directives)
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				note(s.Directives)
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				note(s.Directives)
			}
		}
	}
	walk(opCtx.Operation.SelectionSet)
	for _, f := range opCtx.Doc.Fragments {
		walk(f.SelectionSet)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plan is a compiled operation.
type plan struct {
	root emit[struct{}]
	size atomic.Int64 // the longest answer's length, to size the next one's buffer
}

// compile compiles the operation of opCtx, or returns nil.
func compile(schema *ast.Schema, opCtx *graphql.OperationContext) (p *plan) {
	defer func() {
		if recover() != nil {
			p = nil // gqlgen's collection panics on what it cannot run
		}
	}()
	if len(opCtx.Operation.Directives) > 0 {
		return nil
	}
	c := &compiler{opCtx: opCtx, schema: schema}
	root, ok := queryObj.compile(c, opCtx.Operation.SelectionSet)
	if !ok {
		return nil
	}
	return &plan{root: root}
}

// run appends the plan's answer to dst; false when gqlgen must answer
// instead. The buffer it grows to has room for the longest answer so far
// and a little more (the response around the data).
func (p *plan) run(ctx context.Context, e *Executor, vars map[string]any, dst []byte) (data []byte, ok bool) {
	w := writers.Get().(*writer)
	*w = writer{ctx: ctx, ex: e, vars: vars, buf: slices.Grow(dst, int(p.size.Load())+128), args: w.args}
	defer func() {
		if recover() != nil {
			data, ok = nil, false
		}
		clear(w.args)
		*w = writer{args: w.args} // the map, emptied, goes back with the writer
		writers.Put(w)
	}()
	p.root(w, struct{}{})
	if w.failed {
		return nil, false
	}
	if n := int64(len(w.buf) - len(dst)); n > p.size.Load() && n <= maxBuffer {
		p.size.Store(n)
	}
	return w.buf, true
}

// writers are the plans' writers, for the next run.
var writers = sync.Pool{New: func() any { return new(writer) }}

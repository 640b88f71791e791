package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Query cost, depth and aliases: computed from the validated document
// before anything runs, reported on every response in extensions.cost
// (Shopify's convention, {requestedQueryCost, maximum}), and enforced:
// an operation over a limit is refused with extensions.code COST_LIMIT
// and is not executed.
//
// The cost of an operation is the sum of the costs of its fields:
//
//   - a scalar or enum field, and any introspection field (__typename,
//     __schema, __type, …), costs 0;
//   - an object, interface or union field costs 1 plus the cost of its
//     selection; a root field of a mutation costs 10 plus its selection;
//   - a connection field (a …Connection type) costs 1, plus its page size
//     (first or last, the default page size when neither is given) times
//     the cost of one item (its edges and nodes selections), plus its other
//     selections (pageInfo, totalCount);
//   - an edge (a …Edge type) costs only its selection: the edge itself is
//     no extra work;
//   - a plain list (not a connection) costs what one item costs (1 plus
//     its selection) once per item it can return: the length of its list
//     argument (nodes(ids: …)),
//     else the longest such list the data holds (ListSizes, keyed
//     "Type.field"), else the default page size; at least once. Nested
//     plain lists multiply, as nested connections do.
//
// A fragment is costed once and reused wherever it is spread, so computing
// the cost takes time linear in the document, whatever it spreads where.
// Fields that a @skip or @include would leave out are counted anyway.

// costCap bounds computed costs so that arithmetic cannot overflow.
const costCap = math.MaxInt32

const (
	statsKey        = "ConveneCost"
	mutationCost    = 10
	connectionCost  = 1
	objectFieldCost = 1
)

// CostStats is what Limits computed for an operation.
type CostStats struct {
	Cost, MaxCost   int
	Depth, MaxDepth int
	Aliases         int
}

// CostFrom returns the cost statistics of the operation in ctx, if any.
func CostFrom(ctx context.Context) *CostStats {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	s, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(statsKey).(*CostStats)
	return s
}

// Limits is the gqlgen extension that computes, reports and enforces the
// cost, depth and aliases of operations.
type Limits struct {
	MaxCost, MaxDepth, MaxAliases int
	DefaultPageSize               int
	// ListSizes returns, for each plain list field ("Type.field"), the
	// most items it can return now (optional). Measured costs are kept for
	// as long as it returns the same map: return the same one while the
	// sizes do not change.
	ListSizes func() map[string]int
	schema    *ast.Schema

	costs costCache
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = &Limits{}

// ExtensionName names the extension.
func (*Limits) ExtensionName() string { return "ConveneLimits" }

// Validate keeps the schema.
func (l *Limits) Validate(es graphql.ExecutableSchema) error {
	l.schema = es.Schema()
	return nil
}

// MutateOperationContext measures the operation and refuses it when it
// is over a limit.
func (l *Limits) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if opCtx.Operation == nil {
		return nil
	}
	stats := l.measured(opCtx)
	opCtx.Stats.SetExtension(statsKey, stats)
	if info := infoFrom(ctx); info != nil && !info.websocket {
		info.setOperation(opCtx, stats)
	}
	return l.refusal(stats)
}

// refusal is the error of an operation over a limit, nil within them.
func (l *Limits) refusal(stats *CostStats) *gqlerror.Error {
	switch {
	case l.MaxAliases > 0 && stats.Aliases > l.MaxAliases:
		return limitError("aliases", stats.Aliases, l.MaxAliases,
			fmt.Sprintf("the document has %d aliased fields, more than the maximum of %d", stats.Aliases, l.MaxAliases))
	case l.MaxDepth > 0 && stats.Depth > l.MaxDepth:
		return limitError("depth", stats.Depth, l.MaxDepth,
			fmt.Sprintf("the operation nests fields %d deep, more than the maximum depth of %d", stats.Depth, l.MaxDepth))
	case l.MaxCost > 0 && stats.Cost > l.MaxCost:
		return limitError("cost", stats.Cost, l.MaxCost,
			fmt.Sprintf("the operation costs %d, more than the maximum of %d: ask for smaller pages (first/last) or fewer nested lists", stats.Cost, l.MaxCost))
	}
	return nil
}

// measured returns the statistics of the operation of opCtx: kept ones
// when the same document and operation were measured with the same list
// sizes and the same values of the variables the cost read, else new
// ones, which are kept. They are shared: read them, never change them.
func (l *Limits) measured(opCtx *graphql.OperationContext) *CostStats {
	var sizes map[string]int
	if l.ListSizes != nil {
		sizes = l.ListSizes()
	}
	key := costKey{query: opCtx.RawQuery, operation: opCtx.OperationName}
	if s := l.costs.get(key, sizes, opCtx.Variables); s != nil {
		return s
	}
	m := newMeasure(l.schema, opCtx.Doc, opCtx.Variables, l.DefaultPageSize)
	m.listSizes = sizes
	m.read = map[string]bool{}
	stats := &CostStats{
		Cost:     m.operationCost(opCtx.Operation),
		MaxCost:  l.MaxCost,
		Depth:    m.selectionDepth(opCtx.Operation.SelectionSet),
		MaxDepth: l.MaxDepth,
		Aliases:  countAliases(opCtx.Doc),
	}
	l.costs.put(key, sizes, m.read, opCtx.Variables, stats)
	return stats
}

func limitError(limit string, actual, maximum int, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{
		"code": CodeCostLimit, "limit": limit, "actual": actual, "maximum": maximum,
	}}
}

// InterceptResponse adds extensions.cost to every response of a measured
// operation, the refused ones included.
func (l *Limits) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if s := CostFrom(ctx); s != nil {
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["cost"] = costExtension{requested: s.Cost, maximum: s.MaxCost}
	}
	return resp
}

// costExtension is extensions.cost, {requestedQueryCost, maximum}, written
// as json.Marshal writes such an object (keys sorted) without a map.
type costExtension struct{ requested, maximum int }

// MarshalJSON writes the object.
func (c costExtension) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func (c costExtension) appendJSON(b []byte) []byte {
	b = append(b, `{"maximum":`...)
	b = strconv.AppendInt(b, int64(c.maximum), 10)
	b = append(b, `,"requestedQueryCost":`...)
	b = strconv.AppendInt(b, int64(c.requested), 10)
	return append(b, '}')
}

// measure computes the cost and depth of selections, memoizing fragments.
type measure struct {
	schema   *ast.Schema
	doc      *ast.QueryDocument
	vars     map[string]any
	pageSize int
	// listSizes bounds plain lists by "Type.field" (nil: unknown).
	listSizes map[string]int
	// read notes the variables the cost may read, when not nil.
	read map[string]bool

	fragCost  map[string]int
	fragItems map[string][2]int // a fragment's (item, other) costs inside a connection
	fragDepth map[string]int
	visiting  map[string]bool
}

func newMeasure(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any, pageSize int) *measure {
	if pageSize <= 0 {
		pageSize = 20
	}
	return &measure{
		schema: schema, doc: doc, vars: vars, pageSize: pageSize,
		fragCost: map[string]int{}, fragItems: map[string][2]int{}, fragDepth: map[string]int{}, visiting: map[string]bool{},
	}
}

func (m *measure) operationCost(op *ast.OperationDefinition) int {
	if op.Operation != ast.Mutation {
		return m.selectionCost(op.SelectionSet)
	}
	total := 0
	m.eachField(op.SelectionSet, func(f *ast.Field) {
		if !strings.HasPrefix(f.Name, "__") {
			total = add(total, add(mutationCost, m.selectionCost(f.SelectionSet)))
		}
	})
	return total
}

// eachField calls fn for each field of set, looking into fragments.
func (m *measure) eachField(set ast.SelectionSet, fn func(*ast.Field)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			fn(s)
		case *ast.InlineFragment:
			m.eachField(s.SelectionSet, fn)
		case *ast.FragmentSpread:
			if def := m.fragment(s); def != nil && !m.visiting[s.Name] {
				m.visiting[s.Name] = true
				m.eachField(def.SelectionSet, fn)
				delete(m.visiting, s.Name)
			}
		}
	}
}

func (m *measure) fragment(s *ast.FragmentSpread) *ast.FragmentDefinition {
	if s.Definition != nil {
		return s.Definition
	}
	if m.doc != nil {
		return m.doc.Fragments.ForName(s.Name)
	}
	return nil
}

func (m *measure) selectionCost(set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = add(total, m.fieldCost(s))
		case *ast.InlineFragment:
			total = add(total, m.selectionCost(s.SelectionSet))
		case *ast.FragmentSpread:
			total = add(total, m.memo(s, m.fragCost, m.selectionCost))
		}
	}
	return total
}

// memo computes f over a fragment's selection once.
func (m *measure) memo(s *ast.FragmentSpread, cache map[string]int, f func(ast.SelectionSet) int) int {
	if v, ok := cache[s.Name]; ok {
		return v
	}
	def := m.fragment(s)
	if def == nil || m.visiting[s.Name] {
		return 0 // unknown or cyclic: validation refuses both
	}
	m.visiting[s.Name] = true
	v := f(def.SelectionSet)
	delete(m.visiting, s.Name)
	cache[s.Name] = v
	return v
}

func (m *measure) fieldCost(f *ast.Field) int {
	if strings.HasPrefix(f.Name, "__") || f.Definition == nil || f.Definition.Type == nil {
		return 0
	}
	named := f.Definition.Type.Name()
	if def := m.schema.Types[named]; def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return 0
	}
	switch {
	case strings.HasSuffix(named, "Connection"):
		items, other := m.connectionParts(f.SelectionSet)
		return add(connectionCost, add(mul(m.pageSizeOf(f), items), other))
	case strings.HasSuffix(named, "Edge"):
		return m.selectionCost(f.SelectionSet)
	}
	per := add(objectFieldCost, m.selectionCost(f.SelectionSet))
	if f.Definition.Type.Elem != nil {
		return mul(m.listLength(f), per)
	}
	return per
}

// connectionParts splits a connection's selection into the cost of one
// item (edges, nodes) and the cost of the rest.
func (m *measure) connectionParts(set ast.SelectionSet) (items, other int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "edges" || s.Name == "nodes" {
				items = add(items, m.itemCost(s))
			} else {
				other = add(other, m.fieldCost(s))
			}
		case *ast.InlineFragment:
			i, o := m.connectionParts(s.SelectionSet)
			items, other = add(items, i), add(other, o)
		case *ast.FragmentSpread:
			v, ok := m.fragItems[s.Name]
			if !ok {
				def := m.fragment(s)
				if def == nil || m.visiting[s.Name] {
					continue
				}
				m.visiting[s.Name] = true
				v[0], v[1] = m.connectionParts(def.SelectionSet)
				delete(m.visiting, s.Name)
				m.fragItems[s.Name] = v
			}
			items, other = add(items, v[0]), add(other, v[1])
		}
	}
	return items, other
}

// itemCost is the cost of one element of a connection's edges or nodes.
func (m *measure) itemCost(f *ast.Field) int {
	if f.Definition == nil || f.Definition.Type == nil {
		return 0
	}
	named := f.Definition.Type.Name()
	if def := m.schema.Types[named]; def == nil || def.Kind == ast.Scalar || def.Kind == ast.Enum {
		return 0
	}
	if strings.HasSuffix(named, "Edge") {
		return m.selectionCost(f.SelectionSet)
	}
	return add(objectFieldCost, m.selectionCost(f.SelectionSet))
}

// pageSizeOf is a connection field's first or last (the larger when both
// are given), or the default page size.
func (m *measure) pageSizeOf(f *ast.Field) int {
	n, given := 0, false
	for _, name := range []string{"first", "last"} {
		arg := f.Arguments.ForName(name)
		if arg == nil {
			continue
		}
		m.noteVariables(arg.Value)
		v, err := arg.Value.Value(m.vars)
		if err != nil || v == nil {
			continue
		}
		if k, ok := toInt(v); ok {
			given = true
			n = max(n, k)
		}
	}
	if !given {
		return m.pageSize
	}
	return n
}

// listLength is how many items a plain list field can return: the
// length of its list argument, else its bound from the data, else a
// default page; at least 1.
func (m *measure) listLength(f *ast.Field) int {
	for _, arg := range f.Arguments {
		m.noteVariables(arg.Value)
	}
	for _, arg := range f.Arguments {
		if arg.Value == nil {
			continue
		}
		v, err := arg.Value.Value(m.vars)
		if err != nil {
			continue
		}
		if list, ok := v.([]any); ok {
			return max(len(list), 1)
		}
	}
	if f.ObjectDefinition != nil {
		if n, ok := m.listSizes[f.ObjectDefinition.Name+"."+f.Name]; ok {
			return max(n, 1)
		}
	}
	return m.pageSize
}

// noteVariables notes the variables that v holds, at any depth.
func (m *measure) noteVariables(v *ast.Value) {
	if m.read == nil || v == nil {
		return
	}
	if v.Kind == ast.Variable {
		m.read[v.Raw] = true
	}
	for _, c := range v.Children {
		m.noteVariables(c.Value)
	}
}

// selectionDepth is the nesting of a selection: a field counts 1 plus its
// selection's depth; introspection fields count nothing (their own rule,
// MaxIntrospectionDepth, bounds them).
func (m *measure) selectionDepth(set ast.SelectionSet) int {
	depth := 0
	for _, sel := range set {
		d := 0
		switch s := sel.(type) {
		case *ast.Field:
			if !strings.HasPrefix(s.Name, "__") {
				d = 1 + m.selectionDepth(s.SelectionSet)
			}
		case *ast.InlineFragment:
			d = m.selectionDepth(s.SelectionSet)
		case *ast.FragmentSpread:
			d = m.memo(s, m.fragDepth, m.selectionDepth)
		}
		depth = max(depth, d)
	}
	return depth
}

// countAliases counts the aliased fields written in a document.
func countAliases(doc *ast.QueryDocument) int {
	if doc == nil {
		return 0
	}
	n := 0
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Alias != "" && s.Alias != s.Name {
					n++
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			}
		}
	}
	for _, op := range doc.Operations {
		walk(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		walk(f.SelectionSet)
	}
	return n
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return clampInt(float64(n)), true
	case float64:
		return clampInt(n), true
	case json.Number:
		f, err := n.Float64()
		return clampInt(f), err == nil
	}
	return 0, false
}

func clampInt(f float64) int {
	switch {
	case f < 0 || math.IsNaN(f):
		return 0
	case f > costCap:
		return costCap
	}
	return int(f)
}

func add(a, b int) int {
	if a+b > costCap || a+b < 0 {
		return costCap
	}
	return a + b
}

func mul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > costCap/b {
		return costCap
	}
	return a * b
}

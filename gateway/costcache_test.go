package gateway

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// limitsRun measures an operation through l as a request would, and
// returns its statistics and the limit's refusal, if any.
func limitsRun(t *testing.T, l *Limits, query, operation string, vars map[string]any) (*CostStats, string) {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(l.schema, query)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	op := doc.Operations.ForName(operation)
	coerced, err := validator.VariableValues(l.schema, op, vars)
	if err != nil {
		t.Fatal(err)
	}
	opCtx := &graphql.OperationContext{RawQuery: query, OperationName: operation, Doc: doc, Operation: op, Variables: coerced}
	refused := ""
	if err := l.MutateOperationContext(context.Background(), opCtx); err != nil {
		refused, _ = err.Extensions["limit"].(string)
	}
	s, _ := opCtx.Stats.GetExtension(statsKey).(*CostStats)
	if s == nil {
		t.Fatal("no statistics")
	}
	return s, refused
}

// Measured costs are kept per document, operation, list sizes and the
// values of the variables the cost reads, and give the numbers measuring
// again would.
func TestCostCache(t *testing.T) {
	sizes := map[string]int{"Thing.tags": 4, "Thing.related": 3}
	l := &Limits{MaxCost: 12, MaxDepth: 6, DefaultPageSize: 20, ListSizes: func() map[string]int { return sizes },
		schema: gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})}
	cost := func(query, operation string, vars map[string]any) int {
		t.Helper()
		s, _ := limitsRun(t, l, query, operation, vars)
		return s.Cost
	}

	// Variables the cost does not read do not matter: kept once.
	byID := `query($id: ID!) { thing(id: $id) { tags { label } } }`
	first, _ := limitsRun(t, l, byID, "", map[string]any{"id": "a"})
	again, _ := limitsRun(t, l, byID, "", map[string]any{"id": "b"})
	if first.Cost != 1+4 || again != first {
		t.Fatalf("by id: %+v then %+v, want the kept cost 5 again", first, again)
	}

	// Variables it reads do: first and last, and the lists of plain lists.
	page := `query($n: Int) { things(last: $n) { nodes { name } } }`
	for _, n := range []int{7, 9, 7} {
		if got := cost(page, "", map[string]any{"n": n}); got != 1+n {
			t.Fatalf("last: %d costs %d, want %d", n, got, 1+n)
		}
	}
	if got := cost(page, "", map[string]any{}); got != 1+20 {
		t.Fatalf("no last costs %d, want a default page, 21", got)
	}
	nodes := `query($ids: [ID!]!) { nodes(ids: $ids) { name parent { id } } }`
	for _, ids := range [][]any{{"a", "b"}, {"a", "b", "c"}, {"a"}} {
		if got := cost(nodes, "", map[string]any{"ids": ids}); got != 2*len(ids) {
			t.Fatalf("nodes(ids: %v) costs %d, want %d", ids, got, 2*len(ids))
		}
	}

	// Each operation of a document has its own.
	two := `query A { count } query B { things(first: 3) { nodes { id } } }`
	if a, b := cost(two, "A", nil), cost(two, "B", nil); a != 0 || b != 1+3 {
		t.Fatalf("operations A and B cost %d and %d, want 0 and 4", a, b)
	}

	// New list sizes: measured again.
	sizes = map[string]int{"Thing.tags": 6, "Thing.related": 3}
	if got := cost(byID, "", map[string]any{"id": "a"}); got != 1+6 {
		t.Fatalf("after tags grew to 6: cost %d, want 7", got)
	}
	nested := `{ thing(id: 1) { related { related { tags { label } } } } }`
	if got := cost(nested, "", nil); got != 1+3*(1+3*(1+6)) {
		t.Fatalf("nested lists cost %d, want %d", got, 1+3*(1+3*(1+6)))
	}

	// The limits refuse a kept cost as they refused a measured one.
	for range 2 {
		if s, refused := limitsRun(t, l, page, "", map[string]any{"n": 12}); refused != "cost" || s.Cost != 13 {
			t.Fatalf("last: 12 (cost 13 over 12): refused %q, %+v", refused, s)
		}
		if _, refused := limitsRun(t, l, page, "", map[string]any{"n": 11}); refused != "" {
			t.Fatalf("last: 11 (cost 12): refused %q", refused)
		}
		deep := `{ thing(id: 1) { parent { parent { parent { parent { parent { parent { id } } } } } } } }`
		if s, refused := limitsRun(t, l, deep, "", nil); refused != "depth" || s.Depth != 8 {
			t.Fatalf("depth 8 over 6: refused %q, %+v", refused, s)
		}
	}
}

// Values that differ give keys that differ.
func TestValueKeys(t *testing.T) {
	values := []any{nil, true, false, "", "1", "a", 1, int64(1), int32(1), 1.0, 1.5, "n",
		[]any{}, []any{"a"}, []any{"a", "b"}, []any{"ab"}, []any{[]any{}}, map[string]any{}, map[string]any{"a": 1}, map[string]any{"a": "1"}}
	seen := map[string]int{}
	for i, v := range values {
		k, ok := appendValueKey(nil, v)
		if !ok {
			t.Fatalf("%#v has no key", v)
		}
		if j, dup := seen[string(k)]; dup {
			t.Fatalf("%#v and %#v share the key %q", values[j], v, k)
		}
		seen[string(k)] = i
	}
	if _, ok := appendValueKey(nil, struct{}{}); ok {
		t.Fatal("an unknown type has a key")
	}
}

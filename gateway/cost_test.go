package gateway

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

const testSchema = `
type Query {
  thing(id: ID!): Thing
  things(first: Int, last: Int): ThingConnection!
  nodes(ids: [ID!]!): [Thing]!
  count: Int!
}
type Mutation { rename(id: ID!, name: String!): RenamePayload! }
type RenamePayload { thing: Thing }
type Thing {
  id: ID!
  name: String!
  kind: Kind!
  parent: Thing
  tags: [Tag!]!
  related: [Thing!]!
  labels: [Tag!]!
  children(first: Int, last: Int): ThingConnection!
}
type Tag { label: String! }
enum Kind { A B }
type ThingConnection { edges: [ThingEdge!]! nodes: [Thing!]! pageInfo: PageInfo! totalCount: Int! }
type ThingEdge { cursor: String! node: Thing! }
type PageInfo { hasNextPage: Boolean! }
`

func measureOf(t *testing.T, query string, vars map[string]any) (cost, depth, aliases int) {
	t.Helper()
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: testSchema})
	doc, errs := gqlparser.LoadQuery(schema, query)
	if errs != nil {
		t.Fatalf("%s: %v", query, errs)
	}
	op := doc.Operations[0]
	if vars != nil {
		coerced, err := validator.VariableValues(schema, op, vars)
		if err != nil {
			t.Fatal(err)
		}
		vars = coerced
	}
	m := newMeasure(schema, doc, vars, 20)
	m.listSizes = map[string]int{"Thing.tags": 4, "Thing.related": 3}
	return m.operationCost(op), m.selectionDepth(op.SelectionSet), countAliases(doc)
}

func TestCost(t *testing.T) {
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		cost, depth int
	}{
		{"scalars are free", `{ count }`, nil, 0, 1},
		{"an object costs 1", `{ thing(id: 1) { id name kind } }`, nil, 1, 2},
		{"nested objects", `{ thing(id: 1) { parent { parent { name } } } }`, nil, 3, 4},
		{"a plain list costs its longest in the data", `{ thing(id: 1) { tags { label } } }`, nil, 1 + 4*1, 3},
		{"nested plain lists multiply", `{ thing(id: 1) { related { related { tags { label } } } } }`, nil, 1 + 3*(1+3*(1+4*1)), 5},
		{"a plain list under a connection multiplies", `{ things(first: 10) { nodes { related { name } } } }`, nil, 1 + 10*(1+3*1), 4},
		{"a plain list with no known bound costs a default page", `{ thing(id: 1) { labels { label } } }`, nil, 1 + 20*1, 3},
		{"connection: default page of nodes", `{ things { nodes { name } } }`, nil, 1 + 20*1, 3},
		{"connection: first", `{ things(first: 5) { nodes { name } } }`, nil, 1 + 5*1, 3},
		{"connection: last from a variable", `query($n: Int) { things(last: $n) { nodes { name } } }`, map[string]any{"n": 7}, 1 + 7*1, 3},
		{"connection: edges cost their node", `{ things(first: 5) { edges { cursor node { name } } } }`, nil, 1 + 5*1, 4},
		{"connection: pageInfo and totalCount once", `{ things(first: 5) { totalCount pageInfo { hasNextPage } nodes { id } } }`, nil, 1 + 5*1 + 1, 3},
		{"nested connections multiply", `{ things(first: 10) { nodes { children(first: 10) { nodes { parent { id } } } } } }`, nil, 1 + 10*(1+(1+10*(1+1))), 6},
		{"nodes(ids) counts each id", `{ nodes(ids: ["a", "b", "c"]) { name parent { id } } }`, nil, 3 * 2, 3},
		{"a mutation field costs 10", `mutation { rename(id: 1, name: "x") { thing { name } } }`, nil, 10 + 1, 3},
		{"introspection is free and shallow", `{ __typename __schema { types { fields { type { ofType { ofType { name } } } } } } }`, nil, 0, 0},
		{"fragments", `query { thing(id: 1) { ...F } } fragment F on Thing { parent { ...G } } fragment G on Thing { children(first: 2) { nodes { id } } }`, nil, 1 + 1 + (1 + 2*1), 5},
		{"inline fragments in a connection", `{ things(first: 3) { ... on ThingConnection { nodes { id } } } }`, nil, 1 + 3*1, 3},
		{"huge pages saturate", `{ things(first: 2000000000) { nodes { children(first: 2000000000) { nodes { id } } } } }`, nil, costCap, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			cost, depth, _ := measureOf(t, c.query, c.vars)
			if cost != c.cost || depth != c.depth {
				t.Errorf("cost %d depth %d, want cost %d depth %d", cost, depth, c.cost, c.depth)
			}
		})
	}
}

// A document whose fragments double at every level expands to 2^40
// fields; measuring it must still take linear time.
func TestCostOfFragmentBombIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ thing(id: 1) { ...F0 } }\n")
	const levels = 40
	for i := range levels {
		next := "id"
		if i < levels-1 {
			next = "...F" + strconv.Itoa(i+1)
		}
		b.WriteString("fragment F" + strconv.Itoa(i) + " on Thing { parent { " + next + " } children { nodes { " + next + " } } }\n")
	}
	start := time.Now()
	cost, depth, _ := measureOf(t, b.String(), nil)
	if time.Since(start) > 2*time.Second {
		t.Fatalf("measuring took %v", time.Since(start))
	}
	if cost != costCap || depth < levels {
		t.Fatalf("cost %d depth %d, want saturated cost and depth ≥ %d", cost, depth, levels)
	}
}

func TestCountAliases(t *testing.T) {
	_, _, n := measureOf(t, `query { a: count b: count count thing(id: 1) { x: name ...F } } fragment F on Thing { y: id }`, nil)
	if n != 4 {
		t.Fatalf("aliases %d, want 4", n)
	}
}

package fastpath

import (
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestArgumentsAreArgumentMaps: the writer's reused argument map holds
// what ast.Field.ArgumentMap builds (variables, literals with variables
// inside, defaults, absent arguments), one field after another.
func TestArgumentsAreArgumentMaps(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: `
		input Filter { words: [String!], limit: Int = 3 }
		type Query {
			a(id: ID!, first: Int = 10, after: String): Int
			b(filter: Filter, flag: Boolean = true, n: Int): Int
		}`})
	doc := gqlparser.MustLoadQuery(schema, `query($id: ID!, $w: [String!], $n: Int, $f: Filter, $missing: String) {
		a(id: $id) x: a(id: "lit", first: 2, after: null) y: a(id: $id, after: $missing)
		b(filter: {words: $w}) c: b(filter: $f, flag: false, n: $n) d: b
	}`)
	vars := map[string]any{"id": "C-1", "w": []any{"x", "y"}, "n": nil, "f": map[string]any{"limit": 9}}
	w := &writer{vars: vars}
	for _, sel := range doc.Operations[0].SelectionSet {
		field := sel.(*ast.Field)
		got, ok := w.arguments(&graphql.CollectedField{Field: field})
		if !ok {
			t.Fatalf("%s: refused", field.Alias)
		}
		if want := field.ArgumentMap(vars); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, want %#v", field.Alias, got, want)
		}
	}
}

package resolvers

import (
	"strings"
	"testing"

	"convene/graph"
	"convene/hub"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestEveryPlainListHasASize: every field of the schema that returns a
// plain list of objects (not a connection's edges or nodes, not a list
// given by an argument) has a bound in ListSizes, so that query cost
// never guesses.
func TestEveryPlainListHasASize(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	sizes := ListSizes(hub.NewReadModel())()
	seen := map[string]bool{}
	for _, def := range schema.Types {
		if def.Kind != ast.Object || strings.HasPrefix(def.Name, "__") || strings.HasSuffix(def.Name, "Connection") {
			continue
		}
		for _, f := range def.Fields {
			if f.Type.Elem == nil || strings.HasPrefix(f.Name, "__") {
				continue
			}
			elem := schema.Types[f.Type.Name()]
			if elem.Kind == ast.Scalar || elem.Kind == ast.Enum {
				continue
			}
			listArg := false
			for _, a := range f.Arguments {
				listArg = listArg || a.Type.Elem != nil
			}
			key := def.Name + "." + f.Name
			if listArg {
				continue
			}
			seen[key] = true
			if _, ok := sizes[key]; !ok {
				t.Errorf("%s returns a list of %s with no bound in ListSizes", key, elem.Name)
			}
		}
	}
	for key := range sizes {
		if !seen[key] {
			t.Errorf("ListSizes names %s, which is not a plain list field of the schema", key)
		}
	}
}

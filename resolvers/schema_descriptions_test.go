package resolvers

import (
	"strings"
	"testing"

	"convene/graph"
)

// TestSchemaIsDescribed: every type, field, argument and enum value that
// schema.graphqls declares has a description, so the schema documents
// itself in the playground and in every client's tooling.
func TestSchemaIsDescribed(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, def := range schema.Types {
		if def.BuiltIn || def.Position == nil || def.Position.Src == nil || def.Position.Src.BuiltIn {
			continue
		}
		if def.Description == "" {
			t.Errorf("type %s has no description", def.Name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") { // introspection's, which gqlgen adds
				continue
			}
			if f.Description == "" {
				t.Errorf("%s.%s has no description", def.Name, f.Name)
			}
			for _, a := range f.Arguments {
				if a.Description == "" {
					t.Errorf("%s.%s(%s) has no description", def.Name, f.Name, a.Name)
				}
			}
		}
		for _, v := range def.EnumValues {
			if v.Description == "" {
				t.Errorf("%s.%s has no description", def.Name, v.Name)
			}
		}
	}
}

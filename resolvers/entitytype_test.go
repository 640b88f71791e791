package resolvers

import (
	"slices"
	"testing"

	"convene/graph"
	"convene/hub"
)

// TestEntityTypeEnumIsTheRegistry: the schema's EntityType enum names
// exactly the registry's kinds, in its order, so a kind added to one and
// not the other fails here.
func TestEntityTypeEnumIsTheRegistry(t *testing.T) {
	var schema []string
	for _, v := range graph.NewExecutableSchema(graph.Config{}).Schema().Types["EntityType"].EnumValues {
		schema = append(schema, v.Name)
	}
	var names []string
	for _, k := range hub.EntityTypes() {
		name, err := entityTypeOf(k)
		if err != nil || !slices.Contains(schema, name) {
			t.Errorf("kind %s: enum value %q (%v) is not in the schema", k, name, err)
		}
		if hubType(name) != k {
			t.Errorf("enum value %s names %q, want %s", name, hubType(name), k)
		}
		names = append(names, name)
	}
	if !slices.Equal(names, schema) {
		t.Errorf("the registry's kinds %v, the schema's enum %v", names, schema)
	}
	if _, err := entityTypeOf("Nothing"); err == nil {
		t.Error("an unregistered type has an enum value")
	}
}

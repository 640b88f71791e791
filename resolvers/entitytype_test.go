package resolvers

import (
	"slices"
	"testing"

	"convene/graph/model"
	"convene/hub"
)

// TestEntityTypeEnumIsTheRegistry: the schema's EntityType enum names
// exactly the registry's kinds, in its order, so a kind added to one and
// not the other fails here.
func TestEntityTypeEnumIsTheRegistry(t *testing.T) {
	var names []model.EntityType
	for _, k := range hub.EntityTypes() {
		name, err := entityTypeOf(k)
		if err != nil || !name.IsValid() {
			t.Errorf("kind %s: enum value %q (%v) is not in the schema", k, name, err)
		}
		if hubType(name) != k {
			t.Errorf("enum value %s names %q, want %s", name, hubType(name), k)
		}
		names = append(names, name)
	}
	if !slices.Equal(names, model.AllEntityType) {
		t.Errorf("the registry's kinds %v, the schema's enum %v", names, model.AllEntityType)
	}
	if _, err := entityTypeOf("Nothing"); err == nil {
		t.Error("an unregistered type has an enum value")
	}
}

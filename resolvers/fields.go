package resolvers

import (
	"context"
	"encoding/json"

	"convene/hub"
	"convene/opaque"
)

// presentFields is what a viewer sees of the changed fields of an entity
// of type t: the fields hub's read policy hides dropped, references (the
// registry's links) as global IDs. The domain records its own IDs; clients
// see global IDs, the same ones every other field gives them.
func presentFields(ctx context.Context, t hub.EntityType, fields []hub.FieldChange) []*hub.FieldChange {
	v := viewer(ctx)
	out := make([]*hub.FieldChange, 0, len(fields))
	for _, f := range fields {
		if !v.SeesField(t, f.Field) {
			continue
		}
		if to, ok := hub.LinkOf(t, f.Field); ok {
			f.Before, f.After = globalRefs(to, f.Before), globalRefs(to, f.After)
		}
		out = append(out, &f)
	}
	return out
}

// globalRefs rewrites a JSON value of references: a string, a list of
// strings, or a list of objects with a "stakeholder" member.
func globalRefs(t hub.EntityType, text *string) *string {
	if text == nil {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(*text), &v) != nil {
		return text
	}
	var rewrite func(any) any
	rewrite = func(v any) any {
		switch x := v.(type) {
		case string:
			return opaque.GlobalID(t, x)
		case []any:
			for i := range x {
				x[i] = rewrite(x[i])
			}
		case map[string]any:
			if s, ok := x["stakeholder"].(string); ok {
				x["stakeholder"] = opaque.GlobalID(hub.TypeStakeholder, s)
			}
		}
		return v
	}
	b, err := json.Marshal(rewrite(v))
	if err != nil {
		return text
	}
	s := string(b)
	return &s
}

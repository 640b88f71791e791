package opaque

import (
	"encoding/json"

	"convene/hub"
)

// PresentFields is what v sees of the changed fields of an entity of type
// t, for every transport that shows history (the exports too): the fields
// hub's read policy hides dropped, references (the registry's links) as
// global IDs. The domain records its own IDs; clients see global IDs, the
// same ones every other field gives them.
func PresentFields(v hub.Viewer, t hub.EntityType, fields []hub.FieldChange) []*hub.FieldChange {
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
			return GlobalID(t, x)
		case []any:
			for i := range x {
				x[i] = rewrite(x[i])
			}
		case map[string]any:
			if s, ok := x["stakeholder"].(string); ok {
				x["stakeholder"] = GlobalID(hub.TypeStakeholder, s)
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

package resolvers

import (
	"context"
	"encoding/json"

	"convene/hub"
)

// refFields names the changed fields whose JSON values are references,
// and the type they refer to. The domain records its own IDs; clients see
// global IDs, the same ones every other field gives them.
var refFields = map[string]hub.EntityType{
	"plan":              hub.TypePlan,
	"pillar":            hub.TypePillar,
	"objective":         hub.TypeObjective,
	"lead":              hub.TypeStakeholder,
	"parent":            hub.TypeStakeholder,
	"convener":          hub.TypeStakeholder,
	"owner":             hub.TypeStakeholder,
	"stakeholder":       hub.TypeStakeholder,
	"meeting":           hub.TypeMeeting,
	"targetCommunities": hub.TypeCommunity,
	"commitments":       hub.TypeCommitment,
	"participants":      hub.TypeStakeholder, // a list of {stakeholder, …}
}

// presentFields is what a viewer sees of a change's fields: private ones
// dropped, references as global IDs.
func presentFields(ctx context.Context, fields []hub.FieldChange) []*hub.FieldChange {
	return PresentFields(viewer(ctx), fields)
}

// PresentFields is what v sees of a change's fields, for every transport
// that shows history (the exports too).
func PresentFields(v hub.Viewer, fields []hub.FieldChange) []*hub.FieldChange {
	out := make([]*hub.FieldChange, 0, len(fields))
	for _, f := range fields {
		if f.Field == "contacts" && !v.CanSeeContacts() {
			continue
		}
		if t, ok := refFields[f.Field]; ok {
			f.Before, f.After = globalRefs(t, f.Before), globalRefs(t, f.After)
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

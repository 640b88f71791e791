package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"
)

// An entity's history (`history(first:…)`, a connection of changes), from
// the resolver, which decides what each change shows the caller.

var (
	changeConnectionObj = &object[*model.ChangeConnection]{name: "ChangeConnection"}
	changeEdgeObj       = &object[*model.ChangeEdge]{name: "ChangeEdge"}
	changeObj           = &object[*hub.Change]{name: "Change"}
	fieldChangeObj      = &object[hub.FieldChange]{name: "FieldChange"}
)

// commitmentHistory pages a commitment's changes through the resolver.
var commitmentHistory = pageField(changeConnectionObj, func(w *writer, cm *gqltype.Commitment, a pageArgs) (*model.ChangeConnection, error) {
	return w.ex.commitment.History(w.ctx, cm, a.first, a.after, a.last, a.before)
})

func init() {
	changeConnectionObj.fields = map[string]fieldSpec[*model.ChangeConnection]{
		"edges": list(of(func(c *model.ChangeConnection) []*model.ChangeEdge { return c.Edges }),
			changeEdgeObj, ptr[model.ChangeEdge]),
		"nodes": list(of(func(c *model.ChangeConnection) []*hub.Change { return c.Nodes }),
			changeObj, ptr[hub.Change]),
		"pageInfo": one(of(func(c *model.ChangeConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.ChangeConnection) int { return c.TotalCount }),
	}
	changeEdgeObj.fields = map[string]fieldSpec[*model.ChangeEdge]{
		"cursor": str(func(e *model.ChangeEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.ChangeEdge) *hub.Change { return e.Node }),
			changeObj, true, ptr[hub.Change]),
	}
	changeObj.fields = map[string]fieldSpec[*hub.Change]{
		"kind":    str(func(c *hub.Change) string { return c.Kind }),
		"actor":   one(of(func(c *hub.Change) hub.Actor { return c.Actor }), actorObj, true, never[hub.Actor]),
		"at":      leaf(func(w *writer, c *hub.Change) { w.dateTime(c.At) }),
		"version": integer(func(c *hub.Change) int { return c.Version }),
		"fields": list(of(func(c *hub.Change) []hub.FieldChange { return c.Fields }),
			fieldChangeObj, never[hub.FieldChange]),
	}
	fieldChangeObj.fields = map[string]fieldSpec[hub.FieldChange]{
		"field":  str(func(f hub.FieldChange) string { return f.Field }),
		"before": optStr(of(func(f hub.FieldChange) *string { return f.Before })),
		"after":  optStr(of(func(f hub.FieldChange) *string { return f.After })),
	}
}

package fastpath

import (
	"reflect"

	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// node is the root field `node(id:)`: the resolver finds the entity (the
// read policy is its own), and the selection is compiled for each Node
// type the plans write (compileNode).
func node(c *compiler, f *graphql.CollectedField) (emit[struct{}], bool) {
	if !knownArgs(f, "id") {
		return nil, false
	}
	n, ok := compileNode(c, f)
	if !ok {
		return nil, false
	}
	return func(w *writer, _ struct{}) {
		raw, ok := w.arguments(f)
		var id string
		if ok {
			id, ok = requiredID(raw, "id")
		}
		if !ok {
			w.fail()
			return
		}
		v, err := w.ex.query.Node(w.ctx, id)
		if err != nil {
			w.fail()
			return
		}
		n.write(w, v)
	}, true
}

// nodes is the root field `nodes(ids:)`, a list of nullable nodes.
func nodes(c *compiler, f *graphql.CollectedField) (emit[struct{}], bool) {
	if !knownArgs(f, "ids") {
		return nil, false
	}
	n, ok := compileNode(c, f)
	if !ok {
		return nil, false
	}
	return func(w *writer, _ struct{}) {
		args, ok := w.arguments(f)
		raw := args["ids"]
		var ids []string
		if ok {
			ids, ok = listOf(raw, graphql.UnmarshalID)
		}
		if !ok || raw == nil {
			w.fail()
			return
		}
		vs, err := w.ex.query.Nodes(w.ctx, ids)
		if err != nil {
			w.fail()
			return
		}
		w.buf = append(w.buf, '[')
		for i, v := range vs {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if n.write(w, v); w.failed {
				return
			}
		}
		w.buf = append(w.buf, ']')
	}, true
}

// compileNode compiles a selection on Node for each Node type the plans
// write. A node of another type is written when the selection asks
// nothing of it (gqlgen writes `{}`); otherwise the plan gives the
// operation back.
func compileNode(c *compiler, f *graphql.CollectedField) (*nodeEmits, bool) {
	n := &nodeEmits{othersEmpty: true}
	var ok [5]bool
	n.commitment, ok[0] = commitmentObj.compile(c, f.Selections)
	n.stakeholder, ok[1] = stakeholderObj.compile(c, f.Selections)
	n.pillar, ok[2] = pillarObj.compile(c, f.Selections)
	n.objective, ok[3] = objectiveObj.compile(c, f.Selections)
	n.community, ok[4] = communityObj.compile(c, f.Selections)
	if ok != [5]bool{true, true, true, true, true} {
		return nil, false
	}
	iface := c.schema.Types["Node"]
	if iface == nil {
		return nil, false
	}
	for _, def := range c.schema.GetPossibleTypes(iface) {
		switch def.Name {
		case commitmentObj.name, stakeholderObj.name, pillarObj.name, objectiveObj.name, communityObj.name:
			continue
		}
		if len(graphql.CollectFields(c.opCtx, f.Selections, c.satisfies(def.Name))) > 0 {
			n.othersEmpty = false
		}
	}
	return n, true
}

// nodeEmits are a node selection's plans, by the type of the node.
type nodeEmits struct {
	commitment  emit[*gqltype.Commitment]
	stakeholder emit[*hub.Stakeholder]
	pillar      emit[*hub.Pillar]
	objective   emit[*gqltype.Objective]
	community   emit[*hub.Community]
	othersEmpty bool // the selection collects no field on any other Node type
}

// write writes v as gqlgen's Node marshaller would: null for nil (typed
// or not), else the object of its type.
func (n *nodeEmits) write(w *writer, v gqltype.Node) {
	switch x := v.(type) {
	case nil:
		w.null()
	case *gqltype.Commitment:
		writeObject(w, x, nil, false, ptr[gqltype.Commitment], n.commitment)
	case *hub.Stakeholder:
		writeObject(w, x, nil, false, ptr[hub.Stakeholder], n.stakeholder)
	case *hub.Pillar:
		writeObject(w, x, nil, false, ptr[hub.Pillar], n.pillar)
	case *gqltype.Objective:
		writeObject(w, x, nil, false, ptr[gqltype.Objective], n.objective)
	case *hub.Community:
		writeObject(w, x, nil, false, ptr[hub.Community], n.community)
	default:
		switch p := reflect.ValueOf(v); {
		case p.Kind() != reflect.Pointer || !n.othersEmpty:
			w.fail()
		case p.IsNil():
			w.null()
		default:
			w.raw("{}")
		}
	}
}

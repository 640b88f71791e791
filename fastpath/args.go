package fastpath

import (
	"slices"

	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Arguments are decoded as gqlgen's generated code decodes them (the same
// unmarshalers: graphql's and gqltype's), from the field's argument map
// (ast.Field.ArgumentMap: literals, variables and defaults, as gqlgen
// reads them). A value that gqlgen would refuse makes the plan give the
// operation back, so that gqlgen reports it.

// knownArgs reports whether every argument of the field that has a value
// (given, or a default) is one the plan decodes.
func knownArgs(f *graphql.CollectedField, known ...string) bool {
	if f.Definition == nil {
		return false
	}
	for _, def := range f.Definition.Arguments {
		if slices.Contains(known, def.Name) {
			continue
		}
		if f.Arguments.ForName(def.Name) != nil || def.DefaultValue != nil {
			return false
		}
	}
	return true
}

// usesVariables reports whether any argument of f reads a variable.
func usesVariables(f *ast.Field) bool {
	var uses func(v *ast.Value) bool
	uses = func(v *ast.Value) bool {
		if v == nil {
			return false
		}
		if v.Kind == ast.Variable {
			return true
		}
		for _, c := range v.Children {
			if uses(c.Value) {
				return true
			}
		}
		return false
	}
	for _, a := range f.Arguments {
		if uses(a.Value) {
			return true
		}
	}
	return false
}

// pageArgs are a connection's Relay arguments.
type pageArgs struct {
	first, last   *int
	after, before *string
}

var pageArgNames = []string{"first", "after", "last", "before"}

func decodePage(raw map[string]any) (a pageArgs, ok bool) {
	var okF, okA, okL, okB bool
	a.first, okF = optInt(raw, "first")
	a.after, okA = optString(raw, "after")
	a.last, okL = optInt(raw, "last")
	a.before, okB = optString(raw, "before")
	return a, okF && okA && okL && okB
}

// argsOf compiles the arguments of a nested field: decoded once when they
// are literals (decode's values are then shared by every execution, and
// the resolvers only read them), else from each execution's variables.
func argsOf[A any](f *graphql.CollectedField, decode func(raw map[string]any) (A, bool), known ...string) (func(w *writer) (A, bool), bool) {
	if !knownArgs(f, known...) {
		return nil, false
	}
	if usesVariables(f.Field) {
		return func(w *writer) (A, bool) { return decode(f.ArgumentMap(w.vars)) }, true
	}
	a, ok := decode(f.ArgumentMap(nil))
	return func(*writer) (A, bool) { return a, true }, ok
}

// stakeholderCommitmentsArgs are Stakeholder.commitments' arguments.
type stakeholderCommitmentsArgs struct {
	page  pageArgs
	roles []hub.ParticipantRole
}

func decodeStakeholderCommitments(raw map[string]any) (a stakeholderCommitmentsArgs, ok bool) {
	var okP, okR bool
	a.page, okP = decodePage(raw)
	a.roles, okR = listOf(raw["roles"], gqltype.UnmarshalParticipantRole)
	return a, okP && okR
}

// stakeholderFilter decodes a StakeholderFilter input.
func stakeholderFilter(raw map[string]any) (*model.StakeholderFilter, bool) {
	v, present := raw["filter"]
	if !present || v == nil {
		return nil, true
	}
	in, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	f := &model.StakeholderFilter{}
	for k, v := range in {
		ok := false
		switch k {
		case "sectors":
			f.Sectors, ok = listOf(v, gqltype.UnmarshalSector)
		case "search":
			f.Search, ok = optValue(v, graphql.UnmarshalString)
		}
		if !ok {
			return nil, false
		}
	}
	return f, true
}

func optInt(raw map[string]any, name string) (*int, bool) {
	v, ok := raw[name]
	if !ok || v == nil {
		return nil, true
	}
	n, err := graphql.UnmarshalInt(v)
	return &n, err == nil
}

func optString(raw map[string]any, name string) (*string, bool) {
	v, ok := raw[name]
	if !ok || v == nil {
		return nil, true
	}
	s, err := graphql.UnmarshalString(v)
	return &s, err == nil
}

// requiredID is a non-null ID argument.
func requiredID(raw map[string]any, name string) (string, bool) {
	v, ok := raw[name]
	if !ok {
		return "", false
	}
	s, err := graphql.UnmarshalID(v)
	return s, err == nil
}

// requiredString is a non-null String argument.
func requiredString(raw map[string]any, name string) (string, bool) {
	v, ok := raw[name]
	if !ok {
		return "", false
	}
	s, err := graphql.UnmarshalString(v)
	return s, err == nil
}

// listOf decodes a list input as gqlgen does (a single value is a list of
// one); nil is absent.
func listOf[E any](v any, decode func(any) (E, error)) ([]E, bool) {
	if v == nil {
		return nil, true
	}
	items := graphql.CoerceList(v)
	out := make([]E, len(items))
	for i, it := range items {
		e, err := decode(it)
		if err != nil {
			return nil, false
		}
		out[i] = e
	}
	return out, true
}

func optValue[E any](v any, decode func(any) (E, error)) (*E, bool) {
	if v == nil {
		return nil, true
	}
	e, err := decode(v)
	return &e, err == nil
}

// commitmentFilter decodes a CommitmentFilter input; a field it does not
// know makes the plan give up.
func commitmentFilter(raw map[string]any) (*model.CommitmentFilter, bool) {
	v, present := raw["filter"]
	if !present || v == nil {
		return nil, true
	}
	in, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	f := &model.CommitmentFilter{}
	for k, v := range in {
		ok := false
		switch k {
		case "planIds":
			f.PlanIds, ok = listOf(v, graphql.UnmarshalID)
		case "sectors":
			f.Sectors, ok = listOf(v, gqltype.UnmarshalSector)
		case "stakeholderIds":
			f.StakeholderIds, ok = listOf(v, graphql.UnmarshalID)
		case "pillarIds":
			f.PillarIds, ok = listOf(v, graphql.UnmarshalID)
		case "objectiveIds":
			f.ObjectiveIds, ok = listOf(v, graphql.UnmarshalID)
		case "statuses":
			f.Statuses, ok = listOf(v, gqltype.UnmarshalCommitmentStatus)
		case "communityIds":
			f.CommunityIds, ok = listOf(v, graphql.UnmarshalID)
		case "overdue":
			f.Overdue, ok = optValue(v, graphql.UnmarshalBoolean)
		case "dueBefore":
			f.DueBefore, ok = optValue(v, gqltype.UnmarshalDate)
		case "dueAfter":
			f.DueAfter, ok = optValue(v, gqltype.UnmarshalDate)
		case "search":
			f.Search, ok = optValue(v, graphql.UnmarshalString)
		}
		if !ok {
			return nil, false
		}
	}
	return f, true
}

// commitmentOrder decodes a CommitmentOrder input (direction defaults to ASC).
func commitmentOrder(raw map[string]any) (*model.CommitmentOrder, bool) {
	v, present := raw["orderBy"]
	if !present || v == nil {
		return nil, true
	}
	in, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	o := &model.CommitmentOrder{Direction: "ASC"}
	for k, v := range in {
		var err error
		switch k {
		case "field":
			o.Field, err = gqltype.UnmarshalCommitmentOrderField(v)
		case "direction":
			o.Direction, err = gqltype.UnmarshalOrderDirection(v)
		default:
			return nil, false
		}
		if err != nil {
			return nil, false
		}
	}
	if _, ok := in["field"]; !ok {
		return nil, false
	}
	return o, true
}

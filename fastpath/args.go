package fastpath

import (
	"slices"
	"time"

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

// arguments is f's argument map as f.ArgumentMap(w.vars) builds it, in
// the writer's scratch map: each decoder copies what it keeps before the
// next field's arguments reuse the map. A literal gqlgen could not read
// (ArgumentMap panics) is false.
func (w *writer) arguments(f *graphql.CollectedField) (map[string]any, bool) {
	if w.args == nil {
		w.args = make(map[string]any, 8)
	} else {
		clear(w.args)
	}
	for _, def := range f.Definition.Arguments {
		var val any
		has := false
		if a := f.Arguments.ForName(def.Name); a != nil {
			if a.Value.Kind == ast.Variable {
				val, has = w.vars[a.Value.Raw]
			} else {
				v, err := a.Value.Value(w.vars)
				if err != nil {
					return nil, false
				}
				val, has = v, true
			}
		}
		if !has && def.DefaultValue != nil {
			v, err := def.DefaultValue.Value(w.vars)
			if err != nil {
				return nil, false
			}
			val, has = v, true
		}
		if has {
			w.args[def.Name] = val
		}
	}
	return w.args, true
}

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
		return func(w *writer) (A, bool) {
			raw, ok := w.arguments(f)
			if !ok {
				var zero A
				return zero, false
			}
			return decode(raw)
		}, true
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

// input is how the plan decodes an input object: a setter per field it
// knows (a field it does not know makes the plan give up), the fields
// that must be present, and the defaults of the schema.
type input[I any] struct {
	fields   map[string]func(in *I, v any) bool
	required []string
	defaults func(in *I)
}

// decode decodes the input object argument name of raw; absent or null
// is nil.
func (d input[I]) decode(raw map[string]any, name string) (*I, bool) {
	v, present := raw[name]
	if !present || v == nil {
		return nil, true
	}
	fields, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	for _, k := range d.required {
		if _, ok := fields[k]; !ok {
			return nil, false
		}
	}
	in := new(I)
	if d.defaults != nil {
		d.defaults(in)
	}
	for k, v := range fields {
		set := d.fields[k]
		if set == nil || !set(in, v) {
			return nil, false
		}
	}
	return in, true
}

// listField sets a list field of an input object.
func listField[I, E any](field func(in *I) *[]E, decode func(any) (E, error)) func(*I, any) bool {
	return func(in *I, v any) (ok bool) {
		*field(in), ok = listOf(v, decode)
		return ok
	}
}

// optField sets a nullable field of an input object.
func optField[I, E any](field func(in *I) **E, decode func(any) (E, error)) func(*I, any) bool {
	return func(in *I, v any) (ok bool) {
		*field(in), ok = optValue(v, decode)
		return ok
	}
}

// reqField sets a non-null field of an input object.
func reqField[I, E any](field func(in *I) *E, decode func(any) (E, error)) func(*I, any) bool {
	return func(in *I, v any) bool {
		e, err := decode(v)
		*field(in) = e
		return err == nil
	}
}

var commitmentFilter = input[model.CommitmentFilter]{fields: map[string]func(*model.CommitmentFilter, any) bool{
	"planIds":        listField(func(f *model.CommitmentFilter) *[]string { return &f.PlanIds }, graphql.UnmarshalID),
	"sectors":        listField(func(f *model.CommitmentFilter) *[]hub.Sector { return &f.Sectors }, gqltype.UnmarshalSector),
	"stakeholderIds": listField(func(f *model.CommitmentFilter) *[]string { return &f.StakeholderIds }, graphql.UnmarshalID),
	"pillarIds":      listField(func(f *model.CommitmentFilter) *[]string { return &f.PillarIds }, graphql.UnmarshalID),
	"objectiveIds":   listField(func(f *model.CommitmentFilter) *[]string { return &f.ObjectiveIds }, graphql.UnmarshalID),
	"statuses":       listField(func(f *model.CommitmentFilter) *[]hub.CommitmentStatus { return &f.Statuses }, gqltype.UnmarshalCommitmentStatus),
	"communityIds":   listField(func(f *model.CommitmentFilter) *[]string { return &f.CommunityIds }, graphql.UnmarshalID),
	"overdue":        optField(func(f *model.CommitmentFilter) **bool { return &f.Overdue }, graphql.UnmarshalBoolean),
	"dueBefore":      optField(func(f *model.CommitmentFilter) **hub.Date { return &f.DueBefore }, gqltype.UnmarshalDate),
	"dueAfter":       optField(func(f *model.CommitmentFilter) **hub.Date { return &f.DueAfter }, gqltype.UnmarshalDate),
	"search":         optField(func(f *model.CommitmentFilter) **string { return &f.Search }, graphql.UnmarshalString),
}}

var stakeholderFilter = input[model.StakeholderFilter]{fields: map[string]func(*model.StakeholderFilter, any) bool{
	"sectors": listField(func(f *model.StakeholderFilter) *[]hub.Sector { return &f.Sectors }, gqltype.UnmarshalSector),
	"search":  optField(func(f *model.StakeholderFilter) **string { return &f.Search }, graphql.UnmarshalString),
}}

var commitmentOrder = input[model.CommitmentOrder]{
	fields: map[string]func(*model.CommitmentOrder, any) bool{
		"field":     reqField(func(o *model.CommitmentOrder) *hub.CommitmentOrderField { return &o.Field }, gqltype.UnmarshalCommitmentOrderField),
		"direction": reqField(func(o *model.CommitmentOrder) *string { return &o.Direction }, gqltype.UnmarshalOrderDirection),
	},
	required: []string{"field"},
	defaults: func(o *model.CommitmentOrder) { o.Direction = "ASC" },
}

var stakeholderOrder = input[model.StakeholderOrder]{
	fields: map[string]func(*model.StakeholderOrder, any) bool{
		"field":     reqField(func(o *model.StakeholderOrder) *hub.StakeholderOrderField { return &o.Field }, gqltype.UnmarshalStakeholderOrderField),
		"direction": reqField(func(o *model.StakeholderOrder) *string { return &o.Direction }, gqltype.UnmarshalOrderDirection),
	},
	required: []string{"field"},
	defaults: func(o *model.StakeholderOrder) { o.Direction = "ASC" },
}

// optDateTime is a nullable DateTime argument (asOf).
func optDateTime(raw map[string]any, name string) (*time.Time, bool) {
	return optValue(raw[name], gqltype.UnmarshalDateTime)
}

package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The strategic plans with their pillars and objectives
// (`strategicPlans`), the communities (`communities`), and an objective's
// commitments, from the resolvers.

var strategicPlanObj = &object[*hub.StrategicPlan]{name: "StrategicPlan"}

func init() {
	strategicPlanObj.fields = map[string]fieldSpec[*hub.StrategicPlan]{
		"id":          globalID(hub.TypePlan, func(p *hub.StrategicPlan) string { return p.ID }),
		"title":       str(func(p *hub.StrategicPlan) string { return p.Title }),
		"description": str(func(p *hub.StrategicPlan) string { return p.Description }),
		"periodStart": leaf(func(w *writer, p *hub.StrategicPlan) { w.goQuoted(string(p.PeriodStart)) }),
		"periodEnd":   leaf(func(w *writer, p *hub.StrategicPlan) { w.goQuoted(string(p.PeriodEnd)) }),
		"archived":    boolean(of(func(p *hub.StrategicPlan) bool { return p.Archived })),
		"version":     integer(func(p *hub.StrategicPlan) int { return p.Version }),
		"pillars": archivable(pillarObj, ptr[hub.Pillar], func(w *writer, p *hub.StrategicPlan, all *bool) ([]*hub.Pillar, error) {
			return w.ex.plan.Pillars(w.ctx, p, all)
		}),
	}
}

var pillarPlan = one(func(w *writer, p *hub.Pillar) (*hub.StrategicPlan, error) {
	return w.ex.pillar.Plan(w.ctx, p)
}, strategicPlanObj, true, ptr[hub.StrategicPlan])

var pillarObjectives = archivable(objectiveObj, ptr[gqltype.Objective], func(w *writer, p *hub.Pillar, all *bool) ([]*gqltype.Objective, error) {
	return w.ex.pillar.Objectives(w.ctx, p, all)
})

// objectiveCommitments pages an objective's commitments through the
// resolver, which counts the matches only when the selection asks for
// totalCount: it reads that from the field's context (whose parents hold
// an asOf above it).
func objectiveCommitments(c *compiler, f *graphql.CollectedField) (emit[*gqltype.Objective], bool) {
	return pageField(connectionObj, func(w *writer, o *gqltype.Objective, a pageArgs) (*model.CommitmentConnection, error) {
		ctx := graphql.WithFieldContext(w.ctx, &graphql.FieldContext{Object: "Objective", Field: *f, IsMethod: true, IsResolver: true})
		return w.ex.objective.Commitments(ctx, o, a.first, a.after, a.last, a.before)
	})(c, f)
}

// archivable is a list field of T that takes includeArchived, from get.
func archivable[T, U any](o *object[U], isNil func(U) bool, get func(w *writer, v T, includeArchived *bool) ([]U, error)) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		args, ok := argsOf(f, decodeIncludeArchived, "includeArchived")
		if !ok {
			return nil, false
		}
		sub, ok := o.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			all, ok := args(w)
			if !ok {
				w.fail()
				return
			}
			items, err := get(w, v, all)
			if err != nil {
				w.fail()
				return
			}
			writeList(w, items, sub, isNil)
		}, true
	}
}

func decodeIncludeArchived(raw map[string]any) (*bool, bool) {
	return optValue(raw["includeArchived"], graphql.UnmarshalBoolean)
}

var strategicPlans = archivable(strategicPlanObj, ptr[hub.StrategicPlan], func(w *writer, _ struct{}, all *bool) ([]*hub.StrategicPlan, error) {
	return w.ex.query.StrategicPlans(w.ctx, all)
})

var communities = archivable(communityObj, ptr[hub.Community], func(w *writer, _ struct{}, all *bool) ([]*hub.Community, error) {
	return w.ex.query.Communities(w.ctx, all)
})

package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The figures per stakeholder of commitmentStats (`byStakeholder`), from
// the resolver.

var (
	stakeholderStatsConnObj = &object[*model.StakeholderStatsConnection]{name: "StakeholderStatsConnection"}
	stakeholderStatsEdgeObj = &object[*model.StakeholderStatsEdge]{name: "StakeholderStatsEdge"}
	stakeholderStatsObj     = &object[*hub.StakeholderStats]{name: "StakeholderStats"}
)

func init() {
	stakeholderStatsConnObj.fields = map[string]fieldSpec[*model.StakeholderStatsConnection]{
		"edges": list(of(func(c *model.StakeholderStatsConnection) []*model.StakeholderStatsEdge { return c.Edges }),
			stakeholderStatsEdgeObj, ptr[model.StakeholderStatsEdge]),
		"nodes": list(of(func(c *model.StakeholderStatsConnection) []*hub.StakeholderStats { return c.Nodes }),
			stakeholderStatsObj, ptr[hub.StakeholderStats]),
		"pageInfo": one(of(func(c *model.StakeholderStatsConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.StakeholderStatsConnection) int { return c.TotalCount }),
	}
	stakeholderStatsEdgeObj.fields = map[string]fieldSpec[*model.StakeholderStatsEdge]{
		"cursor": str(func(e *model.StakeholderStatsEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.StakeholderStatsEdge) *hub.StakeholderStats { return e.Node }),
			stakeholderStatsObj, true, ptr[hub.StakeholderStats]),
	}
	stakeholderStatsObj.fields = map[string]fieldSpec[*hub.StakeholderStats]{
		"stakeholder": one(of(func(s *hub.StakeholderStats) *hub.Stakeholder { return s.Stakeholder }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
		"count":           integer(func(s *hub.StakeholderStats) int { return s.Count }),
		"averageProgress": float(func(s *hub.StakeholderStats) float64 { return s.AverageProgress }),
		"overdue":         integer(func(s *hub.StakeholderStats) int { return s.Overdue }),
		"verified":        integer(func(s *hub.StakeholderStats) int { return s.Verified }),
	}
}

var stakeholderStatsOrder = input[model.StakeholderStatsOrder]{
	fields: map[string]func(*model.StakeholderStatsOrder, any) bool{
		"field":     reqField(func(o *model.StakeholderStatsOrder) *hub.StakeholderStatsField { return &o.Field }, gqltype.UnmarshalStakeholderStatsField),
		"direction": reqField(func(o *model.StakeholderStatsOrder) *string { return &o.Direction }, gqltype.UnmarshalOrderDirection),
	},
	required: []string{"field"},
	defaults: func(o *model.StakeholderStatsOrder) { o.Direction = "ASC" },
}

// byStakeholderArgs are CommitmentStats.byStakeholder's arguments.
type byStakeholderArgs struct {
	page    pageArgs
	role    *hub.ParticipantRole
	orderBy *model.StakeholderStatsOrder
}

func decodeByStakeholder(raw map[string]any) (a byStakeholderArgs, ok bool) {
	var okP, okR, okO bool
	a.page, okP = decodePage(raw)
	a.role, okR = optValue(raw["role"], gqltype.UnmarshalParticipantRole)
	a.orderBy, okO = stakeholderStatsOrder.decode(raw, "orderBy")
	return a, okP && okR && okO
}

// byStakeholder pages the figures per stakeholder through the resolver.
func byStakeholder(c *compiler, f *graphql.CollectedField) (emit[*hub.CommitmentStats], bool) {
	args, ok := argsOf(f, decodeByStakeholder, append([]string{"role", "orderBy"}, pageArgNames...)...)
	if !ok {
		return nil, false
	}
	sub, ok := stakeholderStatsConnObj.compile(c, f.Selections)
	if !ok {
		return nil, false
	}
	return func(w *writer, s *hub.CommitmentStats) {
		a, ok := args(w)
		if !ok {
			w.fail()
			return
		}
		conn, err := w.ex.commitmentStats.ByStakeholder(w.ctx, s, a.role, a.orderBy, a.page.first, a.page.after, a.page.last, a.page.before)
		if err != nil || conn == nil {
			w.fail()
			return
		}
		sub(w, conn)
	}, true
}

package app

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"convene/hub"
)

// queryGen generates queries for the differential test of the fast path
// (the same ones for the same seed and data):
// random selections over the types the hot reads use, with aliases,
// repeated fields, inline and named fragments, @skip and @include (literal
// or from variables), and arguments as literals or variables of every
// type, valid values from the demo data and invalid ones. A few fields the
// fast path does not take are mixed in, so that the fallback is exercised
// too.
type queryGen struct {
	rng  *rand.Rand
	data struct {
		commitments, references, stakeholders, pillars, objectives, communities, cursors, meetings, networks []string
	}

	// the query being generated
	vars      map[string]any
	decls     []string
	fragments []string
	n         int // names of variables, aliases and fragments
}

// genField is a field the generator may select.
type genField struct {
	name string
	typ  string                   // the object type of its value ("" for a leaf)
	args func(g *queryGen) string // its arguments, with their parentheses (optional)
	rare bool                     // a field the fast path does not take
}

var genTypes = map[string][]genField{
	"Commitment": append(leaves("id", "reference", "title", "description", "status", "progress", "completionLevel",
		"startDate", "dueDate", "completedAt", "overdue", "version", "createdAt", "updatedAt", "__typename"),
		genField{name: "lead", typ: "Stakeholder"}, genField{name: "pillar", typ: "Pillar"},
		genField{name: "objective", typ: "Objective"}, genField{name: "participants", typ: "Participant"},
		genField{name: "indicators", typ: "Indicator"}, genField{name: "targetCommunities", typ: "Community"},
		genField{name: "progressReports", typ: "ProgressReportConnection", args: (*queryGen).reportArgs},
		genField{name: "latestReport", typ: "ProgressReport"}, genField{name: "parent", typ: "Commitment"},
		genField{name: "children", typ: "CommitmentConnection", args: (*queryGen).reportArgs},
		genField{name: "verification"}, genField{name: "verifiedProgress"}, genField{name: "weight"}, genField{name: "rolledUpProgress"},
		genField{name: "progressSeries", typ: "ProgressPoint", args: (*queryGen).seriesArgs},
		genField{name: "outcomes", typ: "MeetingOutcome"},
		genField{name: "history", typ: "ChangeConnection", args: (*queryGen).reportArgs}),
	"Stakeholder": append(leaves("id", "name", "acronym", "sector", "description", "website", "version", "createdAt", "updatedAt", "__typename"),
		genField{name: "parent", typ: "Stakeholder"}, genField{name: "contacts", typ: "Contact"},
		genField{name: "children", typ: "Stakeholder"},
		genField{name: "commitments", typ: "CommitmentConnection", args: (*queryGen).stakeholderCommitmentsArgs},
		genField{name: "progressSeries", typ: "ProgressPoint", args: (*queryGen).seriesArgs},
		genField{name: "history", typ: "ChangeConnection", rare: true}),
	"Contact": leaves("name", "title", "email", "phone"),
	"Pillar": append(leaves("id", "code", "title", "description", "archived", "version", "__typename"), genField{name: "plan", typ: "StrategicPlan"},
		genField{name: "objectives", typ: "Objective", args: (*queryGen).archivedArgs},
		genField{name: "progressSeries", typ: "ProgressPoint", args: (*queryGen).seriesArgs}),
	"Objective": append(leaves("id", "code", "title", "description", "archived", "version", "__typename"), genField{name: "pillar", typ: "Pillar"},
		genField{name: "commitments", typ: "CommitmentConnection", args: (*queryGen).reportArgs}),
	"StrategicPlan": append(leaves("id", "title", "description", "periodStart", "periodEnd", "archived", "version", "__typename"),
		genField{name: "pillars", typ: "Pillar", args: (*queryGen).archivedArgs},
		genField{name: "history", typ: "ChangeConnection", rare: true}),
	"Participant": append(leaves("role", "__typename"),
		genField{name: "stakeholder", typ: "Stakeholder"}),
	"Indicator": append(leaves("name", "unit", "baseline", "baselineDate", "baselineNote", "target", "latestValue", "additive"),
		genField{name: "periods", typ: "IndicatorPeriod"}),
	"IndicatorPeriod": append(leaves("start", "end", "target", "actual", "note"), genField{name: "breakdown", typ: "Disaggregation"}),
	"PeriodActual":    append(leaves("indicator", "periodStart", "actual", "note"), genField{name: "breakdown", typ: "Disaggregation"}),
	"Disaggregation":  append(leaves("dimension", "value", "actual"), genField{name: "community", typ: "Community"}),
	"CommitmentStats": append(leaves("total", "averageProgress", "verifiedProgress", "overdue", "verified", "__typename"),
		genField{name: "byStatus", typ: "StatusCount"}, genField{name: "bySector", typ: "SectorStats"},
		genField{name: "byPillar", typ: "PillarStats"}, genField{name: "progressSeries", typ: "ProgressPoint", args: (*queryGen).seriesArgs},
		genField{name: "byStakeholder", typ: "StakeholderStatsConnection", args: (*queryGen).byStakeholderArgs}),
	"StatusCount":   leaves("status", "count", "overdue", "verified"),
	"SectorStats":   leaves("sector", "count", "averageProgress", "verifiedProgress", "overdue", "verified"),
	"PillarStats":   append(leaves("count", "averageProgress", "verifiedProgress", "overdue", "verified"), genField{name: "pillar", typ: "Pillar"}),
	"ProgressPoint": leaves("start", "end", "progress", "commitments", "reports"),
	"Community":     leaves("id", "name", "area", "archived", "version"),
	"ProgressReportConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "ProgressReport"}, genField{name: "edges", typ: "ProgressReportEdge"}),
	"ProgressReportEdge": append(leaves("cursor"), genField{name: "node", typ: "ProgressReport"}),
	"ProgressReport": append(leaves("id", "progress", "status", "note", "reportedAt"), genField{name: "reportedBy", typ: "Actor"},
		genField{name: "verification", typ: "Verification"}, genField{name: "periodActuals", typ: "PeriodActual"}),
	"Verification": append(leaves("verdict", "note", "evidence", "verifiedAt"), genField{name: "verifiedBy", typ: "Actor"}),
	"Actor":        append(leaves("name", "role"), genField{name: "stakeholder", typ: "Stakeholder"}),
	"CommitmentConnection": append(leaves("totalCount", "__typename"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "Commitment"}, genField{name: "edges", typ: "CommitmentEdge"}),
	"CommitmentEdge": append(leaves("cursor"), genField{name: "node", typ: "Commitment"}),
	"StakeholderConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "Stakeholder"}, genField{name: "edges", typ: "StakeholderEdge"}),
	"StakeholderEdge": append(leaves("cursor"), genField{name: "node", typ: "Stakeholder"}),
	"PageInfo":        leaves("hasNextPage", "hasPreviousPage", "startCursor", "endCursor"),
	"MeetingOutcome": append(leaves("id", "kind", "summary", "details", "dueDate", "status", "recordedAt", "version", "updatedAt", "__typename"),
		genField{name: "meeting", typ: "Meeting"}, genField{name: "owner", typ: "Stakeholder"}, genField{name: "recordedBy", typ: "Actor"},
		genField{name: "commitments", typ: "Commitment"}, genField{name: "history", typ: "ChangeConnection", rare: true}),
	"MeetingOutcomeConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "MeetingOutcome"}, genField{name: "edges", typ: "MeetingOutcomeEdge"}),
	"MeetingOutcomeEdge": append(leaves("cursor"), genField{name: "node", typ: "MeetingOutcome"}),
	"Meeting": append(leaves("title", "description", "startsAt", "endsAt", "location", "status", "minutes", "private", "version",
		"createdAt", "updatedAt", "id", "__typename"), genField{name: "agenda", typ: "AgendaItem"},
		genField{name: "convener", typ: "Stakeholder"}, genField{name: "participants", typ: "MeetingParticipant"},
		genField{name: "outcomes", typ: "MeetingOutcome"}, genField{name: "history", typ: "ChangeConnection", rare: true}),
	"MeetingParticipant": append(leaves("attendance", "__typename"), genField{name: "stakeholder", typ: "Stakeholder"}),
	"AgendaItem":         leaves("title", "durationMinutes"),
	"MeetingConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "Meeting"}, genField{name: "edges", typ: "MeetingEdge"}),
	"MeetingEdge": append(leaves("cursor"), genField{name: "node", typ: "Meeting"}),
	"ChangeConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "Change"}, genField{name: "edges", typ: "ChangeEdge"}),
	"ChangeEdge": append(leaves("cursor"), genField{name: "node", typ: "Change"}),
	"Change": append(leaves("kind", "at", "version", "__typename"), genField{name: "actor", typ: "Actor"},
		genField{name: "fields", typ: "FieldChange"}),
	"FieldChange": leaves("field", "before", "after"),
	"StakeholderStatsConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "StakeholderStats"}, genField{name: "edges", typ: "StakeholderStatsEdge"}),
	"ServiceConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "Service"}, genField{name: "edges", typ: "ServiceEdge"}),
	"ServiceEdge": append(leaves("cursor"), genField{name: "node", typ: "Service"}),
	"Service": append(leaves("id", "name", "description", "category", "capacity", "languages", "openingHours", "status",
		"acceptingReferrals", "version", "createdAt", "updatedAt", "__typename"),
		genField{name: "provider", typ: "Stakeholder"}, genField{name: "communities", typ: "Community"},
		genField{name: "eligibility", typ: "Eligibility"}, genField{name: "contacts", typ: "Contact"},
		genField{name: "history", typ: "ChangeConnection", rare: true}),
	"Eligibility": leaves("minAge", "maxAge", "description"),
	"ReferralNetworkConnection": append(leaves("totalCount"), genField{name: "pageInfo", typ: "PageInfo"},
		genField{name: "nodes", typ: "ReferralNetwork"}, genField{name: "edges", typ: "ReferralNetworkEdge"}),
	"ReferralNetworkEdge": append(leaves("cursor"), genField{name: "node", typ: "ReferralNetwork"}),
	"ReferralNetwork": append(leaves("id", "name", "version", "createdAt", "updatedAt", "__typename"),
		genField{name: "coordinator", typ: "Stakeholder"}, genField{name: "community", typ: "Community"},
		genField{name: "members", typ: "Stakeholder"}, genField{name: "services", typ: "ServiceConnection", args: (*queryGen).reportArgs}),
	"ReferralStats": append(leaves("exact", "from", "to", "total", "totalSuppressed", "medianDaysToService", "__typename"),
		genField{name: "byStatus", typ: "ReferralStatusCount"}, genField{name: "byCategory", typ: "ReferralCategoryCount"},
		genField{name: "byCommunity", typ: "ReferralCommunityCount"}, genField{name: "byAgeBand", typ: "ReferralAgeBandCount"},
		genField{name: "byMonth", typ: "ReferralMonthCount"}),
	"ReferralStatusCount":    leaves("status", "count", "suppressed"),
	"ReferralCategoryCount":  leaves("category", "count", "suppressed"),
	"ReferralCommunityCount": append(leaves("count", "suppressed"), genField{name: "community", typ: "Community"}),
	"ReferralAgeBandCount":   leaves("ageBand", "count", "suppressed"),
	"ReferralMonthCount":     leaves("month", "count", "suppressed"),
	"StakeholderStatsEdge":   append(leaves("cursor"), genField{name: "node", typ: "StakeholderStats"}),
	"StakeholderStats":       append(leaves("count", "averageProgress", "overdue", "verified"), genField{name: "stakeholder", typ: "Stakeholder"}),
}

// nodes are the types that implement Node.
var genNodes = map[string]bool{"Commitment": true, "Stakeholder": true, "Pillar": true, "Objective": true, "Community": true}

func leaves(names ...string) []genField {
	out := make([]genField, len(names))
	for i, n := range names {
		out[i] = genField{name: n}
	}
	return out
}

// newQueryGen reads the IDs, references and cursors of the demo data.
func newQueryGen(t *testing.T, s *testServer, seed uint64) *queryGen {
	t.Helper()
	g := &queryGen{rng: rand.New(rand.NewPCG(seed, 13))}
	var out struct {
		Commitments struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID, Reference string }
			}
		}
		Stakeholders   struct{ Nodes []struct{ ID string } }
		StrategicPlans []struct {
			Pillars []struct {
				ID         string
				Objectives []struct{ ID string }
			}
		}
		Communities      []struct{ ID string }
		Meetings         struct{ Nodes []struct{ ID string } }
		ReferralNetworks struct{ Nodes []struct{ ID string } }
	}
	s.query(`{ commitments(first: 100) { edges { cursor node { id reference } } }
		stakeholders(first: 100) { nodes { id } }
		strategicPlans { pillars { id objectives { id } } }
		communities { id }
		meetings(first: 50) { nodes { id } }
		referralNetworks(first: 50) { nodes { id } } }`, nil, &out)
	for _, e := range out.Commitments.Edges {
		g.data.commitments = append(g.data.commitments, e.Node.ID)
		g.data.references = append(g.data.references, e.Node.Reference)
		g.data.cursors = append(g.data.cursors, e.Cursor)
	}
	for _, n := range out.Stakeholders.Nodes {
		g.data.stakeholders = append(g.data.stakeholders, n.ID)
	}
	for _, p := range out.StrategicPlans {
		for _, pl := range p.Pillars {
			g.data.pillars = append(g.data.pillars, pl.ID)
			for _, o := range pl.Objectives {
				g.data.objectives = append(g.data.objectives, o.ID)
			}
		}
	}
	for _, c := range out.Communities {
		g.data.communities = append(g.data.communities, c.ID)
	}
	for _, m := range out.Meetings.Nodes {
		g.data.meetings = append(g.data.meetings, m.ID)
	}
	for _, n := range out.ReferralNetworks.Nodes {
		g.data.networks = append(g.data.networks, n.ID)
	}
	if len(g.data.commitments) == 0 || len(g.data.stakeholders) == 0 || len(g.data.pillars) == 0 {
		t.Fatalf("no demo data to generate queries from: %+v", out)
	}
	return g
}

func (g *queryGen) chance(p float64) bool { return g.rng.Float64() < p }

func (g *queryGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *queryGen) name(prefix string) string {
	g.n++
	return fmt.Sprintf("%s%d", prefix, g.n)
}

// query returns a new query and its variables.
func (g *queryGen) query() (string, map[string]any) {
	g.vars, g.decls, g.fragments, g.n = map[string]any{}, nil, nil, 0
	var roots []string
	for range 1 + g.rng.IntN(3) {
		alias := ""
		if len(roots) > 0 || g.chance(0.2) {
			alias = g.name("r") + ": "
		}
		switch r := g.rng.IntN(20); {
		case g.chance(0.08):
			roots = append(roots, alias+"node(id: "+g.value("ID!", g.nodeID())+") "+g.nodeSelection())
		case g.chance(0.06):
			roots = append(roots, alias+"meetings"+g.meetingsArgs()+" "+g.selection("MeetingConnection", 0))
		case g.chance(0.06):
			roots = append(roots, alias+"outcomes"+g.outcomesArgs()+" "+g.selection("MeetingOutcomeConnection", 0))
		case g.chance(0.04):
			roots = append(roots, alias+"meeting(id: "+g.value("ID!", g.meetingID())+") "+g.selection("Meeting", 0))
		case g.chance(0.03):
			roots = append(roots, alias+"strategicPlans"+g.archivedArgs()+" "+g.selection("StrategicPlan", 0))
		case g.chance(0.03):
			roots = append(roots, alias+"services"+g.servicesArgs()+" "+g.selection("ServiceConnection", 0))
		case g.chance(0.03):
			roots = append(roots, alias+"referralNetworks"+g.networksArgs()+" "+g.selection("ReferralNetworkConnection", 0))
		case g.chance(0.03):
			roots = append(roots, alias+"referralStats"+g.referralStatsArgs()+" "+g.selection("ReferralStats", 0))
		case g.chance(0.03):
			roots = append(roots, alias+"communities"+g.archivedArgs()+" "+g.selection("Community", 0))
		case g.chance(0.04):
			ids := []any{g.nodeID(), g.nodeID()}[:1+g.rng.IntN(2)]
			roots = append(roots, alias+"nodes(ids: "+g.value("[ID!]!", ids)+") "+g.nodeSelection())
		case r < 7:
			roots = append(roots, alias+"commitment(id: "+g.value("ID!", g.commitmentID())+g.asOf()+") "+g.selection("Commitment", 0))
		case r < 14:
			roots = append(roots, alias+"commitments"+g.commitmentsArgs()+" "+g.selection("CommitmentConnection", 0))
		case r < 16:
			roots = append(roots, alias+"commitmentByReference(reference: "+g.value("String!", g.reference())+") "+g.selection("Commitment", 0))
		case r < 17:
			roots = append(roots, alias+"stakeholder(id: "+g.value("ID!", g.stakeholderID())+g.asOf()+") "+g.selection("Stakeholder", 0))
		case r < 18:
			roots = append(roots, alias+"stakeholders"+g.stakeholdersArgs()+" "+g.selection("StakeholderConnection", 0))
		case r < 20 && g.chance(0.6):
			roots = append(roots, alias+"commitmentStats"+g.statsArgs()+" "+g.selection("CommitmentStats", 0))
		case r < 19:
			roots = append(roots, alias+"__typename")
		default:
			roots = append(roots, alias+g.pick([]string{"viewer { role }", "communities { id name }", "commitmentStats { total }", "meetings { nodes { history { totalCount } } }", "node(id: \"x\") { id }"}))
		}
	}
	var b strings.Builder
	b.WriteString("query Generated")
	if len(g.decls) > 0 {
		b.WriteString("(" + strings.Join(g.decls, ", ") + ")")
	}
	b.WriteString(" { " + strings.Join(roots, " ") + " }")
	for _, f := range g.fragments {
		b.WriteString("\n" + f)
	}
	if len(g.vars) == 0 {
		return b.String(), nil
	}
	return b.String(), g.vars
}

// selection returns a selection set on typ.
func (g *queryGen) selection(typ string, depth int) string {
	fields := genTypes[typ]
	var parts []string
	for range 1 + g.rng.IntN(min(len(fields), 6)) {
		f := fields[g.rng.IntN(len(fields))]
		if f.rare && !g.chance(0.05) || f.typ != "" && depth >= 4 {
			f = genField{name: "__typename"}
		}
		s := f.name
		if g.chance(0.2) {
			s = g.name("a") + ": " + s
		}
		if f.args != nil {
			s += f.args(g)
		}
		s += g.directive()
		if f.typ != "" {
			s += " " + g.selection(f.typ, depth+1)
		}
		parts = append(parts, s)
		if g.chance(0.1) {
			parts = append(parts, s) // the same field again: merged
		}
	}
	if g.chance(0.1) && genNodes[typ] {
		parts = append(parts, "... on Node { id }")
	}
	switch r := g.rng.IntN(10); {
	case r == 0 && len(parts) > 1:
		k := 1 + g.rng.IntN(len(parts)-1)
		parts = append(parts[:k:k], "... on "+typ+g.directive()+" { "+strings.Join(parts[k:], " ")+" }")
	case r == 1 && len(parts) > 1:
		k := g.rng.IntN(len(parts))
		parts = append(parts[:k:k], "..."+g.directive()+" { "+strings.Join(parts[k:], " ")+" }")
	case r == 2:
		name := g.name("F")
		g.fragments = append(g.fragments, "fragment "+name+" on "+typ+" { "+strings.Join(parts, " ")+" }")
		parts = []string{"..." + name + g.directive()}
		if g.chance(0.3) {
			parts = append(parts, genTypes[typ][0].name)
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// nodeID returns the global ID of a node of one of genNodes' types, or
// one that names nothing.
func (g *queryGen) nodeID() string {
	switch g.rng.IntN(6) {
	case 0:
		return g.commitmentID()
	case 1:
		return g.stakeholderID()
	case 2:
		return g.pick(g.data.pillars)
	case 3:
		return g.pick(g.data.objectives)
	case 4:
		if len(g.data.communities) > 0 {
			return g.pick(g.data.communities)
		}
	}
	return "not-an-id"
}

// nodeSelection returns a selection on Node: its id, its __typename and
// fragments on some of the Node types, now and then one on a type the
// fast path does not write.
func (g *queryGen) nodeSelection() string {
	var parts []string
	if g.chance(0.5) {
		parts = append(parts, "id")
	}
	if g.chance(0.3) {
		parts = append(parts, "__typename")
	}
	for _, typ := range slices.Sorted(maps.Keys(genNodes)) {
		if g.chance(0.4) {
			parts = append(parts, "... on "+typ+g.directive()+" "+g.selection(typ, 1))
		}
	}
	if g.chance(0.1) {
		parts = append(parts, "... on Meeting { title }")
	}
	if len(parts) == 0 {
		parts = append(parts, "id")
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// directive returns nothing, or an @include or @skip.
func (g *queryGen) directive() string {
	if !g.chance(0.15) {
		return ""
	}
	d := g.pick([]string{"include", "skip"})
	if g.chance(0.5) {
		return fmt.Sprintf(" @%s(if: %v)", d, g.chance(0.5))
	}
	v := g.name("b")
	g.decls = append(g.decls, "$"+v+": Boolean!")
	g.vars[v] = g.chance(0.5)
	return fmt.Sprintf(" @%s(if: $%s)", d, v)
}

// value returns v as an argument: a literal, or a variable of type typ.
func (g *queryGen) value(typ string, v any) string {
	if g.chance(0.5) {
		return gqlLiteral(v)
	}
	name := g.name("v")
	g.decls = append(g.decls, "$"+name+": "+typ)
	g.vars[name] = g.loose(plain(v))
	return "$" + name
}

// enum marks a string as an enum value (a bare name in a literal).
type enum string

func gqlLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case enum:
		return string(x)
	case []any:
		items := make([]string, len(x))
		for i, it := range x {
			items[i] = gqlLiteral(it)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		var fields []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			fields = append(fields, k+": "+gqlLiteral(x[k]))
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// plain is v as a variable's JSON value (enums are strings there).
func plain(v any) any {
	switch x := v.(type) {
	case enum:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = plain(it)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, v := range x {
			out[k] = plain(v)
		}
		return out
	}
	return v
}

func (g *queryGen) commitmentID() string {
	switch r := g.rng.IntN(10); {
	case r == 0:
		return g.pick(g.data.stakeholders) // another kind's ID
	case r == 1:
		return g.pick([]string{"garbage!", "", "Q29tbWl0bWVudDpub3Bl"})
	}
	return g.pick(g.data.commitments)
}

func (g *queryGen) stakeholderID() string {
	if g.chance(0.1) {
		return g.pick(g.data.commitments)
	}
	return g.pick(g.data.stakeholders)
}

func (g *queryGen) reference() string {
	ref := g.pick(g.data.references)
	switch g.rng.IntN(6) {
	case 0:
		return strings.ToLower(ref)
	case 1:
		return " " + ref + " "
	case 2:
		return "C-9.9-999"
	}
	return ref
}

// arg renders one argument: a literal, or a variable of type typ.
func (g *queryGen) arg(name, typ string, v any) string {
	if g.chance(0.5) {
		return name + ": " + gqlLiteral(v)
	}
	vn := g.name("v")
	g.decls = append(g.decls, "$"+vn+": "+typ)
	g.vars[vn] = g.loose(plain(v))
	return name + ": $" + vn
}

// loose varies a variable's value as input coercion allows: a list of
// one as its one item, an enum value in lower case.
func (g *queryGen) loose(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 1 && g.chance(0.2) {
			return g.loose(x[0])
		}
		for i := range x {
			x[i] = g.loose(x[i])
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			x[k] = g.loose(x[k])
		}
	case string:
		if x == strings.ToUpper(x) && strings.Trim(x, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == "" && g.chance(0.2) {
			return strings.ToLower(x)
		}
	}
	return v
}

func args(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return "(" + strings.Join(list, ", ") + ")"
}

func (g *queryGen) pageSize() any {
	sizes := []any{0, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 50, 75, 100, 101, -1}
	return sizes[g.rng.IntN(len(sizes))]
}

func (g *queryGen) cursor() any {
	if g.chance(0.15) {
		return g.pick([]string{"bm90LWEtY3Vyc29y", "%%%", ""})
	}
	return g.pick(g.data.cursors)
}

func (g *queryGen) reportArgs() string {
	var list []string
	if g.chance(0.8) {
		list = append(list, g.arg("first", "Int", []any{0, 1, 2, 3, 10}[g.rng.IntN(5)]))
	} else if g.chance(0.5) {
		list = append(list, g.arg("last", "Int", 2))
	}
	if g.chance(0.05) {
		list = append(list, g.arg("after", "String", g.pick([]string{"MDAwMDAx", "bad"})))
	}
	return args(list)
}

// seriesArgs are a progress series' interval and dates: now and then a
// range the resolver refuses (backwards, or too many periods).
func (g *queryGen) seriesArgs() string {
	interval := enum(g.pick([]string{"YEAR", "QUARTER", "MONTH"}))
	from, to := g.pick([]string{"2011-01-01", "2012-07-15", "2013-01-01"}), g.pick([]string{"2013-12-31", "2015-12-31", "2014-06-30"})
	if g.chance(0.05) {
		from, to = "2015-12-31", "2011-01-01"
	} else if g.chance(0.03) {
		interval, from = "MONTH", "1900-01-01"
	}
	return args([]string{g.arg("interval", "SeriesInterval!", interval), g.arg("from", "Date!", from), g.arg("to", "Date!", to)})
}

// statsArgs are commitmentStats' filter and asOf.
func (g *queryGen) statsArgs() string {
	var list []string
	if g.chance(0.6) {
		list = append(list, g.arg("filter", "CommitmentFilter", g.filter()))
	}
	if a := g.asOf(); a != "" {
		list = append(list, strings.TrimPrefix(a, ", "))
	}
	return args(list)
}

func (g *queryGen) stakeholderCommitmentsArgs() string {
	var list []string
	if g.chance(0.8) {
		list = append(list, g.arg("first", "Int", []any{0, 1, 2, 3}[g.rng.IntN(4)]))
	}
	if g.chance(0.4) {
		list = append(list, g.arg("roles", "[ParticipantRole!]", enums(g, []hub.ParticipantRole{hub.RoleLead, hub.RoleImplementing, hub.RoleFunding, hub.RoleSupporting})))
	}
	if g.chance(0.1) {
		list = append(list, g.arg("after", "String", g.cursor()))
	}
	return args(list)
}

func (g *queryGen) stakeholdersArgs() string {
	var list []string
	if g.chance(0.7) {
		list = append(list, g.arg("first", "Int", []any{0, 1, 2, 5, 10, 20, 101}[g.rng.IntN(7)]))
	}
	if g.chance(0.1) {
		list = append(list, g.arg("after", "String", g.pick([]string{"bm90LWEtY3Vyc29y", "djE6eA"})))
	}
	if g.chance(0.6) {
		f := map[string]any{}
		if g.chance(0.7) {
			f["sectors"] = enums(g, hub.AllSectors)
		}
		if g.chance(0.4) {
			f["search"] = g.pick([]string{"police", "belize", "", "ministry"})
		}
		list = append(list, g.arg("filter", "StakeholderFilter", f))
	}
	if g.chance(0.3) {
		o := map[string]any{"field": enum(g.pick([]string{"NAME", "SECTOR", "CREATED_AT", "UPDATED_AT"}))}
		if g.chance(0.7) {
			o["direction"] = enum(g.pick([]string{"ASC", "DESC"}))
		}
		list = append(list, g.arg("orderBy", "StakeholderOrder", o))
	}
	return args(list)
}

// pageArgs are first or last, and now and then a cursor.
func (g *queryGen) pageArgs() []string {
	var list []string
	if g.chance(0.7) {
		list = append(list, g.arg("first", "Int", g.pageSize()))
	} else if g.chance(0.3) {
		list = append(list, g.arg("last", "Int", g.pageSize()))
	}
	if g.chance(0.1) {
		list = append(list, g.arg("after", "String", g.cursor()))
	}
	return list
}

// meetingID is a meeting's ID, now and then another kind's or none.
func (g *queryGen) meetingID() string {
	if len(g.data.meetings) == 0 || g.chance(0.1) {
		return g.pick([]string{g.commitmentID(), "TWVldGluZzpuby1zdWNo"})
	}
	return g.pick(g.data.meetings)
}

// servicesArgs are a page of services and a filter: now and then an age
// or an ID the resolver refuses.
func (g *queryGen) servicesArgs() string {
	list := g.pageArgs()
	if g.chance(0.7) {
		f := map[string]any{}
		if g.chance(0.5) {
			f["communityIds"] = g.ids(g.data.communities)
		}
		if g.chance(0.4) {
			f["age"] = []any{10, 16, 22, 40, -1, 121}[g.rng.IntN(6)]
		}
		if g.chance(0.4) {
			f["categories"] = enums(g, hub.AllServiceCategories)
		}
		if g.chance(0.2) {
			f["providerIds"] = g.ids(g.data.stakeholders)
		}
		if g.chance(0.2) {
			f["statuses"] = enums(g, hub.AllServiceStatuses)
		}
		if g.chance(0.3) {
			f["acceptingReferrals"] = g.chance(0.5)
		}
		if g.chance(0.2) {
			f["search"] = g.pick([]string{"skills", "youth", "", "zzz"})
		}
		list = append(list, g.arg("filter", "ServiceFilter", f))
	}
	return args(list)
}

func (g *queryGen) networksArgs() string {
	list := g.pageArgs()
	if g.chance(0.6) {
		f := map[string]any{}
		if g.chance(0.6) {
			f["communityIds"] = g.ids(g.data.communities)
		}
		if g.chance(0.4) {
			f["memberIds"] = g.ids(g.data.stakeholders)
		}
		list = append(list, g.arg("filter", "ReferralNetworkFilter", f))
	}
	return args(list)
}

// referralStatsArgs are a filter of the referral figures: exact for the
// admin, under disclosure control for the others.
func (g *queryGen) referralStatsArgs() string {
	if !g.chance(0.8) {
		return ""
	}
	f := map[string]any{}
	if g.chance(0.5) && len(g.data.networks) > 0 {
		f["networkIds"] = g.ids(g.data.networks)
	}
	if g.chance(0.3) {
		f["communityIds"] = g.ids(g.data.communities)
	}
	if g.chance(0.3) {
		f["categories"] = enums(g, hub.AllServiceCategories)
	}
	if g.chance(0.2) {
		f["providerIds"] = g.ids(g.data.stakeholders)
	}
	if g.chance(0.4) {
		f["from"] = g.pick([]string{"2015-01-10", "2014-01-01", "2016-02-30"})
	}
	if g.chance(0.4) {
		f["to"] = g.pick([]string{"2015-09-20", "2016-12-31", "2013-01-01"})
	}
	return args([]string{g.arg("filter", "ReferralStatsFilter", f)})
}

// archivedArgs is an includeArchived, now and then.
func (g *queryGen) archivedArgs() string {
	switch r := g.rng.IntN(5); {
	case r == 0:
		return args([]string{g.arg("includeArchived", "Boolean", true)})
	case r == 1:
		return args([]string{g.arg("includeArchived", "Boolean", false)})
	case r == 2 && g.chance(0.3):
		return "(includeArchived: null)"
	}
	return ""
}

// byStakeholderArgs are a breakdown by stakeholder's role, order and page:
// now and then a page size the resolver refuses.
func (g *queryGen) byStakeholderArgs() string {
	var list []string
	if g.chance(0.7) {
		list = append(list, g.arg("first", "Int", g.pageSize()))
	}
	if g.chance(0.5) {
		list = append(list, g.arg("role", "ParticipantRole", enum(g.pick([]string{"LEAD", "IMPLEMENTING", "FUNDING", "SUPPORTING"}))))
	}
	if g.chance(0.4) {
		o := map[string]any{"field": enum(g.pick([]string{"COUNT", "OVERDUE", "VERIFIED", "AVERAGE_PROGRESS", "NAME"}))}
		if g.chance(0.7) {
			o["direction"] = enum(g.pick([]string{"ASC", "DESC"}))
		}
		list = append(list, g.arg("orderBy", "StakeholderStatsOrder", o))
	}
	if g.chance(0.05) {
		list = append(list, g.arg("after", "String", g.cursor()))
	}
	return args(list)
}

// meetingIDs are IDs of meetings, now and then another kind's.
func (g *queryGen) meetingIDs() []any {
	if len(g.data.meetings) == 0 || g.chance(0.1) {
		return []any{g.pick(g.data.commitments)}
	}
	return g.ids(g.data.meetings)
}

func (g *queryGen) meetingsArgs() string {
	list := g.pageArgs()
	if g.chance(0.6) {
		f := map[string]any{}
		if g.chance(0.4) {
			f["from"] = g.pick([]string{"2013-01-01", "2015-01-01T00:00:00Z", "2014-06-30T12:00:00+02:00", "2030-01-01", "not-a-date"})
		}
		if g.chance(0.3) {
			f["to"] = g.pick([]string{"2014-01-01", "2016-01-01T00:00:00Z", "2010-01-01"})
		}
		if g.chance(0.3) {
			f["statuses"] = enums(g, []string{"SCHEDULED", "HELD", "CANCELLED"})
		}
		if g.chance(0.3) {
			f["stakeholderIds"] = g.ids(g.data.stakeholders)
		}
		list = append(list, g.arg("filter", "MeetingFilter", f))
	}
	if g.chance(0.3) {
		o := map[string]any{"field": enum(g.pick([]string{"STARTS_AT", "TITLE", "UPDATED_AT"}))}
		if g.chance(0.7) {
			o["direction"] = enum(g.pick([]string{"ASC", "DESC"}))
		}
		list = append(list, g.arg("orderBy", "MeetingOrder", o))
	}
	return args(list)
}

func (g *queryGen) outcomesArgs() string {
	list := g.pageArgs()
	if g.chance(0.7) {
		f := map[string]any{}
		if g.chance(0.4) {
			f["kinds"] = enums(g, []string{"DECISION", "ACTION_ITEM", "AGREEMENT", "RECOMMENDATION"})
		}
		if g.chance(0.4) {
			f["statuses"] = enums(g, []string{"OPEN", "IN_PROGRESS", "DONE", "DROPPED"})
		}
		if g.chance(0.2) {
			f["meetingIds"] = g.meetingIDs()
		}
		if g.chance(0.2) {
			f["ownerIds"] = g.ids(g.data.stakeholders)
		}
		if g.chance(0.2) {
			f["dueAfter"] = g.pick([]string{"2013-01-01", "2015-06-30", "bad"})
		}
		if g.chance(0.2) {
			f["dueBefore"] = g.pick([]string{"2014-12-31", "2016-01-01"})
		}
		if g.chance(0.15) {
			f["overdue"] = g.chance(0.5)
		}
		if g.chance(0.15) {
			f["search"] = g.pick([]string{"report", "police", "", "budget"})
		}
		if g.chance(0.15) {
			f["pillarIds"] = g.ids(g.data.pillars)
		}
		list = append(list, g.arg("filter", "OutcomeFilter", f))
	}
	if g.chance(0.3) {
		o := map[string]any{"field": enum(g.pick([]string{"RECORDED_AT", "DUE_DATE", "UPDATED_AT"}))}
		if g.chance(0.7) {
			o["direction"] = enum(g.pick([]string{"ASC", "DESC"}))
		}
		list = append(list, g.arg("orderBy", "OutcomeOrder", o))
	}
	return args(list)
}

func (g *queryGen) commitmentsArgs() string {
	var list []string
	if g.chance(0.7) {
		list = append(list, g.arg("first", "Int", g.pageSize()))
	} else if g.chance(0.3) {
		list = append(list, g.arg("last", "Int", g.pageSize()))
	}
	if g.chance(0.2) {
		list = append(list, g.arg("after", "String", g.cursor()))
	}
	if g.chance(0.1) {
		list = append(list, g.arg("before", "String", g.cursor()))
	}
	if g.chance(0.7) {
		f := g.filter()
		if g.chance(0.4) {
			list = append(list, g.arg("filter", "CommitmentFilter", f))
		} else {
			var parts []string
			for _, k := range slices.Sorted(maps.Keys(f)) {
				parts = append(parts, g.arg(k, filterTypes[k], f[k]))
			}
			list = append(list, "filter: {"+strings.Join(parts, ", ")+"}")
		}
	}
	if g.chance(0.4) {
		list = append(list, g.arg("orderBy", "CommitmentOrder", g.order()))
	}
	if a := g.asOf(); a != "" {
		list = append(list, strings.TrimPrefix(a, ", "))
	}
	return args(list)
}

// asOf returns nothing, or an asOf argument after a comma: instants of
// the demo's past (a date, times in several offsets), and now and then
// one after now (refused by the resolver) or one that is no time at all.
func (g *queryGen) asOf() string {
	if !g.chance(0.2) {
		return ""
	}
	t := g.pick([]string{"2013-12-31T23:59:59-06:00", "2013-03-01", "2014-06-30T12:00:00Z", "2012-01-01T00:00:00Z", "2015-12-31"})
	if g.chance(0.08) {
		t = g.pick([]string{"2999-01-01T00:00:00Z", "yesterday"})
	}
	return ", " + g.arg("asOf", "DateTime", t)
}

var filterTypes = map[string]string{
	"planIds": "[ID!]", "sectors": "[Sector!]", "stakeholderIds": "[ID!]", "pillarIds": "[ID!]", "objectiveIds": "[ID!]",
	"statuses": "[CommitmentStatus!]", "communityIds": "[ID!]", "overdue": "Boolean", "dueBefore": "Date", "dueAfter": "Date", "search": "String",
}

func (g *queryGen) filter() map[string]any {
	f := map[string]any{}
	for range 1 + g.rng.IntN(3) {
		switch g.rng.IntN(11) {
		case 0:
			f["sectors"] = enums(g, hub.AllSectors)
		case 1:
			f["statuses"] = enums(g, hub.AllCommitmentStatuses)
		case 2:
			f["pillarIds"] = g.ids(g.data.pillars)
		case 3:
			f["objectiveIds"] = g.ids(g.data.objectives)
		case 4:
			f["stakeholderIds"] = g.ids(g.data.stakeholders)
		case 5:
			f["communityIds"] = g.ids(g.data.communities)
		case 6:
			f["overdue"] = []any{true, false, nil}[g.rng.IntN(3)]
		case 7:
			f["dueBefore"] = g.pick([]string{"2013-01-01", "2014-06-30", "2016-01-01", "2015-03-31", "2012-12-31", "2013-02-30"})
		case 8:
			f["dueAfter"] = g.pick([]string{"2012-01-01", "2014-01-01", "2015-12-31"})
		case 9:
			f["search"] = g.pick([]string{"youth", "police", "data", "", "É", "zzz"})
		case 10:
			if g.chance(0.3) {
				f["pillarIds"] = []any{g.pick([]string{"2", g.pick(g.data.objectives)})} // not a pillar's ID
			}
		}
	}
	return f
}

// enums picks one or two values of an enum.
func enums[E ~string](g *queryGen, all []E) []any {
	var out []any
	for range 1 + g.rng.IntN(2) {
		out = append(out, enum(all[g.rng.IntN(len(all))]))
	}
	return out
}

func (g *queryGen) ids(from []string) []any {
	var out []any
	for range 1 + g.rng.IntN(2) {
		out = append(out, g.pick(from))
	}
	return out
}

func (g *queryGen) order() map[string]any {
	o := map[string]any{"field": enum(g.pick([]string{"REFERENCE", "TITLE", "DUE_DATE", "PROGRESS", "UPDATED_AT"}))}
	if g.chance(0.7) {
		o["direction"] = enum(g.pick([]string{"ASC", "DESC"}))
	}
	return o
}

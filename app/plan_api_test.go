package app

import (
	"strings"
	"testing"

	"convene/hub"
)

// planOp runs an operation as the admin and returns its data as generic JSON.
func planOp(s *testServer, query string, vars map[string]any) map[string]any {
	s.t.Helper()
	var out map[string]any
	s.mutate(query, vars, &out)
	return out
}

// dig walks a path of keys (and list indexes as ints) through generic JSON.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// errorCodes lists a payload's userErrors as "field.path:CODE".
func errorCodes(payload any) []string {
	var out []string
	list, _ := dig(payload, "userErrors").([]any)
	for _, e := range list {
		var field []string
		for _, f := range dig(e, "field").([]any) {
			field = append(field, f.(string))
		}
		out = append(out, strings.Join(field, ".")+":"+dig(e, "code").(string))
	}
	return out
}

const (
	createPlanM      = `mutation($in: CreateStrategicPlanInput!) { createStrategicPlan(input: $in) { strategicPlan { id title version archived } userErrors { field message code } } }`
	updatePlanM      = `mutation($in: UpdateStrategicPlanInput!) { updateStrategicPlan(input: $in) { strategicPlan { id title version archived } userErrors { field message code } } }`
	createPillarM    = `mutation($in: CreatePillarInput!) { createPillar(input: $in) { pillar { id code title version plan { id } } userErrors { field message code } } }`
	updatePillarM    = `mutation($in: UpdatePillarInput!) { updatePillar(input: $in) { pillar { id code title version archived } userErrors { field message code } } }`
	createObjectiveM = `mutation($in: CreateObjectiveInput!) { createObjective(input: $in) { objective { id code version pillar { id } } userErrors { field message code } } }`
	updateObjectiveM = `mutation($in: UpdateObjectiveInput!) { updateObjective(input: $in) { objective { id code version archived pillar { id } } userErrors { field message code } } }`
	createCommunityM = `mutation($in: CreateCommunityInput!) { createCommunity(input: $in) { community { id name area version } userErrors { field message code } } }`
	updateCommunityM = `mutation($in: UpdateCommunityInput!) { updateCommunity(input: $in) { community { id name archived version } userErrors { field message code } } }`
	createCommitM    = `mutation($in: CreateCommitmentInput!) { createCommitment(input: $in) { commitment { id reference pillar { id } } userErrors { field message code } } }`
)

// TestPlanMutations: a second plan beside the demo's, built, corrected,
// rearranged and archived through the API, with every refusal a userError.
func TestPlanMutations(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	in := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"in": m}
	}

	// A new plan period alongside the old one.
	plan := dig(planOp(s, createPlanM, in("title", "RESTORE Belize 2016-2020", "periodStart", "2016-01-01", "periodEnd", "2020-12-31")), "createStrategicPlan")
	if errs := errorCodes(plan); len(errs) > 0 {
		t.Fatal(errs)
	}
	planID := dig(plan, "strategicPlan", "id").(string)
	for _, c := range []struct {
		vars map[string]any
		want string
	}{
		{in("title", "restore belize 2016-2020", "periodStart", "2016-01-01", "periodEnd", "2020-12-31"), "input.title:TAKEN"},
		{in("title", "Backwards", "periodStart", "2016-01-01", "periodEnd", "2015-12-31"), "input.periodEnd:INVALID"},
		{in("title", " ", "periodStart", "2016-01-01", "periodEnd", "2016-12-31"), "input.title:REQUIRED"},
	} {
		got := dig(planOp(s, createPlanM, c.vars), "createStrategicPlan")
		if errs := errorCodes(got); len(errs) != 1 || errs[0] != c.want || dig(got, "strategicPlan") != nil {
			t.Errorf("createStrategicPlan %v: %v, want %s", c.vars, errs, c.want)
		}
	}

	// Pillars and objectives; codes are unique within a plan, not across plans.
	pillar := func(code string) string {
		p := dig(planOp(s, createPillarM, in("planId", planID, "code", code, "title", "Pillar "+code)), "createPillar")
		if errs := errorCodes(p); len(errs) > 0 {
			t.Fatalf("createPillar %s: %v", code, errs)
		}
		return dig(p, "pillar", "id").(string)
	}
	p1, p2 := pillar("1"), pillar("2") // the demo's plan has pillars 1 and 2 too
	if errs := errorCodes(dig(planOp(s, createPillarM, in("planId", planID, "code", "1", "title", "Again")), "createPillar")); len(errs) != 1 || errs[0] != "input.code:TAKEN" {
		t.Errorf("a second pillar 1: %v", errs)
	}
	if errs := errorCodes(dig(planOp(s, createPillarM, in("planId", gid(hub.TypePlan, "nope"), "code", "7", "title", "x")), "createPillar")); len(errs) != 1 || errs[0] != "input.planId:NOT_FOUND" {
		t.Errorf("a pillar of no plan: %v", errs)
	}
	o := dig(planOp(s, createObjectiveM, in("pillarId", p1, "code", "1.1", "title", "Objective 1.1")), "createObjective")
	if errs := errorCodes(o); len(errs) > 0 {
		t.Fatal(errs)
	}
	objID := dig(o, "objective", "id").(string)
	if errs := errorCodes(dig(planOp(s, createObjectiveM, in("pillarId", p2, "code", "1.1", "title", "Same code, other pillar")), "createObjective")); len(errs) != 1 || errs[0] != "input.code:TAKEN" {
		t.Errorf("objective code reused within the plan: %v", errs)
	}
	comm := dig(planOp(s, createCommunityM, in("name", "Port Loyola North", "area", "Southside Belize City")), "createCommunity")
	commID := dig(comm, "community", "id").(string)
	if errs := errorCodes(dig(planOp(s, createCommunityM, in("name", "port loyola north")), "createCommunity")); len(errs) != 1 || errs[0] != "input.name:TAKEN" {
		t.Errorf("community name reused: %v", errs)
	}

	// A commitment under the new objective, then the objective moves pillar: the commitment follows.
	cm := dig(planOp(s, createCommitM, in("objectiveId", objID, "leadId", gid(hub.TypeStakeholder, "pfd"), "title", "Youth mentoring 2016",
		"startDate", "2016-02-01", "dueDate", "2016-12-31", "communityIds", []string{commID})), "createCommitment")
	if errs := errorCodes(cm); len(errs) > 0 {
		t.Fatal(errs)
	}
	ref := dig(cm, "commitment", "reference").(string)
	moved := dig(planOp(s, updateObjectiveM, in("id", objID, "pillarId", p2, "code", "2.1", "expectedVersion", 1)), "updateObjective")
	if errs := errorCodes(moved); len(errs) > 0 || dig(moved, "objective", "pillar", "id") != p2 || dig(moved, "objective", "version") != 2.0 {
		t.Fatalf("moving the objective: %v", moved)
	}
	after := planOp(s, `query($ref: String!, $plan: ID!) {
		commitmentByReference(reference: $ref) { pillar { id } }
		commitmentStats(filter: {planIds: [$plan]}) { total byPillar { pillar { code } count } }
		all: commitmentStats { total }
	}`, map[string]any{"ref": ref, "plan": planID})
	if dig(after, "commitmentByReference", "pillar", "id") != p2 {
		t.Errorf("the commitment stayed under the old pillar: %v", after)
	}
	if got := compact(t, mustJSON(t, dig(after, "commitmentStats"))); got != `{"byPillar":[{"count":0,"pillar":{"code":"1"}},{"count":1,"pillar":{"code":"2"}}],"total":1}` {
		t.Errorf("stats of the new plan: %s", got)
	}
	if dig(after, "all", "total").(float64) <= 1 {
		t.Errorf("stats over every plan: %v", after)
	}
	// A stale version is a conflict; a move to another plan's pillar is refused.
	if r := s.do(true, updateObjectiveM, in("id", objID, "title", "Stale", "expectedVersion", 1)); r.code() != "CONFLICT" {
		t.Errorf("stale expectedVersion: %s", r.body)
	}
	if errs := errorCodes(dig(planOp(s, updateObjectiveM, in("id", objID, "pillarId", gid(hub.TypePillar, "p1"))), "updateObjective")); len(errs) == 0 || errs[0] != "input.pillarId:NOT_ALLOWED" {
		t.Errorf("moving to another plan: %v", errs)
	}

	// Archiving: hidden from lists and from new commitments, still readable.
	for _, c := range []struct{ m, name, id string }{{updateObjectiveM, "updateObjective", objID}, {updateCommunityM, "updateCommunity", commID}} {
		if errs := errorCodes(dig(planOp(s, c.m, in("id", c.id, "archived", true)), c.name)); len(errs) > 0 {
			t.Fatal(c.name, errs)
		}
	}
	refused := dig(planOp(s, createCommitM, in("objectiveId", objID, "leadId", gid(hub.TypeStakeholder, "pfd"), "title", "Too late",
		"startDate", "2016-02-01", "dueDate", "2016-12-31", "communityIds", []string{commID})), "createCommitment")
	if errs := errorCodes(refused); strings.Join(errs, " ") != "input.objectiveId:NOT_ALLOWED input.communityIds.0:NOT_ALLOWED" {
		t.Errorf("a commitment towards an archived objective: %v", errs)
	}
	lists := planOp(s, `query($p: ID!, $o: ID!, $ref: String!) {
		shown: node(id: $p) { ... on Pillar { objectives { id } } }
		all: node(id: $p) { ... on Pillar { objectives(includeArchived: true) { id archived } } }
		archived: node(id: $o) { ... on Objective { code archived commitments { totalCount } } }
		communities { name }
		commitmentByReference(reference: $ref) { title targetCommunities { name archived } }
	}`, map[string]any{"p": p2, "o": objID, "ref": ref})
	if n := len(dig(lists, "shown", "objectives").([]any)); n != 0 {
		t.Errorf("an archived objective is listed: %v", lists)
	}
	if dig(lists, "all", "objectives", 0, "archived") != true || dig(lists, "archived", "commitments", "totalCount") != 1.0 {
		t.Errorf("the archived objective is not readable: %v", lists)
	}
	for _, c := range dig(lists, "communities").([]any) {
		if dig(c, "name") == "Port Loyola North" {
			t.Errorf("an archived community is listed")
		}
	}
	if dig(lists, "commitmentByReference", "targetCommunities", 0, "archived") != true {
		t.Errorf("the commitment lost its archived community: %v", lists)
	}
	// The commitment under the archived objective can still be edited.
	upd := planOp(s, `mutation($id: ID!) { updateCommitment(input: {id: $id, title: "Youth mentoring, 2016 round"}) { userErrors { field code } } }`,
		map[string]any{"id": gid(hub.TypeCommitment, ref)})
	if errs := errorCodes(dig(upd, "updateCommitment")); len(errs) > 0 {
		t.Errorf("editing a commitment under an archived objective: %v", errs)
	}

	// Pillars of an archived plan take no new pillar; history and audit record each change.
	if errs := errorCodes(dig(planOp(s, updatePlanM, in("id", planID, "archived", true)), "updateStrategicPlan")); len(errs) > 0 {
		t.Fatal(errs)
	}
	if errs := errorCodes(dig(planOp(s, createPillarM, in("planId", planID, "code", "3", "title", "Late")), "createPillar")); len(errs) != 1 || errs[0] != "input.planId:NOT_ALLOWED" {
		t.Errorf("a pillar in an archived plan: %v", errs)
	}
	hist := planOp(s, `query($o: ID!) {
		node(id: $o) { ... on Objective { id } }
		plans: strategicPlans { title }
		allPlans: strategicPlans(includeArchived: true) { title }
		auditLog(first: 100) { nodes { kind } }
	}`, map[string]any{"o": objID})
	if len(dig(hist, "plans").([]any)) != 1 || len(dig(hist, "allPlans").([]any)) != 2 {
		t.Errorf("plans: %v", hist)
	}
	kinds := map[string]int{}
	for _, n := range dig(hist, "auditLog", "nodes").([]any) {
		kinds[dig(n, "kind").(string)]++
	}
	if kinds["StrategicPlanCreated"] != 1 || kinds["ObjectiveUpdated"] != 2 || kinds["StrategicPlanUpdated"] != 1 || kinds["CommunityUpdated"] != 1 {
		t.Errorf("audit log kinds: %v", kinds)
	}
	// Deleting: refused while anything refers to it, then gone but for its history.
	del := func(kind, id string) []string {
		return errorCodes(dig(planOp(s, `mutation($in: DeleteInput!) { delete`+kind+`(input: $in) { deletedId userErrors { field message code } } }`,
			in("id", id)), "delete"+kind))
	}
	for _, c := range []struct{ kind, id string }{{"Objective", objID}, {"Community", commID}, {"Pillar", p2}, {"StrategicPlan", planID}} {
		if errs := del(c.kind, c.id); len(errs) != 1 || errs[0] != "input.id:NOT_ALLOWED" {
			t.Errorf("deleting a referenced %s: %v", c.kind, errs)
		}
	}
	spare := dig(planOp(s, createCommunityM, in("name", "Misspelt Comunity")), "createCommunity", "community", "id").(string)
	if errs := del("Community", spare); len(errs) > 0 {
		t.Fatalf("deleting an unused community: %v", errs)
	}
	if errs := del("Community", spare); len(errs) != 1 || errs[0] != "input.id:NOT_FOUND" {
		t.Errorf("deleting it again: %v", errs)
	}
	if errs := del("Pillar", p1); len(errs) > 0 { // its only objective moved to p2
		t.Errorf("deleting an empty pillar: %v", errs)
	}
	gone := planOp(s, `query($c: ID!, $p: ID!) { c: node(id: $c) { id } p: node(id: $p) { id }
		auditLog(first: 5) { nodes { kind node { id } } } }`, map[string]any{"c": spare, "p": p1})
	if dig(gone, "c") != nil || dig(gone, "p") != nil || dig(gone, "auditLog", "nodes", 0, "kind") != "PillarDeleted" ||
		dig(gone, "auditLog", "nodes", 1, "kind") != "CommunityDeleted" {
		t.Errorf("after deleting: %v", gone)
	}

	h := planOp(s, `query($o: ID!) { node(id: $o) { ... on Objective { history { nodes { kind version fields { field before after } } } } } }`, map[string]any{"o": objID})
	changes := dig(h, "node", "history", "nodes").([]any)
	if len(changes) != 3 || dig(changes, 1, "kind") != "ObjectiveUpdated" ||
		compact(t, mustJSON(t, dig(changes, 1, "fields"))) != `[{"after":"\"2.1\"","before":"\"1.1\"","field":"code"},{"after":"\"`+p2+`\"","before":"\"`+p1+`\"","field":"pillar"}]` {
		t.Errorf("objective history: %s", mustJSON(t, changes))
	}
}

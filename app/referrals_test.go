package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"convene/hub"
)

// The referral networks end to end, on the demo data: the directory a
// youth worker searches, every mutation and its rules, every step of a
// referral by each side, who sees referrals, and referralReceived live
// and resumed. Who sees what on every path is TestReadPolicy's.

// referralTokens are editors of demo stakeholders: yff provides life
// skills in Port Loyola; cpu refers in every network and provides
// nothing; hih coordinates Port Loyola's network; bcci is in none.
type referralTokens struct{ yff, cpu, hih, bcci, viewer string }

func newReferralTokens(t *testing.T, s *testServer) referralTokens {
	var k referralTokens
	_, k.yff = issueToken(t, s, "EDITOR", "YFF officer", "yff", nil)
	_, k.cpu = issueToken(t, s, "EDITOR", "CPU officer", "cpu", nil)
	_, k.hih = issueToken(t, s, "EDITOR", "HIH officer", "hih", nil)
	_, k.bcci = issueToken(t, s, "EDITOR", "BCCI officer", "bcci", nil)
	_, k.viewer = issueToken(t, s, "VIEWER", "analyst", "", nil)
	return k
}

func TestReferralNetworks(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	k := newReferralTokens(t, s)
	for _, c := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"the directory", func(t *testing.T) { testServiceDirectory(t, s) }},
		{"services and networks", func(t *testing.T) { testServiceMutations(t, s, k) }},
		{"making a referral", func(t *testing.T) { testMakeReferral(t, s, k) }},
		{"every step by each side", func(t *testing.T) { testReferralStepsAPI(t, s, k) }},
		{"who sees referrals", func(t *testing.T) { testReferralsQuery(t, s, k) }},
		{"referralReceived", func(t *testing.T) { testReferralReceived(t, s, k) }},
		{"feeds carry no referral", func(t *testing.T) { testFeedsCarryNoReferral(t, s) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.t = t // the server's helpers fail the subtest
			defer func() { s.t = nil }()
			c.run(t)
		})
	}
}

// names returns the "name" of each node of a connection at data.field.
func connectionNames(t *testing.T, r response, field string) []string {
	t.Helper()
	var out map[string]struct {
		TotalCount int
		Nodes      []struct{ Name string }
	}
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("%s: %s", field, r.body)
	}
	var names []string
	for _, n := range out[field].Nodes {
		names = append(names, n.Name)
	}
	if out[field].TotalCount != len(names) {
		t.Fatalf("%s: totalCount %d for %d nodes on one page", field, out[field].TotalCount, len(names))
	}
	return names
}

func testServiceDirectory(t *testing.T, s *testServer) {
	const q = `query($f: ServiceFilter) { services(first: 100, filter: $f) { totalCount nodes { name } } }`
	pl, collet := gid(hub.TypeCommunity, "port-loyola"), gid(hub.TypeCommunity, "collet")
	for _, c := range []struct {
		what   string
		filter map[string]any
		want   []string
	}{
		// The youth worker's question; the Youth Council (15-24) is closed.
		{"life skills for a 16-year-old in Port Loyola", map[string]any{"communityIds": []any{pl}, "categories": []any{"LIFE_SKILLS"}, "age": 16, "acceptingReferrals": true},
			[]string{"Conflict Resolution Skills", "Life Skills for Teens"}},
		{"and for a 12-year-old", map[string]any{"communityIds": []any{pl}, "categories": []any{"LIFE_SKILLS"}, "age": 12}, nil},
		{"not taking referrals", map[string]any{"acceptingReferrals": false}, []string{"Music and Arts Studio", "Youth Council and Civic Participation"}},
		{"paused", map[string]any{"statuses": []any{"PAUSED"}}, []string{"Music and Arts Studio"}},
		{"by provider", map[string]any{"providerIds": []any{gid(hub.TypeStakeholder, "yap")}}, []string{"Job Readiness Workshop", "Youth Apprenticeship Placements"}},
		{"by text, in the eligibility", map[string]any{"search": "OUT OF SCHOOL"}, []string{"Second-Chance Learning Centre", "Youth Apprenticeship Placements"}},
		{"by text, in the provider's name", map[string]any{"search": "red cross", "communityIds": []any{collet}}, nil},
		{"counselling in Collet for a 17-year-old", map[string]any{"communityIds": []any{collet}, "categories": []any{"COUNSELLING", "HEALTH"}, "age": 17},
			[]string{"Adolescent Counselling", "Adolescent Health Check", "Family and Youth Support", "Youth-Friendly Health Clinic"}},
	} {
		if got := connectionNames(t, s.do(false, q, map[string]any{"f": c.filter}), "services"); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
	for _, bad := range []map[string]any{{"age": -1}, {"age": 121}, {"communityIds": []any{"nonsense"}}, {"providerIds": []any{pl}}} {
		if r := s.do(false, q, map[string]any{"f": bad}); r.code() != "BAD_USER_INPUT" {
			t.Errorf("filter %v: %s", bad, r.body)
		}
	}

	// Paging through the whole directory, by name.
	var all []string
	vars := map[string]any{}
	for range 10 {
		var out struct {
			Services struct {
				TotalCount int
				PageInfo   struct {
					HasNextPage bool
					EndCursor   string
				}
				Nodes []struct{ Name string }
			}
		}
		s.mustDecode(s.do(false, `query($after: String) { services(first: 5, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }`, vars), &out)
		for _, n := range out.Services.Nodes {
			all = append(all, n.Name)
		}
		if !out.Services.PageInfo.HasNextPage {
			if len(all) != out.Services.TotalCount || len(all) < 15 || !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
				t.Errorf("the directory by pages: %d of %d, %q", len(all), out.Services.TotalCount, all)
			}
			break
		}
		vars["after"] = out.Services.PageInfo.EndCursor
	}

	// A service's fields, its contacts private.
	const one = `query($id: ID!) { node(id: $id) { ... on Service { name category provider { name } communities { name }
		eligibility { minAge maxAge description } capacity languages openingHours status acceptingReferrals contacts { name } } } }`
	r := s.do(false, one, map[string]any{"id": gid(hub.TypeService, "yap-apprenticeship")})
	want := `{"node":{"name":"Youth Apprenticeship Placements","category":"WORKFORCE_DEVELOPMENT","provider":{"name":"Youth Apprenticeship Programme"},` +
		`"communities":[{"name":"Lake Independence"},{"name":"Collet"},{"name":"Port Loyola"}],"eligibility":{"minAge":17,"maxAge":29,"description":"Out of school and unemployed"},` +
		`"capacity":25,"languages":["en","es"],"openingHours":"Mon-Fri 08:00-16:30","status":"ACTIVE","acceptingReferrals":true,"contacts":null}}`
	if got := compact(t, r.Data); got != want {
		t.Errorf("a service, anonymously:\n got %s\nwant %s", got, want)
	}

	// Networks, and the services their members offer in their community.
	nets := `query($f: ReferralNetworkFilter) { referralNetworks(filter: $f) { totalCount nodes { name coordinator { name } community { name } members { name } services(first: 20) { totalCount } } } }`
	var out struct {
		ReferralNetworks struct {
			TotalCount int
			Nodes      []struct {
				Name        string
				Coordinator struct{ Name string }
				Community   struct{ Name string }
				Members     []struct{ Name string }
				Services    struct{ TotalCount int }
			}
		}
	}
	s.mustDecode(s.do(false, nets, map[string]any{"f": map[string]any{"memberIds": []any{gid(hub.TypeStakeholder, "cpu")}}}), &out)
	if out.ReferralNetworks.TotalCount != 3 {
		t.Fatalf("networks with the CPU: %+v", out)
	}
	for _, n := range out.ReferralNetworks.Nodes {
		if n.Members[0].Name != n.Coordinator.Name || n.Services.TotalCount < 5 || !strings.HasPrefix(n.Name, n.Community.Name) {
			t.Errorf("network %+v", n)
		}
	}
	if got := connectionNames(t, s.do(false, nets, map[string]any{"f": map[string]any{"communityIds": []any{collet}}}), "referralNetworks"); !slices.Equal(got, []string{"Collet Youth Referral Network"}) {
		t.Errorf("Collet's networks: %q", got)
	}
}

// mutateAs runs a mutation as token and returns its payload's userErrors'
// codes (nil: none) and the GraphQL error code, if any.
func mutateAs(t *testing.T, s *testServer, token, field, inputType string, in map[string]any, selection string) (payload map[string]any, codes []string, errCode string) {
	t.Helper()
	q := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s userErrors { field message code } } }`, inputType, field, selection)
	r := s.as(token, q, map[string]any{"in": in})
	if r.code() != "" {
		return nil, nil, r.code()
	}
	var out map[string]map[string]any
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil {
		t.Fatalf("%s: %s", field, r.body)
	}
	p := out[field]
	for _, e := range p["userErrors"].([]any) {
		e := e.(map[string]any)
		codes = append(codes, fmt.Sprintf("%s %v: %s", e["code"], e["field"], e["message"]))
	}
	return p, codes, ""
}

func testServiceMutations(t *testing.T, s *testServer, k referralTokens) {
	pl := gid(hub.TypeCommunity, "port-loyola")
	newService := func(extra map[string]any) map[string]any {
		in := map[string]any{"providerId": gid(hub.TypeStakeholder, "yff"), "name": "Peer Educators", "category": "MENTORING", "communityIds": []any{pl}}
		for key, v := range extra {
			in[key] = v
		}
		return in
	}
	for _, c := range []struct {
		what  string
		token string
		in    map[string]any
		want  string // the first userError's code and field, or the GraphQL error code
	}{
		{"anonymously", "", newService(nil), "UNAUTHENTICATED"},
		{"as a viewer", k.viewer, newService(nil), "FORBIDDEN"},
		{"for another provider", k.yff, newService(map[string]any{"providerId": gid(hub.TypeStakeholder, "ymca")}), "FORBIDDEN"},
		{"serving nowhere", k.yff, newService(map[string]any{"communityIds": []any{}}), "REQUIRED [input communityIds]"},
		{"serving an unknown community", k.yff, newService(map[string]any{"communityIds": []any{gid(hub.TypeCommunity, "atlantis")}}), "NOT_FOUND [input communityIds 0]"},
		{"in a language that is no tag", k.yff, newService(map[string]any{"languages": []any{"en", "Kriol!"}}), "INVALID [input languages 1]"},
		{"with ages upside down", k.yff, newService(map[string]any{"eligibility": map[string]any{"minAge": 18, "maxAge": 14}}), "INVALID [input eligibility maxAge]"},
		{"with a negative capacity", k.yff, newService(map[string]any{"capacity": -1}), "INVALID [input capacity]"},
		{"with a blank name", k.yff, newService(map[string]any{"name": "  "}), "REQUIRED [input name]"},
		{"named as another of the provider's", k.yff, newService(map[string]any{"name": "life skills for teens"}), "TAKEN [input name]"},
	} {
		_, codes, errCode := mutateAs(t, s, c.token, "createService", "CreateServiceInput", c.in, "service { id }")
		if got := errCode + strings.Join(codes, "|"); !strings.HasPrefix(got, c.want) {
			t.Errorf("createService %s: %q, want %s", c.what, got, c.want)
		}
	}
	p, codes, errCode := mutateAs(t, s, k.yff, "createService", "CreateServiceInput",
		newService(map[string]any{"capacity": 0, "languages": []any{"en", "bzj"}, "contacts": []any{map[string]any{"name": "Coordinator", "phone": "+501 223 0000"}}}),
		"service { id version acceptingReferrals }")
	if len(codes) > 0 || errCode != "" {
		t.Fatalf("createService by the provider's editor: %v %s", codes, errCode)
	}
	service := p["service"].(map[string]any)
	id := service["id"].(string)
	if service["acceptingReferrals"] != false {
		t.Errorf("a service with no places takes referrals: %v", service)
	}
	update := func(token string, in map[string]any) (map[string]any, []string, string) {
		in["id"] = id
		return mutateAs(t, s, token, "updateService", "UpdateServiceInput", in, "service { version capacity acceptingReferrals status }")
	}
	if _, _, code := update(k.cpu, map[string]any{"capacity": 10}); code != "FORBIDDEN" {
		t.Errorf("updateService by another stakeholder's editor: %s", code)
	}
	if _, _, code := update(k.yff, map[string]any{"capacity": 10, "expectedVersion": 7}); code != "CONFLICT" {
		t.Errorf("updateService with a stale version: %s", code)
	}
	if _, codes, _ := update(k.yff, map[string]any{"capacity": 10, "clearCapacity": true}); len(codes) != 1 || !strings.HasPrefix(codes[0], "INVALID [input clearCapacity]") {
		t.Errorf("capacity and clearCapacity together: %v", codes)
	}
	p, codes, _ = update(k.yff, map[string]any{"clearCapacity": true, "expectedVersion": 1})
	if got := p["service"].(map[string]any); len(codes) > 0 || got["capacity"] != nil || got["acceptingReferrals"] != true || got["version"] != 2.0 {
		t.Errorf("clearing the capacity: %v %v", got, codes)
	}
	p, _, _ = update(testAdminToken, map[string]any{"status": "CLOSED"})
	if got := p["service"].(map[string]any); got["acceptingReferrals"] != false || got["status"] != "CLOSED" {
		t.Errorf("closing it: %v", got)
	}

	// Networks: admins set them up; the coordinator's editors keep the members.
	net := map[string]any{"name": "Port Loyola Youth Referral Network", "coordinatorId": gid(hub.TypeStakeholder, "hih"), "communityId": pl}
	if _, _, code := mutateAs(t, s, k.hih, "createReferralNetwork", "CreateReferralNetworkInput", net, "referralNetwork { id }"); code != "FORBIDDEN" {
		t.Errorf("createReferralNetwork by an editor: %s", code)
	}
	for field, want := range map[string]string{"name": "TAKEN [input name]", "coordinatorId": "NOT_FOUND [input coordinatorId]", "communityId": "NOT_FOUND [input communityId]"} {
		in := map[string]any{"name": "Another network", "coordinatorId": net["coordinatorId"], "communityId": pl}
		if field != "name" {
			in[field] = gid(hub.TypeStakeholder, "nobody")
		} else {
			in["name"] = net["name"]
		}
		if _, codes, _ := mutateAs(t, s, testAdminToken, "createReferralNetwork", "CreateReferralNetworkInput", in, "referralNetwork { id }"); len(codes) == 0 || !strings.HasPrefix(codes[0], want) {
			t.Errorf("createReferralNetwork with a bad %s: %v, want %s", field, codes, want)
		}
	}
	p, codes, _ = mutateAs(t, s, testAdminToken, "createReferralNetwork", "CreateReferralNetworkInput",
		map[string]any{"name": "Queen's Square Network", "coordinatorId": gid(hub.TypeStakeholder, "nafi"), "communityId": gid(hub.TypeCommunity, "queens-square"), "memberIds": []any{gid(hub.TypeStakeholder, "yff")}},
		"referralNetwork { id members { name } }")
	if len(codes) > 0 {
		t.Fatalf("createReferralNetwork: %v", codes)
	}
	netID := p["referralNetwork"].(map[string]any)["id"].(string)
	members := func(token string, in map[string]any) (map[string]any, []string, string) {
		in["id"] = netID
		return mutateAs(t, s, token, "updateReferralNetwork", "UpdateReferralNetworkInput", in, "referralNetwork { version members { name } }")
	}
	if _, _, code := members(k.yff, map[string]any{"memberIds": []any{}}); code != "FORBIDDEN" {
		t.Errorf("a member changing the network: %s", code)
	}
	_, nafi := issueToken(t, s, "EDITOR", "NAFI officer", "nafi", nil)
	if _, _, code := members(nafi, map[string]any{"communityId": pl}); code != "FORBIDDEN" {
		t.Errorf("the coordinator moving the network: %s", code)
	}
	p, codes, _ = members(nafi, map[string]any{"memberIds": []any{gid(hub.TypeStakeholder, "ymca")}, "expectedVersion": 1})
	got, _ := json.Marshal(p["referralNetwork"])
	if len(codes) > 0 || string(got) != `{"members":[{"name":"NAFI"},{"name":"YMCA Belize"}],"version":2}` {
		t.Errorf("the coordinator changing the members: %s %v", got, codes)
	}
}

func testMakeReferral(t *testing.T, s *testServer, k referralTokens) {
	pl, collet := gid(hub.TypeReferralNetwork, "net-port-loyola"), gid(hub.TypeReferralNetwork, "net-collet")
	in := func(network, service string, extra map[string]any) map[string]any {
		m := map[string]any{"networkId": network, "serviceId": gid(hub.TypeService, service), "ageBand": "AGE_15_17"}
		for key, v := range extra {
			m[key] = v
		}
		return m
	}
	for _, c := range []struct {
		what, token string
		in          map[string]any
		want        string
	}{
		{"anonymously", "", in(pl, "yff-life-skills", nil), "UNAUTHENTICATED"},
		{"as a viewer", k.viewer, in(pl, "yff-life-skills", nil), "FORBIDDEN"},
		{"from another stakeholder", k.cpu, in(pl, "yff-life-skills", map[string]any{"fromId": gid(hub.TypeStakeholder, "yff")}), "FORBIDDEN"},
		{"by a non-member", k.bcci, in(pl, "yff-life-skills", nil), "NOT_ALLOWED [input fromId]"},
		{"by an admin naming no sender", testAdminToken, in(pl, "yff-life-skills", nil), "REQUIRED [input fromId]"},
		{"to a service outside the community", k.cpu, in(pl, "nafi-family", nil), "NOT_ALLOWED [input serviceId]"},
		{"to a paused service", k.cpu, in(pl, "hih-studio", nil), "NOT_ALLOWED [input serviceId]"},
		{"to a provider outside the network", k.cpu, in(collet, "cydp-mentoring", nil), "NOT_ALLOWED [input serviceId]"},
		{"to no service", k.cpu, in(pl, "nothing", nil), "NOT_FOUND [input serviceId]"},
		{"in no network", k.cpu, in(gid(hub.TypeReferralNetwork, "nothing"), "yff-life-skills", nil), "NOT_FOUND [input networkId]"},
		{"dated in the future", k.cpu, in(pl, "yff-life-skills", map[string]any{"date": "2999-01-01"}), "INVALID [input date]"},
		{"with an unknown age band", k.cpu, in(pl, "yff-life-skills", map[string]any{"ageBand": "AGE_3"}), "GRAPHQL_VALIDATION_FAILED"},
	} {
		_, codes, errCode := mutateAs(t, s, c.token, "makeReferral", "MakeReferralInput", c.in, "referral { id }")
		if got := errCode + strings.Join(codes, "|"); !strings.HasPrefix(got, c.want) {
			t.Errorf("makeReferral %s: %q, want %s", c.what, got, c.want)
		}
	}
	p, codes, _ := mutateAs(t, s, k.cpu, "makeReferral", "MakeReferralInput", in(pl, "yff-life-skills", map[string]any{"date": "2015-10-30", "sex": "MALE"}),
		"referral { network { name } from { name } to { name } service { name } category community { name } date ageBand sex status declineReason nextStatuses version }")
	got, _ := json.Marshal(p["referral"])
	want := `{"ageBand":"AGE_15_17","category":"LIFE_SKILLS","community":{"name":"Port Loyola"},"date":"2015-10-30","declineReason":null,` +
		`"from":{"name":"Community Policing Unit"},"network":{"name":"Port Loyola Youth Referral Network"},"nextStatuses":["ACCEPTED","DECLINED","NOT_REACHED","WITHDRAWN"],` +
		`"service":{"name":"Life Skills for Teens"},"sex":"MALE","status":"SENT","to":{"name":"Youth for the Future"},"version":1}`
	if len(codes) > 0 || string(got) != want {
		t.Errorf("makeReferral:\n got %s %v\nwant %s", got, codes, want)
	}
}

// testReferralStepsAPI takes every status to every status over the API,
// as the side entitled to the step and as the other: the other side is
// FORBIDDEN, a stakeholder outside it finds no referral, and an illegal
// step is a NOT_ALLOWED userError naming the statuses allowed.
func testReferralStepsAPI(t *testing.T, s *testServer, k referralTokens) {
	network, service := "net-port-loyola", "yff-life-skills"
	side := map[string]string{"ACCEPTED": k.yff, "SERVED": k.yff, "DECLINED": k.yff, "NOT_REACHED": k.yff, "WITHDRAWN": k.cpu}
	other := map[string]string{k.yff: k.cpu, k.cpu: k.yff}
	next := map[string][]string{"SENT": {"ACCEPTED", "DECLINED", "NOT_REACHED", "WITHDRAWN"}, "ACCEPTED": {"SERVED", "DECLINED", "NOT_REACHED", "WITHDRAWN"}}
	step := func(token, id, to string) (map[string]any, []string, string) {
		in := map[string]any{"id": gid(hub.TypeReferral, id), "status": to}
		if to == "DECLINED" {
			in["declineReason"] = "NO_CAPACITY"
		}
		return mutateAs(t, s, token, "updateReferralStatus", "UpdateReferralStatusInput", in, "referral { status declineReason acceptedOn servedOn closedOn version }")
	}
	statuses := []string{"SENT", "ACCEPTED", "SERVED", "DECLINED", "NOT_REACHED", "WITHDRAWN"}
	for _, from := range statuses {
		for _, to := range statuses {
			id := makeReferralAs(s, k.cpu, network, "", service)
			switch from {
			case "SENT":
			case "SERVED":
				step(k.yff, id, "ACCEPTED")
				fallthrough
			default:
				if _, codes, code := step(side[from], id, from); len(codes)+len(code) > 0 {
					t.Fatalf("to %s: %v %s", from, codes, code)
				}
			}
			legal := slices.Contains(next[from], to)
			if !legal {
				_, codes, code := step(testAdminToken, id, to)
				if len(codes) != 1 || code != "" || !strings.HasPrefix(codes[0], "NOT_ALLOWED [input status]") && !strings.HasPrefix(codes[0], "INVALID") {
					t.Errorf("%s to %s: %v %s, want NOT_ALLOWED", from, to, codes, code)
				}
				for _, allowed := range next[from] {
					if !strings.Contains(codes[0], allowed) {
						t.Errorf("%s to %s: %q does not name %s", from, to, codes[0], allowed)
					}
				}
				continue
			}
			if _, _, code := step(other[side[to]], id, to); code != "FORBIDDEN" {
				t.Errorf("%s to %s by the other side: %q, want FORBIDDEN", from, to, code)
			}
			if _, codes, _ := step(k.bcci, id, to); len(codes) != 1 || !strings.HasPrefix(codes[0], "NOT_FOUND [input id]") {
				t.Errorf("%s to %s by an outsider: %v, want NOT_FOUND", from, to, codes)
			}
			p, codes, code := step(side[to], id, to)
			r, _ := p["referral"].(map[string]any)
			if len(codes)+len(code) > 0 || r["status"] != to || (to == "SERVED") != (r["servedOn"] != nil) || (to == "ACCEPTED") != (r["closedOn"] == nil) || (to == "DECLINED") != (r["declineReason"] != nil) {
				t.Errorf("%s to %s by its side: %v %v %s", from, to, r, codes, code)
			}
		}
	}
	id := makeReferralAs(s, k.cpu, network, "", service)
	for in, want := range map[string]string{
		`{"status": "DECLINED"}`:                                 "REQUIRED [input declineReason]",
		`{"status": "ACCEPTED", "declineReason": "NO_CAPACITY"}`: "INVALID [input declineReason]",
		`{"status": "ACCEPTED", "date": "2001-01-01"}`:           "INVALID [input date]",
		`{"status": "ACCEPTED", "expectedVersion": 2}`:           "CONFLICT",
	} {
		var m map[string]any
		_ = json.Unmarshal([]byte(in), &m)
		m["id"] = gid(hub.TypeReferral, id)
		_, codes, code := mutateAs(t, s, k.yff, "updateReferralStatus", "UpdateReferralStatusInput", m, "referral { id }")
		if got := code + strings.Join(codes, "|"); !strings.HasPrefix(got, want) {
			t.Errorf("updateReferralStatus %s: %q, want %s", in, got, want)
		}
	}
	// The history of the steps, as their two sides see it.
	step(k.yff, id, "ACCEPTED")
	step(k.yff, id, "SERVED")
	q := `query($id: ID!) { node(id: $id) { ... on Referral { history { nodes { kind actor { stakeholder { name } } fields { field after } } } } } }`
	for _, token := range []string{k.cpu, k.yff, testAdminToken} {
		r := s.as(token, q, map[string]any{"id": gid(hub.TypeReferral, id)})
		if b := r.body; !strings.Contains(b, `"kind":"ReferralMade"`) || !strings.Contains(b, `"kind":"ReferralAccepted"`) || !strings.Contains(b, `"kind":"ReferralServed"`) {
			t.Errorf("the history: %s", b)
		}
	}
	for _, token := range []string{"", k.viewer, k.bcci, k.hih} {
		if r := s.as(token, q, map[string]any{"id": gid(hub.TypeReferral, id)}); compact(t, r.Data) != `{"node":null}` {
			t.Errorf("the history, for another: %s", r.body)
		}
	}
}

func testReferralsQuery(t *testing.T, s *testServer, k referralTokens) {
	m := s.app.hub.Model()
	all := m.Referrals(hub.ReferralFilter{Viewer: hub.Viewer{Role: hub.RoleAdmin}})
	involving := func(id string) int {
		n := 0
		for _, r := range all {
			if r.FromID == id || r.ToID == id {
				n++
			}
		}
		return n
	}
	const q = `query($f: ReferralFilter, $after: String) { referrals(first: 100, after: $after, filter: $f) { totalCount pageInfo { hasNextPage endCursor } nodes { id date status from { id } to { id } } } }`
	read := func(token string, filter map[string]any) (total int, nodes []map[string]any) {
		t.Helper()
		vars := map[string]any{"f": filter}
		for range 20 {
			var out struct {
				Referrals struct {
					TotalCount int
					PageInfo   struct {
						HasNextPage bool
						EndCursor   string
					}
					Nodes []map[string]any
				}
			}
			s.mustDecode(s.as(token, q, vars), &out)
			nodes = append(nodes, out.Referrals.Nodes...)
			if !out.Referrals.PageInfo.HasNextPage {
				return out.Referrals.TotalCount, nodes
			}
			vars["after"] = out.Referrals.PageInfo.EndCursor
		}
		t.Fatal("more than 20 pages")
		return 0, nil
	}
	if total, nodes := read(testAdminToken, nil); total != len(all) || len(nodes) != total || total < 300 {
		t.Errorf("an admin sees %d (%d nodes) of %d", total, len(nodes), len(all))
	} else if !slices.IsSortedFunc(nodes, func(a, b map[string]any) int { return strings.Compare(b["date"].(string), a["date"].(string)) }) {
		t.Error("referrals are not newest first")
	}
	for name, c := range map[string]struct{ token, stakeholder string }{"yff": {k.yff, "yff"}, "cpu": {k.cpu, "cpu"}, "hih": {k.hih, "hih"}, "bcci": {k.bcci, "bcci"}} {
		total, nodes := read(c.token, nil)
		if total != involving(c.stakeholder) || len(nodes) != total {
			t.Errorf("the editor of %s sees %d, want %d", name, total, involving(c.stakeholder))
		}
		for _, n := range nodes {
			from, to := n["from"].(map[string]any)["id"], n["to"].(map[string]any)["id"]
			if from != gid(hub.TypeStakeholder, c.stakeholder) && to != gid(hub.TypeStakeholder, c.stakeholder) {
				t.Errorf("the editor of %s sees %v", name, n)
			}
		}
	}
	for _, token := range []string{"", k.viewer} {
		if total, _ := read(token, nil); total != 0 {
			t.Errorf("%q sees %d referrals", token, total)
		}
	}
	total, nodes := read(testAdminToken, map[string]any{"statuses": []any{"DECLINED"}, "from": "2015-01-01", "to": "2015-03-31",
		"networkIds": []any{gid(hub.TypeReferralNetwork, "net-lake-i")}})
	if total == 0 {
		t.Error("no declined referral in Lake Independence in the first quarter of 2015")
	}
	for _, n := range nodes {
		if n["status"] != "DECLINED" || n["date"].(string) < "2015-01-01" || n["date"].(string) > "2015-03-31" {
			t.Errorf("filtered: %v", n)
		}
	}
	if r := s.as(testAdminToken, q, map[string]any{"f": map[string]any{"serviceIds": []any{gid(hub.TypeStakeholder, "yff")}}}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("a stakeholder's ID as a service's: %s", r.body)
	}
}

func testReferralReceived(t *testing.T, s *testServer, k referralTokens) {
	w := &policyWorld{t: t, s: s}
	const sel = `{ cursor kind referral { id to { id } } }`
	subscribe := func(token, filter, after string) *policyWS {
		c := w.dial(policyViewer{token: token})
		args := fmt.Sprintf("(after: %q%s)", after, filter)
		c.subscribe("r", `subscription { referralReceived`+args+" "+sel+` }`)
		return c
	}
	// received returns the referrals delivered up to the one at cursor.
	received := func(c *policyWS, cursor string) []string {
		var ids []string
		for {
			msg := c.read(20 * time.Second)
			if msg == nil || msg["type"] != "next" {
				t.Fatalf("waiting for %s: %v", cursor, msg)
			}
			var e struct {
				Cursor   string
				Kind     string
				Referral struct{ ID string }
			}
			b, _ := json.Marshal(msg["payload"].(map[string]any)["data"].(map[string]any)["referralReceived"])
			_ = json.Unmarshal(b, &e)
			if e.Kind != "ReferralMade" {
				t.Errorf("a %s message", e.Kind)
			}
			ids = append(ids, localOf(e.Referral.ID))
			if e.Cursor == cursor {
				return ids
			}
		}
	}
	head := eventCursorOf(s.app.hub.Model().Seq())
	yff := subscribe(k.yff, "", head)
	cpuToYFF := subscribe(k.cpu, `, filter: {providerIds: ["`+gid(hub.TypeStakeholder, "yff")+`"]}`, head)
	admin := subscribe(testAdminToken, "", head)
	quiet := []*policyWS{subscribe(k.cpu, "", head), subscribe(k.bcci, `, filter: {providerIds: ["`+gid(hub.TypeStakeholder, "yff")+`"]}`, head), subscribe("", "", head), subscribe(k.viewer, "", head)}

	first := makeReferralAs(s, k.cpu, "net-port-loyola", "", "yff-life-skills")
	elsewhere := makeReferralAs(s, k.cpu, "net-port-loyola", "", "ymca-league") // to YMCA
	step := func(id string) {
		mutateAs(t, s, k.yff, "updateReferralStatus", "UpdateReferralStatusInput", map[string]any{"id": gid(hub.TypeReferral, id), "status": "ACCEPTED"}, "referral { id }")
	}
	step(first) // a step is no new referral
	second := makeReferralAs(s, testAdminToken, "net-port-loyola", "cpu", "yff-life-skills")
	last := eventCursorOf(s.app.hub.Model().Seq())
	if got := received(yff, last); !slices.Equal(got, []string{first, second}) {
		t.Errorf("YFF's editor received %v, want %v", got, []string{first, second})
	}
	if got := received(cpuToYFF, last); !slices.Equal(got, []string{first, second}) {
		t.Errorf("the sender, following YFF, received %v", got)
	}
	if got := received(admin, last); !slices.Equal(got, []string{first, elsewhere, second}) {
		t.Errorf("the admin received %v", got)
	}
	for i, c := range quiet {
		if c.within(last, 500*time.Millisecond) {
			t.Errorf("subscriber %d, who may see none of them or receives none, received one", i)
		}
	}

	// Resumed after the first: the second, then live; no duplicate.
	resumed := subscribe(k.yff, "", eventCursorOf(seqOf(t, s, first)))
	third := makeReferralAs(s, k.cpu, "net-port-loyola", "", "yff-life-skills")
	if got := received(resumed, eventCursorOf(s.app.hub.Model().Seq())); !slices.Equal(got, []string{second, third}) {
		t.Errorf("resumed after the first: %v, want %v", got, []string{second, third})
	}
	// And over server-sent events, replayed from the same cursor.
	msgs := w.sseUntil(policyViewer{name: "a YFF editor", token: k.yff}, `subscription { referralReceived(after: "`+head+`") `+sel+` }`, "referralReceived", eventCursorOf(s.app.hub.Model().Seq()))
	if len(msgs) != 3 || !strings.Contains(msgs[2], gid(hub.TypeReferral, third)) {
		t.Errorf("over SSE: %v", msgs)
	}
}

// seqOf is the log position of a referral's creation.
func seqOf(t *testing.T, s *testServer, referral string) int64 {
	h, err := s.app.hub.Model().History(hub.TypeReferral, referral)
	if err != nil || len(h) == 0 {
		t.Fatalf("the history of %s: %v", referral, err)
	}
	return h[0].Seq
}

func testFeedsCarryNoReferral(t *testing.T, s *testServer) {
	for _, path := range []string{"/feeds/stakeholders/" + gid(hub.TypeStakeholder, "yff") + ".atom", "/feeds/stakeholders/" + gid(hub.TypeStakeholder, "cpu") + ".atom", "/feeds/commitments.atom"} {
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || regexp.MustCompile(`(?i)referral(made|accepted|served|declined|notreached|withdrawn)|referral (made|accepted|served)`).Match(body) {
			t.Errorf("%s: %d, mentions a referral: %.300s", path, res.StatusCode, body)
		}
	}
}

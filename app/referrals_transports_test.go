package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"convene/hub"
)

// The referral operations' cases of TestOneOperationEveryTransport
// (transports_test.go): queries with their filters' variables, a replay
// of referralReceived, and the two referral mutations.
func init() {
	pl := gid(hub.TypeCommunity, "port-loyola")
	for name, op := range map[string]operation{
		"services: Int, enum list, Boolean and ID in the filter": {query: `query($age: Int, $c: [ServiceCategory!], $open: Boolean, $pl: ID!) {
			services(filter: {age: $age, categories: $c, acceptingReferrals: $open, communityIds: [$pl]}) { totalCount nodes { name eligibility { minAge maxAge } provider { name } } } }`,
			vars: `{"age": 16, "c": ["LIFE_SKILLS", "MENTORING"], "open": true, "pl": "` + pl + `"}`},
		"services: an age out of range": {query: `query($age: Int) { services(filter: {age: $age}) { totalCount } }`, vars: `{"age": -3}`},
		"services: an unknown category": {query: `query($c: [ServiceCategory!]) { services(filter: {categories: $c}) { totalCount } }`, vars: `{"c": ["KARATE"]}`},
		"referralNetworks":              {query: `query($pl: ID!) { referralNetworks(filter: {communityIds: [$pl]}) { totalCount nodes { name coordinator { name } members { name } } } }`, vars: `{"pl": "` + pl + `"}`},
		"referrals, anonymously":        {query: `{ referrals { totalCount nodes { id } } }`},
		"referrals, as an admin": {query: `query($s: [ReferralStatus!], $from: Date) { referrals(first: 3, filter: {statuses: $s, from: $from}) { totalCount nodes { date status ageBand servedOn to { name } } } }`,
			vars: `{"s": ["SERVED"], "from": "2015-06-01"}`, token: testAdminToken},
		"node of a service and a network": {query: `query($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on Service { name status } ... on ReferralNetwork { name community { name } } } }`,
			vars: `{"ids": ["` + gid(hub.TypeService, "hih-studio") + `", "` + gid(hub.TypeReferralNetwork, "net-collet") + `"]}`},
	} {
		variableQueries[name] = op
	}
	replaySubscriptions["referralReceived replayed, as an admin"] = operation{
		query: `subscription($after: String) { referralReceived(after: $after) { cursor kind referral { date status ageBand sex to { name } service { name } } } }`,
		vars:  `{"after": "ZTow"}`, take: 3, token: testAdminToken}
}

// testReferralMutationsEveryTransport makes a referral and accepts it over
// each transport (a referral of each transport's own, made alike), and
// tries an illegal step on one referral over all of them.
func testReferralMutationsEveryTransport(t *testing.T, s *testServer) {
	const made = `mutation($in: MakeReferralInput!) { makeReferral(input: $in) {
		referral { id status ageBand sex date from { name } to { name } nextStatuses version } userErrors { code field message } } }`
	const step = `mutation($in: UpdateReferralStatusInput!) { updateReferralStatus(input: $in) {
		referral { status acceptedOn nextStatuses version } userErrors { code field message } } }`
	in := `{"in": {"networkId": "` + gid(hub.TypeReferralNetwork, "net-lake-i") + `", "fromId": "` + gid(hub.TypeStakeholder, "cpu") +
		`", "serviceId": "` + gid(hub.TypeService, "yap-job-readiness") + `", "ageBand": "AGE_18_24", "sex": "UNDISCLOSED", "date": "2015-10-30"}}`
	var want [2]string
	for _, tr := range mutationTransports {
		r := tr.run(t, s, operation{query: made, vars: in, token: testAdminToken})
		var out struct {
			MakeReferral struct{ Referral struct{ ID string } }
		}
		if len(r) != 1 || r[0].Errors != "" || json.Unmarshal([]byte(r[0].Data), &out) != nil || out.MakeReferral.Referral.ID == "" {
			t.Fatalf("%s: makeReferral: %v", tr.name, r)
		}
		id := out.MakeReferral.Referral.ID
		accepted := tr.run(t, s, operation{query: step, token: testAdminToken,
			vars: fmt.Sprintf(`{"in": {"id": %q, "expectedVersion": 1, "status": "ACCEPTED", "date": "2015-10-31"}}`, id)})
		got := [2]string{strings.ReplaceAll(r[0].String(), id, "ID"), accepted[0].String()}
		if !strings.Contains(got[1], `"userErrors":[]`) {
			t.Fatalf("%s: updateReferralStatus: %v", tr.name, got[1])
		}
		if want[0] == "" {
			want = got
		} else if got != want {
			t.Errorf("%s answers\n  %v\n%s answers\n  %v", tr.name, got, mutationTransports[0].name, want)
		}
	}
	served := s.app.hub.Model().Referrals(hub.ReferralFilter{Statuses: []hub.ReferralStatus{hub.ReferralServed}, Viewer: hub.Viewer{Role: hub.RoleAdmin}})[0]
	r := sameOverEvery(t, s, mutationTransports, operation{query: step, token: testAdminToken,
		vars: `{"in": {"id": "` + gid(hub.TypeReferral, served.ID) + `", "status": "WITHDRAWN"}}`})
	if !strings.Contains(r[0].Data, `"code":"NOT_ALLOWED"`) || hub.Referrals.Get(s.app.hub.Model(), served.ID).Version != served.Version {
		t.Errorf("withdrawing a served referral: %v", r)
	}
}

package app

import (
	"convene/hub"
	"convene/opaque"
)

// Helpers of the referral tests: each makes one thing through the API,
// as token, and returns its domain id, failing the test on any refusal.

// createServiceAs adds a service of provider serving communities.
func createServiceAs(s *testServer, token, provider, name string, communities []string, extra map[string]any) string {
	s.t.Helper()
	ids := make([]any, len(communities))
	for i, c := range communities {
		ids[i] = gid(hub.TypeCommunity, c)
	}
	in := map[string]any{"providerId": gid(hub.TypeStakeholder, provider), "name": name, "category": "LIFE_SKILLS", "communityIds": ids}
	for k, v := range extra {
		in[k] = v
	}
	var out struct {
		CreateService struct {
			Service    *struct{ ID string }
			UserErrors []userError
		}
	}
	s.mustDecode(s.as(token, `mutation($in: CreateServiceInput!) { createService(input: $in) { service { id } userErrors { field message code } } }`, map[string]any{"in": in}), &out)
	if out.CreateService.Service == nil {
		s.t.Fatalf("createService %s: %+v", name, out.CreateService.UserErrors)
	}
	return localOf(out.CreateService.Service.ID)
}

// createNetwork sets up a network (as the admin).
func createNetwork(s *testServer, name, coordinator, community string, members ...string) string {
	s.t.Helper()
	ids := make([]any, len(members))
	for i, m := range members {
		ids[i] = gid(hub.TypeStakeholder, m)
	}
	var out struct {
		CreateReferralNetwork struct {
			ReferralNetwork *struct{ ID string }
			UserErrors      []userError
		}
	}
	s.mutate(`mutation($in: CreateReferralNetworkInput!) { createReferralNetwork(input: $in) { referralNetwork { id } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"name": name, "coordinatorId": gid(hub.TypeStakeholder, coordinator), "communityId": gid(hub.TypeCommunity, community), "memberIds": ids}}, &out)
	if out.CreateReferralNetwork.ReferralNetwork == nil {
		s.t.Fatalf("createReferralNetwork %s: %+v", name, out.CreateReferralNetwork.UserErrors)
	}
	return localOf(out.CreateReferralNetwork.ReferralNetwork.ID)
}

// makeReferralAs refers from the token's stakeholder (from, for an admin).
func makeReferralAs(s *testServer, token, network, from, service string) string {
	s.t.Helper()
	in := map[string]any{"networkId": gid(hub.TypeReferralNetwork, network), "serviceId": gid(hub.TypeService, service), "ageBand": "AGE_15_17", "sex": "FEMALE"}
	if from != "" {
		in["fromId"] = gid(hub.TypeStakeholder, from)
	}
	var out struct {
		MakeReferral struct {
			Referral   *struct{ ID string }
			UserErrors []userError
		}
	}
	s.mustDecode(s.as(token, `mutation($in: MakeReferralInput!) { makeReferral(input: $in) { referral { id } userErrors { field message code } } }`, map[string]any{"in": in}), &out)
	if out.MakeReferral.Referral == nil {
		s.t.Fatalf("makeReferral: %+v", out.MakeReferral.UserErrors)
	}
	return localOf(out.MakeReferral.Referral.ID)
}

func localOf(globalID string) string {
	_, id, _ := opaque.ParseGlobalID(globalID)
	return id
}

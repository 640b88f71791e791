package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
)

func (r *queryResolver) Services(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ServiceFilter) (*model.ServiceConnection, error) {
	var f hub.ServiceFilter
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.ServiceFilter{
			CommunityIDs:       d.ids("communityIds", hub.TypeCommunity, filter.CommunityIds),
			Categories:         filter.Categories,
			Age:                filter.Age,
			ProviderIDs:        d.ids("providerIds", hub.TypeStakeholder, filter.ProviderIds),
			Statuses:           filter.Statuses,
			Search:             deref(filter.Search),
			AcceptingReferrals: filter.AcceptingReferrals,
		}
		if d.err != nil {
			return nil, d.err
		}
		if f.Age != nil && (*f.Age < 0 || *f.Age > 120) {
			return nil, badInput("filter.age must be between 0 and 120")
		}
	}
	return serviceConnection(r.model().Services(f), pageArgs{first, last, after, before})
}

func (r *queryResolver) ReferralNetworks(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ReferralNetworkFilter) (*model.ReferralNetworkConnection, error) {
	var f hub.ReferralNetworkFilter
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.ReferralNetworkFilter{
			CommunityIDs: d.ids("communityIds", hub.TypeCommunity, filter.CommunityIds),
			MemberIDs:    d.ids("memberIds", hub.TypeStakeholder, filter.MemberIds),
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	return connection[model.ReferralNetworkConnection, model.ReferralNetworkEdge](r.model().ReferralNetworks(f), hub.ReferralNetworkKey, false, pageArgs{first, last, after, before}, asIs)
}

func (r *queryResolver) Referrals(ctx context.Context, first *int, after *string, last *int, before *string, filter *model.ReferralFilter) (*model.ReferralConnection, error) {
	f := hub.ReferralFilter{Viewer: viewer(ctx)}
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.ReferralFilter{
			NetworkIDs:   d.ids("networkIds", hub.TypeReferralNetwork, filter.NetworkIds),
			FromIDs:      d.ids("fromIds", hub.TypeStakeholder, filter.FromIds),
			ProviderIDs:  d.ids("providerIds", hub.TypeStakeholder, filter.ProviderIds),
			ServiceIDs:   d.ids("serviceIds", hub.TypeService, filter.ServiceIds),
			Statuses:     filter.Statuses,
			Categories:   filter.Categories,
			CommunityIDs: d.ids("communityIds", hub.TypeCommunity, filter.CommunityIds),
			AgeBands:     filter.AgeBands,
			From:         filter.From,
			To:           filter.To,
			Viewer:       viewer(ctx),
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	return connection[model.ReferralConnection, model.ReferralEdge](r.model().Referrals(f), hub.ReferralKey, true, pageArgs{first, last, after, before}, asIs)
}

func (r *subscriptionResolver) ReferralReceived(ctx context.Context, filter *model.ReferralSubscriptionFilter, after *string) (<-chan *hub.Event, error) {
	var providers []string
	if filter != nil {
		d := filterIDs{arg: "filter"}
		if providers = d.ids("providerIds", hub.TypeStakeholder, filter.ProviderIds); d.err != nil {
			return nil, d.err
		}
	}
	// An editor's referrals received are its own stakeholder's unless it
	// names providers (those it sent them, then, as the policy allows).
	if v := viewer(ctx); len(providers) == 0 && v.Role == hub.RoleEditor {
		providers = []string{v.StakeholderID}
	}
	return r.follow(ctx, after, r.model().ReferralReceived(viewer(ctx), providers))
}

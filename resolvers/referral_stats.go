package resolvers

import (
	"context"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
)

func (r *queryResolver) ReferralStats(ctx context.Context, filter *model.ReferralStatsFilter) (*hub.ReferralStats, error) {
	var f hub.ReferralStatsFilter
	if filter != nil {
		d := filterIDs{arg: "filter"}
		f = hub.ReferralStatsFilter{
			NetworkIDs:   d.ids("networkIds", hub.TypeReferralNetwork, filter.NetworkIds),
			CommunityIDs: d.ids("communityIds", hub.TypeCommunity, filter.CommunityIds),
			Categories:   filter.Categories,
			ProviderIDs:  d.ids("providerIds", hub.TypeStakeholder, filter.ProviderIds),
			From:         filter.From,
			To:           filter.To,
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	s := r.model().ReferralStats(viewer(ctx), f, r.Hub.Today())
	return &s, nil
}

// ReferralCommunityCount returns the resolver of a community's referral count.
func (r *Resolver) ReferralCommunityCount() graph.ReferralCommunityCountResolver {
	return &referralCommunityCountResolver{r}
}

type referralCommunityCountResolver struct{ *Resolver }

func (r *referralCommunityCountResolver) Community(ctx context.Context, c *hub.ReferralCommunityCount) (*hub.Community, error) {
	return hub.Communities.Get(r.model(), c.CommunityID), nil
}

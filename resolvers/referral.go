package resolvers

import (
	"context"

	"convene/graph"
	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
)

// Service returns the service resolver.
func (r *Resolver) Service() graph.ServiceResolver { return &serviceResolver{r} }

// Eligibility returns the eligibility resolver.
func (r *Resolver) Eligibility() graph.EligibilityResolver { return &eligibilityResolver{r} }

// ReferralNetwork returns the referral network resolver.
func (r *Resolver) ReferralNetwork() graph.ReferralNetworkResolver { return &networkResolver{r} }

// Referral returns the referral resolver.
func (r *Resolver) Referral() graph.ReferralResolver { return &referralResolver{r} }

// ReferralEvent returns the referral message resolver.
func (r *Resolver) ReferralEvent() graph.ReferralEventResolver { return &eventResolver{r} }

type serviceResolver struct{ *Resolver }

func (r *serviceResolver) ID(ctx context.Context, s *hub.Service) (string, error) {
	return opaque.GlobalID(hub.TypeService, s.ID), nil
}

func (r *serviceResolver) Provider(ctx context.Context, s *hub.Service) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), s.ProviderID), nil
}

func (r *serviceResolver) Communities(ctx context.Context, s *hub.Service) ([]*hub.Community, error) {
	return r.communities(s.CommunityIDs), nil
}

func (r *serviceResolver) OpeningHours(ctx context.Context, s *hub.Service) (*string, error) {
	return nonEmpty(s.OpeningHours), nil
}

func (r *serviceResolver) AcceptingReferrals(ctx context.Context, s *hub.Service) (bool, error) {
	return s.AcceptsReferrals(), nil
}

func (r *serviceResolver) Contacts(ctx context.Context, s *hub.Service) ([]*hub.Contact, error) {
	if !viewer(ctx).SeesField(hub.TypeService, "contacts") {
		return nil, nil
	}
	out := make([]*hub.Contact, len(s.Contacts))
	for i := range s.Contacts {
		out[i] = &s.Contacts[i]
	}
	return out, nil
}

func (r *serviceResolver) History(ctx context.Context, s *hub.Service, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeService, s.ID, pageArgs{first, last, after, before})
}

type eligibilityResolver struct{ *Resolver }

func (r *eligibilityResolver) Description(ctx context.Context, e *hub.Eligibility) (*string, error) {
	return nonEmpty(e.Description), nil
}

type networkResolver struct{ *Resolver }

func (r *networkResolver) ID(ctx context.Context, n *hub.ReferralNetwork) (string, error) {
	return opaque.GlobalID(hub.TypeReferralNetwork, n.ID), nil
}

func (r *networkResolver) Coordinator(ctx context.Context, n *hub.ReferralNetwork) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), n.CoordinatorID), nil
}

func (r *networkResolver) Community(ctx context.Context, n *hub.ReferralNetwork) (*hub.Community, error) {
	return hub.Communities.Get(r.model(), n.CommunityID), nil
}

func (r *networkResolver) Members(ctx context.Context, n *hub.ReferralNetwork) ([]*hub.Stakeholder, error) {
	out := make([]*hub.Stakeholder, 0, len(n.MemberIDs))
	for _, id := range n.MemberIDs {
		if s := hub.Stakeholders.Get(r.model(), id); s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

func (r *networkResolver) Services(ctx context.Context, n *hub.ReferralNetwork, first *int, after *string, last *int, before *string) (*model.ServiceConnection, error) {
	services := r.model().Services(hub.ServiceFilter{ProviderIDs: n.MemberIDs, CommunityIDs: []string{n.CommunityID}})
	return serviceConnection(services, pageArgs{first, last, after, before})
}

func (r *networkResolver) History(ctx context.Context, n *hub.ReferralNetwork, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeReferralNetwork, n.ID, pageArgs{first, last, after, before})
}

type referralResolver struct{ *Resolver }

func (r *referralResolver) ID(ctx context.Context, x *hub.Referral) (string, error) {
	return opaque.GlobalID(hub.TypeReferral, x.ID), nil
}

func (r *referralResolver) Network(ctx context.Context, x *hub.Referral) (*hub.ReferralNetwork, error) {
	return hub.ReferralNetworks.Get(r.model(), x.NetworkID), nil
}

func (r *referralResolver) From(ctx context.Context, x *hub.Referral) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), x.FromID), nil
}

func (r *referralResolver) Service(ctx context.Context, x *hub.Referral) (*hub.Service, error) {
	return hub.Services.Get(r.model(), x.ServiceID), nil
}

func (r *referralResolver) To(ctx context.Context, x *hub.Referral) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), x.ToID), nil
}

func (r *referralResolver) Community(ctx context.Context, x *hub.Referral) (*hub.Community, error) {
	return hub.Communities.Get(r.model(), x.CommunityID), nil
}

func (r *referralResolver) Sex(ctx context.Context, x *hub.Referral) (*hub.Sex, error) {
	return nonEmpty(x.Sex), nil
}

func (r *referralResolver) DeclineReason(ctx context.Context, x *hub.Referral) (*hub.DeclineReason, error) {
	return nonEmpty(x.DeclineReason), nil
}

func (r *referralResolver) NextStatuses(ctx context.Context, x *hub.Referral) ([]hub.ReferralStatus, error) {
	return hub.ReferralNext(x.Status), nil
}

func (r *referralResolver) History(ctx context.Context, x *hub.Referral, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeReferral, x.ID, pageArgs{first, last, after, before})
}

func (r *eventResolver) Referral(ctx context.Context, e *hub.Event) (*hub.Referral, error) {
	return hub.Referrals.Of(e.State), nil
}

// communities looks communities up by id, leaving out any that is gone.
func (r *Resolver) communities(ids []string) []*hub.Community {
	out := make([]*hub.Community, 0, len(ids))
	for _, id := range ids {
		if c := hub.Communities.Get(r.model(), id); c != nil {
			out = append(out, c)
		}
	}
	return out
}

func serviceConnection(items []*hub.Service, a pageArgs) (*model.ServiceConnection, error) {
	return connection[model.ServiceConnection, model.ServiceEdge](items, hub.ServiceKey, false, a, asIs)
}

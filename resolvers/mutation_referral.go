package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
)

func (r *mutationResolver) CreateService(ctx context.Context, in model.CreateServiceInput) (*model.CreateServicePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.ServiceInput{
		ProviderID: localID(hub.TypeStakeholder, in.ProviderID), Name: &in.Name, Description: in.Description,
		Category: &in.Category, Eligibility: eligibility(in.Eligibility), Capacity: in.Capacity,
		OpeningHours: in.OpeningHours, Status: in.Status,
	}
	ids := localIDs(hub.TypeCommunity, in.CommunityIds)
	cmd.CommunityIDs = &ids
	serviceLists(&cmd, in.Languages, in.Contacts)
	s, err := r.Hub.CreateService(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.CreateServicePayload{Service: s, UserErrors: ue}, err
}

func (r *mutationResolver) UpdateService(ctx context.Context, in model.UpdateServiceInput) (*model.UpdateServicePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.ServiceInput{
		ID: localID(hub.TypeService, in.ID), ExpectedVersion: in.ExpectedVersion,
		Name: in.Name, Description: in.Description, Category: in.Category, Eligibility: eligibility(in.Eligibility),
		Capacity: in.Capacity, ClearCapacity: deref(in.ClearCapacity), OpeningHours: in.OpeningHours, Status: in.Status,
	}
	if in.CommunityIds != nil {
		ids := localIDs(hub.TypeCommunity, in.CommunityIds)
		cmd.CommunityIDs = &ids
	}
	serviceLists(&cmd, in.Languages, in.Contacts)
	s, err := r.Hub.UpdateService(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateServicePayload{Service: s, UserErrors: ue}, err
}

// serviceLists sets the languages and contacts a service input gives
// (nil: left as they are).
func serviceLists(cmd *hub.ServiceInput, languages []string, cs []*model.ContactInput) {
	if languages != nil {
		cmd.Languages = &languages
	}
	if cs != nil {
		list := contacts(cs)
		cmd.Contacts = &list
	}
}

func eligibility(in *model.EligibilityInput) *hub.Eligibility {
	if in == nil {
		return nil
	}
	return &hub.Eligibility{MinAge: in.MinAge, MaxAge: in.MaxAge, Description: deref(in.Description)}
}

func (r *mutationResolver) CreateReferralNetwork(ctx context.Context, in model.CreateReferralNetworkInput) (*model.CreateReferralNetworkPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	coordinator, community := localID(hub.TypeStakeholder, in.CoordinatorID), localID(hub.TypeCommunity, in.CommunityID)
	members := localIDs(hub.TypeStakeholder, in.MemberIds)
	n, err := r.Hub.CreateReferralNetwork(ctx, actor, hub.ReferralNetworkInput{
		Name: &in.Name, CoordinatorID: &coordinator, CommunityID: &community, MemberIDs: &members,
	})
	ue, err := userErrors(err)
	return &model.CreateReferralNetworkPayload{ReferralNetwork: n, UserErrors: ue}, err
}

func (r *mutationResolver) UpdateReferralNetwork(ctx context.Context, in model.UpdateReferralNetworkInput) (*model.UpdateReferralNetworkPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.ReferralNetworkInput{ID: localID(hub.TypeReferralNetwork, in.ID), ExpectedVersion: in.ExpectedVersion, Name: in.Name}
	if in.CoordinatorID != nil {
		id := localID(hub.TypeStakeholder, *in.CoordinatorID)
		cmd.CoordinatorID = &id
	}
	if in.CommunityID != nil {
		id := localID(hub.TypeCommunity, *in.CommunityID)
		cmd.CommunityID = &id
	}
	if in.MemberIds != nil {
		ids := localIDs(hub.TypeStakeholder, in.MemberIds)
		cmd.MemberIDs = &ids
	}
	n, err := r.Hub.UpdateReferralNetwork(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateReferralNetworkPayload{ReferralNetwork: n, UserErrors: ue}, err
}

func (r *mutationResolver) MakeReferral(ctx context.Context, in model.MakeReferralInput) (*model.MakeReferralPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	x, err := r.Hub.MakeReferral(ctx, actor, hub.MakeReferralInput{
		NetworkID: localID(hub.TypeReferralNetwork, in.NetworkID), FromID: optionalLocalID(hub.TypeStakeholder, in.FromID),
		ServiceID: localID(hub.TypeService, in.ServiceID), Date: in.Date, AgeBand: in.AgeBand, Sex: deref(in.Sex),
	})
	ue, err := userErrors(err)
	return &model.MakeReferralPayload{Referral: x, UserErrors: ue}, err
}

func (r *mutationResolver) UpdateReferralStatus(ctx context.Context, in model.UpdateReferralStatusInput) (*model.UpdateReferralStatusPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	x, err := r.Hub.UpdateReferralStatus(ctx, actor, hub.UpdateReferralStatusInput{
		ID: localID(hub.TypeReferral, in.ID), ExpectedVersion: in.ExpectedVersion, Status: in.Status,
		DeclineReason: deref(in.DeclineReason), Date: in.Date,
	})
	ue, err := userErrors(err)
	return &model.UpdateReferralStatusPayload{Referral: x, UserErrors: ue}, err
}

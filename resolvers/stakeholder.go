package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
)

type stakeholderResolver struct{ *Resolver }

func (r *stakeholderResolver) ID(ctx context.Context, s *hub.Stakeholder) (string, error) {
	return opaque.GlobalID(hub.TypeStakeholder, s.ID), nil
}

func (r *stakeholderResolver) Acronym(ctx context.Context, s *hub.Stakeholder) (*string, error) {
	return nonEmpty(s.Acronym), nil
}

func (r *stakeholderResolver) Website(ctx context.Context, s *hub.Stakeholder) (*string, error) {
	return nonEmpty(s.Website), nil
}

func (r *stakeholderResolver) Parent(ctx context.Context, s *hub.Stakeholder) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), s.ParentID), nil
}

func (r *stakeholderResolver) Children(ctx context.Context, s *hub.Stakeholder) ([]*hub.Stakeholder, error) {
	return r.model().ChildrenOf(s.ID), nil
}

func (r *stakeholderResolver) Commitments(ctx context.Context, s *hub.Stakeholder, first *int, after *string, last *int, before *string, roles []hub.ParticipantRole) (*model.CommitmentConnection, error) {
	return r.commitmentConnection(r.model().CommitmentsOf(s.ID, roles), hub.CommitmentOrder{Field: hub.OrderByReference}, pageArgs{first, last, after, before})
}

func (r *stakeholderResolver) History(ctx context.Context, s *hub.Stakeholder, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeStakeholder, s.ID, pageArgs{first, last, after, before})
}

func (r *stakeholderResolver) Contacts(ctx context.Context, s *hub.Stakeholder) ([]*hub.Contact, error) {
	if !viewer(ctx).SeesField(hub.TypeStakeholder, "contacts") {
		return nil, nil
	}
	out := make([]*hub.Contact, len(s.Contacts))
	for i := range s.Contacts {
		out[i] = &s.Contacts[i]
	}
	return out, nil
}

// nonEmpty maps "" to null.
func nonEmpty[S ~string](s S) *S {
	if s == "" {
		return nil
	}
	return &s
}

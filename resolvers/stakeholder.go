package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

type stakeholderResolver struct{ *Resolver }

func (r *stakeholderResolver) ID(ctx context.Context, s *hub.Stakeholder) (string, error) {
	return opaque.GlobalID(hub.TypeStakeholder, s.ID), nil
}

func (r *stakeholderResolver) Parent(ctx context.Context, s *hub.Stakeholder) (*hub.Stakeholder, error) {
	get, err := r.lookupAt(ctx)
	if err != nil || s.ParentID == "" {
		return nil, err
	}
	return gqltype.As[hub.Stakeholder](get(hub.TypeStakeholder, s.ParentID)), nil
}

func (r *stakeholderResolver) Children(ctx context.Context, s *hub.Stakeholder) ([]*hub.Stakeholder, error) {
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	return m.ChildrenOf(s.ID), nil
}

func (r *stakeholderResolver) Commitments(ctx context.Context, s *hub.Stakeholder, first *int, after *string, last *int, before *string, roles []hub.ParticipantRole) (*model.CommitmentConnection, error) {
	m, err := r.modelAt(ctx)
	if err != nil {
		return nil, err
	}
	return r.commitmentConnection(m, m.CommitmentsOf(s.ID, roles), hub.CommitmentOrder{Field: hub.OrderByReference}, pageArgs{first, last, after, before})
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

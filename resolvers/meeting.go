package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

type meetingResolver struct{ *Resolver }

func (r *meetingResolver) ID(ctx context.Context, m *hub.Meeting) (string, error) {
	return opaque.GlobalID(hub.TypeMeeting, m.ID), nil
}

func (r *meetingResolver) Convener(ctx context.Context, m *hub.Meeting) (*hub.Stakeholder, error) {
	return hub.Stakeholders.Get(r.model(), m.ConvenerID), nil
}

func (r *meetingResolver) Outcomes(ctx context.Context, m *hub.Meeting) ([]*gqltype.MeetingOutcome, error) {
	return r.outcomes(r.model().OutcomesOfMeeting(m.ID, viewer(ctx))), nil
}

func (r *meetingResolver) History(ctx context.Context, m *hub.Meeting, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeMeeting, m.ID, pageArgs{first, last, after, before})
}

// Participants are the meeting's, each with its stakeholder looked up.
func (r *meetingResolver) Participants(ctx context.Context, m *hub.Meeting) ([]*gqltype.MeetingParticipant, error) {
	views := make([]gqltype.MeetingParticipant, len(m.Participants))
	out := make([]*gqltype.MeetingParticipant, len(m.Participants))
	get := hub.Stakeholders.Lookup(r.model())
	for i, p := range m.Participants {
		views[i] = gqltype.MeetingParticipant{MeetingParticipant: p, Stakeholder: get(p.StakeholderID)}
		out[i] = &views[i]
	}
	return out, nil
}

type outcomeResolver struct{ *Resolver }

func (r *outcomeResolver) Commitments(ctx context.Context, o *gqltype.MeetingOutcome) ([]*gqltype.Commitment, error) {
	out := make([]*gqltype.Commitment, 0, len(o.CommitmentIDs))
	for _, id := range o.CommitmentIDs {
		if c := hub.Commitments.Get(r.model(), id); c != nil {
			out = append(out, r.commitment(c))
		}
	}
	return out, nil
}

func (r *outcomeResolver) History(ctx context.Context, o *gqltype.MeetingOutcome, first *int, after *string, last *int, before *string) (*model.ChangeConnection, error) {
	return r.historyConnection(ctx, hub.TypeOutcome, o.ID, pageArgs{first, last, after, before})
}

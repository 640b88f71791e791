package resolvers

import (
	"context"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
	"convene/resolvers/gqltype"
)

// Each mutation reads the writer, translates its input to the domain's
// (global IDs to local ones), runs the command and splits the outcome:
// validation failures become userErrors, anything else a GraphQL error.

type mutationResolver struct{ *Resolver }

func (r *mutationResolver) CreateStakeholder(ctx context.Context, in model.CreateStakeholderInput) (*model.CreateStakeholderPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	s, err := r.Hub.CreateStakeholder(ctx, actor, hub.CreateStakeholderInput{
		Name: in.Name, Acronym: deref(in.Acronym), Sector: in.Sector, Description: deref(in.Description),
		Website: deref(in.Website), ParentID: optionalLocalID(hub.TypeStakeholder, in.ParentID),
		Contacts: contacts(in.Contacts),
	})
	ue, err := userErrors(err)
	return &model.CreateStakeholderPayload{Stakeholder: s, UserErrors: ue}, err
}

func (r *mutationResolver) UpdateStakeholder(ctx context.Context, in model.UpdateStakeholderInput) (*model.UpdateStakeholderPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.UpdateStakeholderInput{
		ID: localID(hub.TypeStakeholder, in.ID), ExpectedVersion: in.ExpectedVersion,
		Name: in.Name, Acronym: in.Acronym, Sector: in.Sector, Description: in.Description, Website: in.Website,
		ClearParent: deref(in.ClearParent),
	}
	if in.Contacts != nil {
		cs := contacts(in.Contacts)
		cmd.Contacts = &cs
	}
	if in.ParentID != nil {
		id := localID(hub.TypeStakeholder, *in.ParentID)
		cmd.ParentID = &id
	}
	s, err := r.Hub.UpdateStakeholder(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateStakeholderPayload{Stakeholder: s, UserErrors: ue}, err
}

func (r *mutationResolver) CreateCommitment(ctx context.Context, in model.CreateCommitmentInput) (*model.CreateCommitmentPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.CreateCommitmentInput{
		ObjectiveID: localID(hub.TypeObjective, in.ObjectiveID), LeadID: localID(hub.TypeStakeholder, in.LeadID),
		Title: in.Title, Description: deref(in.Description), Participants: participants(in.Participants),
		StartDate: in.StartDate, DueDate: in.DueDate, CommunityIDs: localIDs(hub.TypeCommunity, in.CommunityIds),
		Indicators: indicators(in.Indicators), Weight: in.Weight,
	}
	if in.ParentID != nil {
		cmd.ParentID = localID(hub.TypeCommitment, *in.ParentID)
	}
	c, err := r.Hub.CreateCommitment(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.CreateCommitmentPayload{Commitment: r.commitment(c), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateCommitment(ctx context.Context, in model.UpdateCommitmentInput) (*model.UpdateCommitmentPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.UpdateCommitmentInput{
		ID: localID(hub.TypeCommitment, in.ID), ExpectedVersion: in.ExpectedVersion,
		Title: in.Title, Description: in.Description, StartDate: in.StartDate, DueDate: in.DueDate,
	}
	if in.ObjectiveID != nil {
		id := localID(hub.TypeObjective, *in.ObjectiveID)
		cmd.ObjectiveID = &id
	}
	if in.LeadID != nil {
		id := localID(hub.TypeStakeholder, *in.LeadID)
		cmd.LeadID = &id
	}
	if in.Participants != nil {
		ps := participants(in.Participants)
		cmd.Participants = &ps
	}
	if in.CommunityIds != nil {
		ids := localIDs(hub.TypeCommunity, in.CommunityIds)
		cmd.CommunityIDs = &ids
	}
	if in.Indicators != nil {
		inds := indicators(in.Indicators)
		cmd.Indicators = &inds
	}
	if in.ParentID != nil {
		id := localID(hub.TypeCommitment, *in.ParentID)
		cmd.ParentID = &id
	}
	cmd.ClearParent, cmd.Weight = deref(in.ClearParent), in.Weight
	c, err := r.Hub.UpdateCommitment(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateCommitmentPayload{Commitment: r.commitment(c), UserErrors: ue}, err
}

func (r *mutationResolver) ReportProgress(ctx context.Context, in model.ReportProgressInput) (*model.ReportProgressPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	values := make([]hub.IndicatorValue, 0, len(in.IndicatorValues))
	for _, v := range in.IndicatorValues {
		values = append(values, hub.IndicatorValue{Name: v.Name, Value: v.Value})
	}
	c, rep, err := r.Hub.ReportProgress(ctx, actor, hub.ReportProgressInput{
		CommitmentID: localID(hub.TypeCommitment, in.CommitmentID), ExpectedVersion: in.ExpectedVersion,
		Progress: in.Progress, Status: in.Status, Note: in.Note, IndicatorValues: values,
		PeriodActuals: periodActuals(in.PeriodActuals),
	})
	ue, err := userErrors(err)
	var view *gqltype.ProgressReport
	if rep != nil {
		view, err = r.reportView(c, c.ReportCount)
	}
	return &model.ReportProgressPayload{Commitment: r.commitment(c), ProgressReport: view, UserErrors: ue}, err
}

func (r *mutationResolver) VerifyProgressReport(ctx context.Context, in model.VerifyProgressReportInput) (*model.VerifyProgressReportPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	// An ID that names no report is refused as a report that is not there.
	commitmentID, n, _ := opaque.ParseReportID(in.ReportID)
	c, _, err := r.Hub.VerifyProgressReport(ctx, actor, hub.VerifyReportInput{
		CommitmentID: commitmentID, Report: n, Verdict: in.Verdict, Note: in.Note, Evidence: in.Evidence,
	})
	ue, err := userErrors(err)
	var view *gqltype.ProgressReport
	if c != nil {
		view, err = r.reportView(c, n)
	}
	return &model.VerifyProgressReportPayload{Commitment: r.commitment(c), ProgressReport: view, UserErrors: ue}, err
}

func (r *mutationResolver) ScheduleMeeting(ctx context.Context, in model.ScheduleMeetingInput) (*model.ScheduleMeetingPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	m, err := r.Hub.ScheduleMeeting(ctx, actor, hub.ScheduleMeetingInput{
		Title: in.Title, Description: deref(in.Description), StartsAt: in.StartsAt, EndsAt: in.EndsAt,
		Location: in.Location, ConvenerID: localID(hub.TypeStakeholder, in.ConvenerID),
		Participants: meetingParticipants(in.Participants), Agenda: agenda(in.Agenda),
		Private: deref(in.Private),
	})
	ue, err := userErrors(err)
	return &model.ScheduleMeetingPayload{Meeting: m, UserErrors: ue}, err
}

func (r *mutationResolver) UpdateMeeting(ctx context.Context, in model.UpdateMeetingInput) (*model.UpdateMeetingPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	cmd := hub.UpdateMeetingInput{
		ID: localID(hub.TypeMeeting, in.ID), ExpectedVersion: in.ExpectedVersion,
		Title: in.Title, Description: in.Description, StartsAt: in.StartsAt, EndsAt: in.EndsAt,
		Location: in.Location, Status: in.Status, Minutes: in.Minutes, Private: in.Private,
	}
	if in.Participants != nil {
		ps := meetingParticipants(in.Participants)
		cmd.Participants = &ps
	}
	if in.Agenda != nil {
		items := agenda(in.Agenda)
		cmd.Agenda = &items
	}
	m, err := r.Hub.UpdateMeeting(ctx, actor, cmd)
	ue, err := userErrors(err)
	return &model.UpdateMeetingPayload{Meeting: m, UserErrors: ue}, err
}

func (r *mutationResolver) RecordMeetingOutcome(ctx context.Context, in model.RecordMeetingOutcomeInput) (*model.RecordMeetingOutcomePayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	o, err := r.Hub.RecordOutcome(ctx, actor, hub.RecordOutcomeInput{
		MeetingID: localID(hub.TypeMeeting, in.MeetingID), Kind: in.Kind, Summary: in.Summary,
		Details: deref(in.Details), OwnerID: optionalLocalID(hub.TypeStakeholder, in.OwnerID),
		DueDate: in.DueDate, CommitmentIDs: localIDs(hub.TypeCommitment, in.CommitmentIds),
	})
	ue, err := userErrors(err)
	return &model.RecordMeetingOutcomePayload{Outcome: r.outcome(o), UserErrors: ue}, err
}

func (r *mutationResolver) UpdateOutcomeStatus(ctx context.Context, in model.UpdateOutcomeStatusInput) (*model.UpdateOutcomeStatusPayload, error) {
	actor, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	o, err := r.Hub.UpdateOutcomeStatus(ctx, actor, hub.UpdateOutcomeStatusInput{
		ID: localID(hub.TypeOutcome, in.ID), ExpectedVersion: in.ExpectedVersion, Status: in.Status, Note: deref(in.Note),
	})
	ue, err := userErrors(err)
	return &model.UpdateOutcomeStatusPayload{Outcome: r.outcome(o), UserErrors: ue}, err
}

func participants(in []*model.ParticipantInput) []hub.Participant {
	out := make([]hub.Participant, len(in))
	for i, p := range in {
		out[i] = hub.Participant{StakeholderID: localID(hub.TypeStakeholder, p.StakeholderID), Role: p.Role}
	}
	return out
}

func indicators(in []*model.IndicatorInput) []hub.Indicator {
	out := make([]hub.Indicator, len(in))
	for i, ind := range in {
		out[i] = hub.Indicator{Name: ind.Name, Unit: ind.Unit, Baseline: ind.Baseline, Target: ind.Target,
			BaselineDate: deref(ind.BaselineDate), BaselineNote: deref(ind.BaselineNote), Additive: deref(ind.Additive)}
		for _, p := range ind.Periods {
			out[i].Periods = append(out[i].Periods, hub.IndicatorPeriod{Start: p.Start, End: p.End, Target: p.Target,
				Actual: p.Actual, Note: deref(p.Note), Breakdown: breakdown(p.Breakdown)})
		}
	}
	return out
}

func periodActuals(in []*model.PeriodActualInput) []hub.PeriodActual {
	out := make([]hub.PeriodActual, len(in))
	for i, a := range in {
		out[i] = hub.PeriodActual{Indicator: a.Indicator, PeriodStart: a.PeriodStart, Actual: a.Actual, Note: deref(a.Note), Breakdown: breakdown(a.Breakdown)}
	}
	return out
}

// breakdown decodes parts; a community is named by its global ID.
func breakdown(in []*model.DisaggregationInput) []hub.Disaggregation {
	var out []hub.Disaggregation
	for _, d := range in {
		v := d.Value
		if d.Dimension == hub.ByCommunity {
			v = localID(hub.TypeCommunity, v)
		}
		out = append(out, hub.Disaggregation{Dimension: d.Dimension, Value: v, Actual: d.Actual})
	}
	return out
}

func meetingParticipants(in []*model.MeetingParticipantInput) []hub.MeetingParticipant {
	out := make([]hub.MeetingParticipant, len(in))
	for i, p := range in {
		out[i] = hub.MeetingParticipant{StakeholderID: localID(hub.TypeStakeholder, p.StakeholderID), Attendance: deref(p.Attendance)}
	}
	return out
}

func agenda(in []*model.AgendaItemInput) []hub.AgendaItem {
	out := make([]hub.AgendaItem, len(in))
	for i, a := range in {
		out[i] = hub.AgendaItem{Title: a.Title, DurationMinutes: a.DurationMinutes}
	}
	return out
}

func contacts(in []*model.ContactInput) []hub.Contact {
	out := make([]hub.Contact, len(in))
	for i, c := range in {
		out[i] = hub.Contact{Name: c.Name, Title: deref(c.Title), Email: deref(c.Email), Phone: deref(c.Phone)}
	}
	return out
}

package hub

import (
	"context"
	"strconv"
	"time"
)

// ScheduleMeetingInput is a meeting to schedule. ID and At are set only by
// seed data.
type ScheduleMeetingInput struct {
	ID           string
	Title        string
	Description  string
	StartsAt     time.Time
	EndsAt       time.Time
	Location     string
	ConvenerID   string
	Participants []MeetingParticipant
	Agenda       []AgendaItem
	Private      bool
	At           time.Time
}

// ScheduleMeeting schedules a coordination meeting.
func (h *Hub) ScheduleMeeting(ctx context.Context, actor Actor, in ScheduleMeetingInput) (*Meeting, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		m := &Meeting{
			Meta:        Meta{ID: in.ID},
			Title:       c.text(in.Title, 300, "title"),
			Description: c.optionalText(in.Description, 5000, "description"),
			StartsAt:    in.StartsAt.UTC(),
			EndsAt:      in.EndsAt.UTC(),
			Location:    c.text(in.Location, 300, "location"),
			ConvenerID:  in.ConvenerID,
			Status:      Scheduled,
			Private:     in.Private,
		}
		if m.ID == "" {
			m.ID = newID()
		} else if Meetings.Get(h.model, m.ID) != nil {
			c.add(CodeTaken, "a meeting with this id exists", "id")
		}
		m.Participants = h.checkMeetingParticipants(&c, in.Participants)
		m.Agenda = checkAgenda(&c, in.Agenda)
		h.checkMeeting(&c, m)
		if err := c.err(); err != nil {
			return nil, err
		}
		return h.event("MeetingScheduled", actor, in.At, nil, m), nil
	})
	if err != nil {
		return nil, err
	}
	return Meetings.Of(e.State), nil
}

// UpdateMeetingInput changes a meeting; nil fields stay as they are.
type UpdateMeetingInput struct {
	ID              string
	ExpectedVersion *int
	Title           *string
	Description     *string
	StartsAt        *time.Time
	EndsAt          *time.Time
	Location        *string
	Participants    *[]MeetingParticipant
	Agenda          *[]AgendaItem
	Status          *MeetingStatus
	Minutes         *string
	Private         *bool
	At              time.Time
}

// UpdateMeeting changes a meeting. A held meeting cannot go back to
// scheduled or be cancelled; minutes belong to held meetings.
func (h *Hub) UpdateMeeting(ctx context.Context, actor Actor, in UpdateMeetingInput) (*Meeting, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Meetings.Get(h.model, in.ID)
		if old == nil {
			c.exists(false, "meeting", "id")
			return nil, c.err()
		}
		if err := checkVersion(TypeMeeting, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		m := *old
		if in.Title != nil {
			m.Title = c.text(*in.Title, 300, "title")
		}
		if in.Description != nil {
			m.Description = c.optionalText(*in.Description, 5000, "description")
		}
		if in.StartsAt != nil {
			m.StartsAt = in.StartsAt.UTC()
		}
		if in.EndsAt != nil {
			m.EndsAt = in.EndsAt.UTC()
		}
		if in.Location != nil {
			m.Location = c.text(*in.Location, 300, "location")
		}
		if in.Participants != nil {
			m.Participants = h.checkMeetingParticipants(&c, *in.Participants)
		}
		if in.Agenda != nil {
			m.Agenda = checkAgenda(&c, *in.Agenda)
		}
		if in.Status != nil {
			checkTransition(&c, meetingNext, "meeting", old.Status, *in.Status, "status")
			m.Status = *in.Status
		}
		if in.Private != nil {
			m.Private = *in.Private
		}
		if in.Minutes != nil {
			minutes := c.optionalText(*in.Minutes, 100000, "minutes")
			m.Minutes = &minutes
			if m.Status != Held {
				c.add(CodeNotAllowed, "minutes can be recorded only for a held meeting", "minutes")
			}
		}
		h.checkMeeting(&c, &m)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, &m) {
			return nil, nil
		}
		return h.event("MeetingUpdated", actor, in.At, old, &m), nil
	})
	if err != nil {
		return nil, err
	}
	return Meetings.Get(h.model, in.ID), nil
}

func (h *Hub) checkMeeting(c *checker, m *Meeting) {
	if Stakeholders.Get(h.model, m.ConvenerID) == nil {
		c.exists(false, "stakeholder", "convenerId")
	}
	if m.StartsAt.IsZero() {
		c.add(CodeRequired, "is required", "startsAt")
	}
	if !m.EndsAt.After(m.StartsAt) {
		c.add(CodeInvalid, "must be after startsAt", "endsAt")
	}
}

func (h *Hub) checkMeetingParticipants(c *checker, ps []MeetingParticipant) []MeetingParticipant {
	out := make([]MeetingParticipant, 0, len(ps))
	seen := map[string]bool{}
	for i, p := range ps {
		at := []string{"participants", strconv.Itoa(i)}
		if p.Attendance == "" {
			p.Attendance = Invited
		}
		switch {
		case Stakeholders.Get(h.model, p.StakeholderID) == nil:
			c.exists(false, "stakeholder", append(at, "stakeholderId")...)
		case seen[p.StakeholderID]:
			c.add(CodeInvalid, "listed twice", append(at, "stakeholderId")...)
		case !among([]Attendance{Invited, Attended, Apologies}, p.Attendance):
			c.add(CodeInvalid, "unknown attendance", append(at, "attendance")...)
		}
		seen[p.StakeholderID] = true
		out = append(out, p)
	}
	return out
}

func checkAgenda(c *checker, items []AgendaItem) []AgendaItem {
	out := make([]AgendaItem, 0, len(items))
	for i, it := range items {
		at := []string{"agenda", strconv.Itoa(i)}
		it.Title = c.text(it.Title, 300, append(at, "title")...)
		if it.DurationMinutes < 1 || it.DurationMinutes > 600 {
			c.add(CodeInvalid, "must be between 1 and 600 minutes", append(at, "durationMinutes")...)
		}
		out = append(out, it)
	}
	return out
}

// RecordOutcomeInput is an outcome to record. ID and At are set only by seed data.
type RecordOutcomeInput struct {
	ID            string
	MeetingID     string
	Kind          OutcomeKind
	Summary       string
	Details       string
	OwnerID       string
	DueDate       *Date
	CommitmentIDs []string
	Status        OutcomeStatus
	At            time.Time
}

// RecordOutcome records a structured outcome of a meeting that is not cancelled.
func (h *Hub) RecordOutcome(ctx context.Context, actor Actor, in RecordOutcomeInput) (*MeetingOutcome, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		o := &MeetingOutcome{
			Meta:          Meta{ID: in.ID},
			MeetingID:     in.MeetingID,
			Kind:          in.Kind,
			Summary:       c.text(in.Summary, 500, "summary"),
			Details:       c.optionalText(in.Details, 10000, "details"),
			OwnerID:       in.OwnerID,
			DueDate:       in.DueDate,
			Status:        in.Status,
			CommitmentIDs: dedupe(in.CommitmentIDs),
			RecordedBy:    actor,
		}
		if o.ID == "" {
			o.ID = newID()
		} else if Outcomes.Get(h.model, o.ID) != nil {
			c.add(CodeTaken, "an outcome with this id exists", "id")
		}
		if o.Status == "" {
			o.Status = OutcomeOpen
		}
		switch m := Meetings.Get(h.model, in.MeetingID); {
		case m == nil:
			c.exists(false, "meeting", "meetingId")
		case m.Status == MeetingCanceled:
			c.add(CodeNotAllowed, "the meeting was cancelled", "meetingId")
		}
		if !among([]OutcomeKind{Decision, ActionItem, Agreement, Recommendation}, o.Kind) {
			c.add(CodeInvalid, "unknown kind", "kind")
		}
		if o.OwnerID != "" && Stakeholders.Get(h.model, o.OwnerID) == nil {
			c.exists(false, "stakeholder", "ownerId")
		}
		if o.DueDate != nil {
			checkDate(&c, *o.DueDate, "dueDate")
		}
		for i, id := range o.CommitmentIDs {
			c.exists(Commitments.Get(h.model, id) != nil, "commitment", "commitmentIds", strconv.Itoa(i))
		}
		if err := c.err(); err != nil {
			return nil, err
		}
		e := h.event("MeetingOutcomeRecorded", actor, in.At, nil, o)
		o.RecordedAt = e.At
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return Outcomes.Of(e.State), nil
}

// UpdateOutcomeStatusInput moves an outcome to a new status.
type UpdateOutcomeStatusInput struct {
	ID              string
	ExpectedVersion *int
	Status          OutcomeStatus
	Note            string
}

// UpdateOutcomeStatus moves an outcome to a new status; the note goes into
// the change's history entry.
func (h *Hub) UpdateOutcomeStatus(ctx context.Context, actor Actor, in UpdateOutcomeStatusInput) (*MeetingOutcome, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Outcomes.Get(h.model, in.ID)
		if old == nil || !h.model.CanSee(viewerOf(actor), TypeOutcome, old.ID) {
			c.exists(false, "meeting outcome", "id")
			return nil, c.err()
		}
		if err := canUpdateOutcome(actor, old); err != nil {
			return nil, err
		}
		if err := checkVersion(TypeOutcome, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		checkTransition(&c, outcomeNext, "meeting outcome", old.Status, in.Status, "status")
		note := c.optionalText(in.Note, 5000, "note")
		if err := c.err(); err != nil {
			return nil, err
		}
		if old.Status == in.Status {
			return nil, nil
		}
		o := *old
		o.Status = in.Status
		e := h.event("MeetingOutcomeStatusChanged", actor, time.Time{}, old, &o)
		if note != "" {
			e.Changes = append(e.Changes, FieldChange{Field: "note", After: jsonString(note)})
		}
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return Outcomes.Get(h.model, in.ID), nil
}

package hub

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CreateCommitmentInput is a new commitment. Reference and At are set only
// when loading seed data; otherwise the next reference under the objective
// is allocated and the time is now.
type CreateCommitmentInput struct {
	Reference    string
	ObjectiveID  string
	LeadID       string
	Title        string
	Description  string
	Participants []Participant
	StartDate    Date
	DueDate      Date
	CommunityIDs []string
	Indicators   []Indicator
	ParentID     string   // the commitment it is part of, if any
	Weight       *float64 // its share of the parent's roll-up; nil is the default, 1
	At           time.Time
}

// CreateCommitment records a new commitment, NOT_STARTED at 0%.
func (h *Hub) CreateCommitment(ctx context.Context, actor Actor, in CreateCommitmentInput) (*Commitment, error) {
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		cm := &Commitment{
			Title:        c.text(in.Title, 300, "title"),
			Description:  c.optionalText(in.Description, 5000, "description"),
			ObjectiveID:  in.ObjectiveID,
			LeadID:       in.LeadID,
			Status:       NotStarted,
			StartDate:    in.StartDate,
			DueDate:      in.DueDate,
			CommunityIDs: dedupe(in.CommunityIDs),
			Indicators:   h.checkIndicators(&c, in.Indicators, nil),
			ParentID:     in.ParentID,
			RollUpWeight: checkWeight(&c, in.Weight),
		}
		cm.Participants = h.checkParticipants(&c, in.LeadID, in.Participants)
		if err := canEditCommitment(actor, cm); err != nil {
			return nil, err
		}
		h.checkCommitment(&c, nil, cm)
		h.checkTree(&c, actor, nil, cm)
		if err := c.err(); err != nil {
			return nil, err
		}
		cm.ID = in.Reference
		if cm.ID == "" {
			cm.ID = h.nextReference(Objectives.Get(h.model, cm.ObjectiveID))
		} else if Commitments.Get(h.model, cm.ID) != nil {
			c.add(CodeTaken, "a commitment with this reference exists", "reference")
			return nil, c.err()
		}
		return h.event("CommitmentCreated", actor, in.At, nil, cm), nil
	})
	if err != nil {
		return nil, err
	}
	return Commitments.Of(e.State), nil
}

// nextReference allocates "C-<objective code>-NNN" one past the highest in
// use. Two instances may pick the same one: the log's (stream, version)
// key lets only one create it, and the other retries with the next.
func (h *Hub) nextReference(o *Objective) string {
	prefix := "C-" + o.Code + "-"
	return fmt.Sprintf("%s%03d", prefix, h.model.highestReference(prefix)+1)
}

// UpdateCommitmentInput changes a commitment; nil fields stay as they are.
type UpdateCommitmentInput struct {
	ID              string
	ExpectedVersion *int
	Title           *string
	Description     *string
	ObjectiveID     *string
	LeadID          *string
	Participants    *[]Participant
	StartDate       *Date
	DueDate         *Date
	CommunityIDs    *[]string
	Indicators      *[]Indicator
	ParentID        *string
	ClearParent     bool
	Weight          *float64
}

// UpdateCommitment changes a commitment's description, dates, participants
// or indicators.
func (h *Hub) UpdateCommitment(ctx context.Context, actor Actor, in UpdateCommitmentInput) (*Commitment, error) {
	_, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Commitments.Get(h.model, in.ID)
		if old == nil {
			c.exists(false, "commitment", "id")
			return nil, c.err()
		}
		if err := canEditCommitment(actor, old); err != nil {
			return nil, err
		}
		if err := checkVersion(TypeCommitment, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		cm := *old
		if in.Title != nil {
			cm.Title = c.text(*in.Title, 300, "title")
		}
		if in.Description != nil {
			cm.Description = c.optionalText(*in.Description, 5000, "description")
		}
		if in.ObjectiveID != nil {
			cm.ObjectiveID = *in.ObjectiveID
		}
		if in.StartDate != nil {
			cm.StartDate = *in.StartDate
		}
		if in.DueDate != nil {
			cm.DueDate = *in.DueDate
		}
		if in.CommunityIDs != nil {
			cm.CommunityIDs = dedupe(*in.CommunityIDs)
		}
		if in.Indicators != nil {
			cm.Indicators = h.checkIndicators(&c, *in.Indicators, old.Indicators)
		}
		switch {
		case in.ClearParent && in.ParentID != nil:
			c.add(CodeInvalid, "give parentId or clearParent, not both", "clearParent")
		case in.ClearParent:
			cm.ParentID = ""
		case in.ParentID != nil:
			cm.ParentID = *in.ParentID
		}
		if in.Weight != nil {
			cm.RollUpWeight = checkWeight(&c, in.Weight)
		}
		if in.LeadID != nil || in.Participants != nil {
			lead, others := old.LeadID, old.Participants[1:]
			if in.LeadID != nil {
				lead = *in.LeadID
			}
			if in.Participants != nil {
				others = *in.Participants
			} else {
				others = without(others, lead)
			}
			cm.LeadID = lead
			cm.Participants = h.checkParticipants(&c, lead, others)
		}
		if err := canEditCommitment(actor, &cm); err != nil {
			return nil, forbidden("an editor may not remove its own stakeholder from a commitment")
		}
		h.checkCommitment(&c, old, &cm)
		h.checkTree(&c, actor, old, &cm)
		if err := c.err(); err != nil {
			return nil, err
		}
		if equalJSON(old, &cm) {
			return nil, nil
		}
		return h.event("CommitmentUpdated", actor, time.Time{}, old, &cm), nil
	})
	if err != nil {
		return nil, err
	}
	return Commitments.Get(h.model, in.ID), nil
}

// checkCommitment checks references and dates, and derives the pillar.
// old is the commitment before the change (nil for a new one): what it
// already refers to may be archived, a new choice may not.
func (h *Hub) checkCommitment(c *checker, old, cm *Commitment) {
	if o := Objectives.Get(h.model, cm.ObjectiveID); o == nil {
		c.exists(false, "objective", "objectiveId")
	} else {
		cm.PillarID = o.PillarID
		if (old == nil || old.ObjectiveID != cm.ObjectiveID) && h.objectiveArchived(o) {
			c.add(CodeNotAllowed, "this objective, its pillar or its plan is archived: choose a current objective", "objectiveId")
		}
	}
	if Stakeholders.Get(h.model, cm.LeadID) == nil {
		c.exists(false, "stakeholder", "leadId")
	}
	checkDate(c, cm.StartDate, "startDate")
	checkDate(c, cm.DueDate, "dueDate")
	if cm.StartDate != "" && cm.DueDate != "" && cm.DueDate < cm.StartDate {
		c.add(CodeInvalid, "must not be before startDate", "dueDate")
	}
	checkPeriodDates(c, cm)
	for i, id := range cm.CommunityIDs {
		cmy := Communities.Get(h.model, id)
		c.exists(cmy != nil, "community", "communityIds", strconv.Itoa(i))
		if cmy != nil && cmy.Archived && (old == nil || !slices.Contains(old.CommunityIDs, id)) {
			c.add(CodeNotAllowed, "this community is archived: it cannot be added to a commitment", "communityIds", strconv.Itoa(i))
		}
	}
}

// checkParticipants returns the lead followed by the other participants.
func (h *Hub) checkParticipants(c *checker, leadID string, others []Participant) []Participant {
	out := []Participant{{StakeholderID: leadID, Role: RoleLead}}
	seen := map[string]bool{leadID: true}
	for i, p := range others {
		at := []string{"participants", strconv.Itoa(i)}
		switch {
		case Stakeholders.Get(h.model, p.StakeholderID) == nil:
			c.exists(false, "stakeholder", append(at, "stakeholderId")...)
		case seen[p.StakeholderID] && p.StakeholderID == leadID:
			c.add(CodeInvalid, "the lead is already a participant", append(at, "stakeholderId")...)
		case seen[p.StakeholderID]:
			c.add(CodeInvalid, "listed twice", append(at, "stakeholderId")...)
		case p.Role == RoleLead:
			c.add(CodeInvalid, "set the lead with leadId", append(at, "role")...)
		case !among([]ParticipantRole{RoleImplementing, RoleFunding, RoleSupporting}, p.Role):
			c.add(CodeInvalid, "unknown role", append(at, "role")...)
		}
		seen[p.StakeholderID] = true
		out = append(out, p)
	}
	return out
}

// checkIndicators validates indicators, keeping the latest values of those
// that keep their name.
func (h *Hub) checkIndicators(c *checker, ins []Indicator, old []Indicator) []Indicator {
	out := make([]Indicator, 0, len(ins))
	seen := map[string]bool{}
	for i, ind := range ins {
		at := []string{"indicators", strconv.Itoa(i)}
		ind.Name = c.text(ind.Name, 200, append(at, "name")...)
		ind.Unit = c.text(ind.Unit, 50, append(at, "unit")...)
		if seen[strings.ToLower(ind.Name)] {
			c.add(CodeInvalid, "two indicators have this name", append(at, "name")...)
		}
		seen[strings.ToLower(ind.Name)] = true
		var prev *Indicator
		for j := range old {
			if old[j].Name == ind.Name {
				prev = &old[j]
			}
		}
		if ind.LatestValue == nil && prev != nil {
			ind.LatestValue = prev.LatestValue
		}
		h.checkIndicatorDetails(c, &ind, prev, at)
		out = append(out, ind)
	}
	return out
}

// ReportProgressInput is a progress report. At is set only by seed data
// and imports; otherwise the report is made now.
type ReportProgressInput struct {
	CommitmentID    string
	ExpectedVersion *int
	Progress        int
	Status          *CommitmentStatus
	Note            string
	IndicatorValues []IndicatorValue
	// PeriodActuals are actuals of the indicators' periods.
	PeriodActuals []PeriodActual
	At            time.Time
}

// IndicatorValue is the latest value of a named indicator.
type IndicatorValue struct {
	Name  string
	Value float64
}

// ReportProgress records a progress report and moves the commitment's
// progress and status. Without a status, the status stays as it is; a
// new one must be allowed to follow the old (see status.go).
func (h *Hub) ReportProgress(ctx context.Context, actor Actor, in ReportProgressInput) (*Commitment, *ProgressReport, error) {
	e, err := h.commit(ctx, func() (*Event, error) {
		var c checker
		old := Commitments.Get(h.model, in.CommitmentID)
		if old == nil {
			c.exists(false, "commitment", "commitmentId")
			return nil, c.err()
		}
		if err := canEditCommitment(actor, old); err != nil {
			return nil, err
		}
		if err := checkVersion(TypeCommitment, old.ID, in.ExpectedVersion, old.Version); err != nil {
			return nil, err
		}
		note := c.text(in.Note, 5000, "note")
		if in.Progress < 0 || in.Progress > 100 {
			c.add(CodeInvalid, "must be between 0 and 100", "progress")
		}
		status := old.Status // absent means unchanged
		if in.Status != nil {
			status = *in.Status
		}
		checkTransition(&c, commitmentNext, "commitment", old.Status, status, "status")
		switch {
		case status == Completed && in.Progress != 100 && in.Status == nil:
			c.add(CodeInvalid, "the commitment is COMPLETED, so progress must be 100; to reopen it, give a status: "+
				orList(commitmentNext[Completed], Completed), "progress")
		case status == Completed && in.Progress != 100:
			c.add(CodeInvalid, "a completed commitment must be at 100% progress", "progress")
		case status == NotStarted && in.Progress != 0 && in.Status == nil:
			c.add(CodeInvalid, "the commitment is NOT_STARTED, so progress must be 0; to start it, give a status: "+
				orList(commitmentNext[NotStarted], NotStarted), "status")
		case status == NotStarted && in.Progress != 0:
			c.add(CodeInvalid, "a commitment that has not started must be at 0% progress", "status")
		case status == Cancelled && old.Status != Cancelled && h.model.hasOpenChildren(old.ID):
			c.add(CodeNotAllowed, "it has children that are neither completed nor cancelled: cancel or complete them, or detach them, first", "status")
		}
		cm := *old
		cm.Indicators = append([]Indicator(nil), old.Indicators...)
		for i, v := range in.IndicatorValues {
			found := false
			for j := range cm.Indicators {
				if cm.Indicators[j].Name == v.Name {
					value := v.Value
					cm.Indicators[j].LatestValue = &value
					found = true
				}
			}
			c.exists(found, "indicator on this commitment", "indicatorValues", strconv.Itoa(i), "name")
		}
		actuals := h.applyActuals(&c, &cm, in.PeriodActuals)
		if err := c.err(); err != nil {
			return nil, err
		}
		at := h.eventTime(in.At)
		cm.Progress, cm.Status = in.Progress, status
		switch {
		case status == Completed && old.Status != Completed:
			cm.CompletedAt = &at
		case status != Completed:
			cm.CompletedAt = nil
		}
		cm.ReportCount = old.ReportCount + 1
		cm.Verification = "" // a new report awaits its verdict
		e := h.event(KindProgressReported, actor, at, old, &cm)
		e.Report = &ProgressReport{Progress: in.Progress, Status: status, Note: note, ReportedBy: actor, ReportedAt: e.At, Actuals: actuals}
		return e, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return Commitments.Of(e.State), e.Report, nil
}

func checkDate(c *checker, d Date, field string) {
	if d == "" {
		c.add(CodeRequired, "is required", field)
	} else if _, err := ParseDate(string(d)); err != nil {
		c.add(CodeInvalid, err.Error(), field)
	}
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func without(ps []Participant, id string) []Participant {
	out := make([]Participant, 0, len(ps))
	for _, p := range ps {
		if p.StakeholderID != id {
			out = append(out, p)
		}
	}
	return out
}

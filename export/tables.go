package export

import (
	"fmt"
	"strconv"
	"strings"

	"convene/hub"
	"convene/opaque"
)

// Global IDs are the API's: base64url("Type:key").
var (
	globalID       = opaque.GlobalID
	parseGlobalID  = opaque.ParseGlobalID
	meetingStatus  = []hub.MeetingStatus{hub.Scheduled, hub.Held, hub.MeetingCanceled}
	outcomeKinds   = []hub.OutcomeKind{hub.Decision, hub.ActionItem, hub.Agreement, hub.Recommendation}
	outcomeStatus  = []hub.OutcomeStatus{hub.OutcomeOpen, hub.OutcomeInProgress, hub.OutcomeDone, hub.OutcomeDropped}
	orderFields    = []hub.CommitmentOrderField{hub.OrderByReference, hub.OrderByTitle, hub.OrderByDueDate, hub.OrderByProgress, hub.OrderByUpdatedAt}
	orderDirection = []string{"ASC", "DESC"}
)

// exporter builds the tables for one caller.
type exporter struct {
	model  *hub.ReadModel
	viewer hub.Viewer
	today  hub.Date
}

// column is a named value of a row of T.
type column[T any] struct {
	name  string
	value func(T) any
}

// newTable lays out items of kind k under columns; rows are built as they
// are written. Hub's read policy applies to every table alike: items the
// caller may not see are left out (the model's queries leave them out
// already), and a column named after a field the caller may not see is
// empty.
func newTable[T any](x *exporter, k *hub.Kind[T], items []*T, columns []column[*T]) table {
	visible := items[:0:0]
	for _, it := range items {
		if x.model.Visible(x.viewer, it) != nil {
			visible = append(visible, it)
		}
	}
	shown := make([]column[*T], len(columns))
	for i, c := range columns {
		if shown[i] = c; !x.viewer.SeesField(k.Type, c.name) {
			shown[i].value = func(*T) any { return nil }
		}
	}
	return rowsTable(visible, shown)
}

// rowsTable is the table of items, one row each: rows derived from what
// the viewer may see (history entries, progress reports).
func rowsTable[T any](items []T, columns []column[T]) table {
	names := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
	}
	return table{columns: names, len: len(items), rows: func(yield func([]any) bool) {
		row := make([]any, len(columns))
		for _, it := range items {
			for i, c := range columns {
				row[i] = c.value(it)
			}
			if !yield(row) {
				return
			}
		}
	}}
}

// gid is the global ID of key, or nil when key is empty.
func gid(t hub.EntityType, key string) any {
	if key == "" {
		return nil
	}
	return globalID(t, key)
}

// optional maps "" to nil (an empty cell, a JSON null).
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (x *exporter) stakeholderName(id string) any {
	if s := hub.Stakeholders.Get(x.model, id); s != nil {
		return s.Name
	}
	return optional(id)
}

// ---------------------------------------------------------------- structured cells

// party is a stakeholder's part in a commitment or a meeting.
type party struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role,omitempty"`       // commitments
	Came string `json:"attendance,omitempty"` // meetings
}

type parties []party

// CSV lists them as "Name (ROLE)".
func (ps parties) CSV() string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name + " (" + p.Role + p.Came + ")"
	}
	return strings.Join(out, "; ")
}

type contacts []hub.Contact

// CSV lists them as "Name, Title <email> phone".
func (cs contacts) CSV() string {
	out := make([]string, len(cs))
	for i, c := range cs {
		s := c.Name
		if c.Title != "" {
			s += ", " + c.Title
		}
		if c.Email != "" {
			s += " <" + c.Email + ">"
		}
		if c.Phone != "" {
			s += " " + c.Phone
		}
		out[i] = s
	}
	return strings.Join(out, "; ")
}

type indicators []hub.Indicator

// CSV lists them as "Name: latest/target unit (baseline b)".
func (is indicators) CSV() string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	out := make([]string, len(is))
	for i, in := range is {
		latest := "no value yet"
		if in.LatestValue != nil {
			latest = num(*in.LatestValue)
		}
		out[i] = fmt.Sprintf("%s: %s of %s %s (baseline %s)", in.Name, latest, num(in.Target), in.Unit, num(in.Baseline))
	}
	return strings.Join(out, "; ")
}

type agenda []hub.AgendaItem

// CSV lists them as "Title (N min)".
func (as agenda) CSV() string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = fmt.Sprintf("%s (%d min)", a.Title, a.DurationMinutes)
	}
	return strings.Join(out, "; ")
}

// ---------------------------------------------------------------- commitments

// commitments takes the parameters of the commitments query: its filter,
// and orderBy/direction.
func (x *exporter) commitments(p *params, today hub.Date) (table, error) {
	f, err := commitmentFilter(p)
	if err != nil {
		return table{}, err
	}
	order := hub.CommitmentOrder{Field: hub.OrderByReference}
	if fields, err := enums(p, "orderBy", orderFields); err != nil {
		return table{}, err
	} else if len(fields) > 1 {
		return table{}, bad("orderBy takes one field")
	} else if len(fields) == 1 {
		order.Field = fields[0]
	}
	if dirs, err := enums(p, "direction", orderDirection); err != nil {
		return table{}, err
	} else if len(dirs) > 1 {
		return table{}, bad("direction takes one value")
	} else if len(dirs) == 1 {
		order.Descending = dirs[0] == "DESC"
	}

	m := x.model
	pillar := func(c *hub.Commitment) *hub.Pillar {
		if p := hub.Pillars.Get(m, c.PillarID); p != nil {
			return p
		}
		return &hub.Pillar{}
	}
	objective := func(c *hub.Commitment) *hub.Objective {
		if o := hub.Objectives.Get(m, c.ObjectiveID); o != nil {
			return o
		}
		return &hub.Objective{}
	}
	return newTable(x, hub.Commitments, m.Commitments(f, order, today), []column[*hub.Commitment]{
		{"id", func(c *hub.Commitment) any { return globalID(hub.TypeCommitment, c.ID) }},
		{"reference", func(c *hub.Commitment) any { return c.ID }},
		{"title", func(c *hub.Commitment) any { return c.Title }},
		{"description", func(c *hub.Commitment) any { return c.Description }},
		{"status", func(c *hub.Commitment) any { return string(c.Status) }},
		{"progress", func(c *hub.Commitment) any { return c.Progress }},
		{"verifiedProgress", func(c *hub.Commitment) any { return c.VerifiedProgress }},
		{"verification", func(c *hub.Commitment) any {
			if c.Verification == "" {
				return "UNVERIFIED"
			}
			return string(c.Verification)
		}},
		{"completionLevel", func(c *hub.Commitment) any { return string(c.CompletionLevel()) }},
		{"overdue", func(c *hub.Commitment) any { return c.IsOverdue(today) }},
		{"startDate", func(c *hub.Commitment) any { return c.StartDate }},
		{"dueDate", func(c *hub.Commitment) any { return c.DueDate }},
		{"completedAt", func(c *hub.Commitment) any { return c.CompletedAt }},
		{"pillarId", func(c *hub.Commitment) any { return gid(hub.TypePillar, c.PillarID) }},
		{"pillarCode", func(c *hub.Commitment) any { return optional(pillar(c).Code) }},
		{"pillar", func(c *hub.Commitment) any { return optional(pillar(c).Title) }},
		{"objectiveId", func(c *hub.Commitment) any { return gid(hub.TypeObjective, c.ObjectiveID) }},
		{"objectiveCode", func(c *hub.Commitment) any { return optional(objective(c).Code) }},
		{"objective", func(c *hub.Commitment) any { return optional(objective(c).Title) }},
		{"parentId", func(c *hub.Commitment) any { return gid(hub.TypeCommitment, c.ParentID) }},
		{"weight", func(c *hub.Commitment) any { return c.Weight() }},
		{"rolledUpProgress", func(c *hub.Commitment) any { return c.RolledUpProgress() }},
		{"leadId", func(c *hub.Commitment) any { return gid(hub.TypeStakeholder, c.LeadID) }},
		{"lead", func(c *hub.Commitment) any { return x.stakeholderName(c.LeadID) }},
		{"leadSector", func(c *hub.Commitment) any {
			if s := hub.Stakeholders.Get(m, c.LeadID); s != nil {
				return string(s.Sector)
			}
			return nil
		}},
		{"participants", func(c *hub.Commitment) any {
			out := make(parties, 0, len(c.Participants))
			for _, p := range c.Participants {
				name, _ := x.stakeholderName(p.StakeholderID).(string)
				out = append(out, party{ID: globalID(hub.TypeStakeholder, p.StakeholderID), Name: name, Role: string(p.Role)})
			}
			return out
		}},
		{"targetCommunities", func(c *hub.Commitment) any {
			out := make([]string, 0, len(c.CommunityIDs))
			for _, id := range c.CommunityIDs {
				if cm := hub.Communities.Get(m, id); cm != nil {
					out = append(out, cm.Name)
				}
			}
			return out
		}},
		{"indicators", func(c *hub.Commitment) any { return append(indicators{}, c.Indicators...) }},
		{"createdAt", func(c *hub.Commitment) any { return c.CreatedAt }},
		{"updatedAt", func(c *hub.Commitment) any { return c.UpdatedAt }},
		{"version", func(c *hub.Commitment) any { return c.Version }},
	}), nil
}

// ---------------------------------------------------------------- stakeholders

// stakeholders takes the stakeholders query's filter.
func (x *exporter) stakeholders(p *params) (table, error) {
	var f hub.StakeholderFilter
	var err error
	if f.Sectors, err = enums(p, "sectors", hub.AllSectors); err != nil {
		return table{}, err
	}
	if f.Search, err = p.one("search"); err != nil {
		return table{}, err
	}
	m := x.model
	return newTable(x, hub.Stakeholders, m.Stakeholders(f), []column[*hub.Stakeholder]{
		{"id", func(s *hub.Stakeholder) any { return globalID(hub.TypeStakeholder, s.ID) }},
		{"name", func(s *hub.Stakeholder) any { return s.Name }},
		{"acronym", func(s *hub.Stakeholder) any { return optional(s.Acronym) }},
		{"sector", func(s *hub.Stakeholder) any { return string(s.Sector) }},
		{"description", func(s *hub.Stakeholder) any { return s.Description }},
		{"website", func(s *hub.Stakeholder) any { return optional(s.Website) }},
		{"parentId", func(s *hub.Stakeholder) any { return gid(hub.TypeStakeholder, s.ParentID) }},
		{"parent", func(s *hub.Stakeholder) any {
			if s.ParentID == "" {
				return nil
			}
			return x.stakeholderName(s.ParentID)
		}},
		{"commitments", func(s *hub.Stakeholder) any { return len(m.CommitmentsOf(s.ID, nil)) }},
		{"commitmentsLed", func(s *hub.Stakeholder) any { return len(m.CommitmentsOf(s.ID, []hub.ParticipantRole{hub.RoleLead})) }},
		// Private (hub's read policy): null when hidden, as in the API.
		{"contacts", func(s *hub.Stakeholder) any { return append(contacts{}, s.Contacts...) }},
		{"createdAt", func(s *hub.Stakeholder) any { return s.CreatedAt }},
		{"updatedAt", func(s *hub.Stakeholder) any { return s.UpdatedAt }},
		{"version", func(s *hub.Stakeholder) any { return s.Version }},
	}), nil
}

// ---------------------------------------------------------------- meetings

// meetingFilter reads the meetings query's filter, for viewer v.
func meetingFilter(p *params, v hub.Viewer) (hub.MeetingFilter, error) {
	f := hub.MeetingFilter{Viewer: v}
	var err error
	if f.From, err = p.dateTime("from"); err != nil {
		return f, err
	}
	if f.To, err = p.dateTime("to"); err != nil {
		return f, err
	}
	if f.StakeholderIDs, err = ids(p, "stakeholderIds", hub.TypeStakeholder); err != nil {
		return f, err
	}
	f.Statuses, err = enums(p, "statuses", meetingStatus)
	return f, err
}

// meetings takes the meetings query's filter; only meetings the caller
// may see are exported.
func (x *exporter) meetings(p *params) (table, error) {
	f, err := meetingFilter(p, x.viewer)
	if err != nil {
		return table{}, err
	}
	m := x.model
	return newTable(x, hub.Meetings, m.Meetings(f), []column[*hub.Meeting]{
		{"id", func(mt *hub.Meeting) any { return globalID(hub.TypeMeeting, mt.ID) }},
		{"title", func(mt *hub.Meeting) any { return mt.Title }},
		{"description", func(mt *hub.Meeting) any { return mt.Description }},
		{"startsAt", func(mt *hub.Meeting) any { return mt.StartsAt }},
		{"endsAt", func(mt *hub.Meeting) any { return mt.EndsAt }},
		{"location", func(mt *hub.Meeting) any { return mt.Location }},
		{"status", func(mt *hub.Meeting) any { return string(mt.Status) }},
		{"private", func(mt *hub.Meeting) any { return mt.Private }},
		{"convenerId", func(mt *hub.Meeting) any { return gid(hub.TypeStakeholder, mt.ConvenerID) }},
		{"convener", func(mt *hub.Meeting) any { return x.stakeholderName(mt.ConvenerID) }},
		{"participants", func(mt *hub.Meeting) any {
			out := make(parties, 0, len(mt.Participants))
			for _, p := range mt.Participants {
				name, _ := x.stakeholderName(p.StakeholderID).(string)
				out = append(out, party{ID: globalID(hub.TypeStakeholder, p.StakeholderID), Name: name, Came: string(p.Attendance)})
			}
			return out
		}},
		{"agenda", func(mt *hub.Meeting) any { return append(agenda{}, mt.Agenda...) }},
		{"minutes", func(mt *hub.Meeting) any {
			if mt.Minutes == nil {
				return nil
			}
			return *mt.Minutes
		}},
		{"outcomes", func(mt *hub.Meeting) any { return len(m.OutcomesOfMeeting(mt.ID, x.viewer)) }},
		{"createdAt", func(mt *hub.Meeting) any { return mt.CreatedAt }},
		{"updatedAt", func(mt *hub.Meeting) any { return mt.UpdatedAt }},
		{"version", func(mt *hub.Meeting) any { return mt.Version }},
	}), nil
}

// ---------------------------------------------------------------- outcomes

// outcomeFilter reads the outcomes query's filter, for viewer v; today
// decides which are overdue.
func outcomeFilter(p *params, v hub.Viewer, today hub.Date) (hub.OutcomeFilter, error) {
	f := hub.OutcomeFilter{Viewer: v, Today: today}
	var err error
	if f.MeetingIDs, err = ids(p, "meetingIds", hub.TypeMeeting); err != nil {
		return f, err
	}
	if f.OwnerIDs, err = ids(p, "ownerIds", hub.TypeStakeholder); err != nil {
		return f, err
	}
	if f.Kinds, err = enums(p, "kinds", outcomeKinds); err != nil {
		return f, err
	}
	if f.Statuses, err = enums(p, "statuses", outcomeStatus); err != nil {
		return f, err
	}
	if f.DueAfter, err = p.date("dueAfter"); err != nil {
		return f, err
	}
	if f.DueBefore, err = p.date("dueBefore"); err != nil {
		return f, err
	}
	if f.Overdue, err = p.optionalBool("overdue"); err != nil {
		return f, err
	}
	if f.Search, err = p.one("search"); err != nil {
		return f, err
	}
	f.PillarIDs, err = ids(p, "pillarIds", hub.TypePillar)
	return f, err
}

// outcomes takes the outcomes query's filter; only outcomes of meetings
// the caller may see are exported.
func (x *exporter) outcomes(p *params) (table, error) {
	f, err := outcomeFilter(p, x.viewer, x.today)
	if err != nil {
		return table{}, err
	}
	m := x.model
	meeting := func(o *hub.MeetingOutcome) *hub.Meeting {
		if mt := hub.Meetings.Get(m, o.MeetingID); mt != nil {
			return mt
		}
		return &hub.Meeting{}
	}
	return newTable(x, hub.Outcomes, m.Outcomes(f), []column[*hub.MeetingOutcome]{
		{"id", func(o *hub.MeetingOutcome) any { return globalID(hub.TypeOutcome, o.ID) }},
		{"meetingId", func(o *hub.MeetingOutcome) any { return gid(hub.TypeMeeting, o.MeetingID) }},
		{"meeting", func(o *hub.MeetingOutcome) any { return optional(meeting(o).Title) }},
		{"meetingStartsAt", func(o *hub.MeetingOutcome) any {
			if t := meeting(o).StartsAt; !t.IsZero() {
				return t
			}
			return nil
		}},
		{"kind", func(o *hub.MeetingOutcome) any { return string(o.Kind) }},
		{"summary", func(o *hub.MeetingOutcome) any { return o.Summary }},
		{"details", func(o *hub.MeetingOutcome) any { return o.Details }},
		{"status", func(o *hub.MeetingOutcome) any { return string(o.Status) }},
		{"ownerId", func(o *hub.MeetingOutcome) any { return gid(hub.TypeStakeholder, o.OwnerID) }},
		{"owner", func(o *hub.MeetingOutcome) any {
			if o.OwnerID == "" {
				return nil
			}
			return x.stakeholderName(o.OwnerID)
		}},
		{"dueDate", func(o *hub.MeetingOutcome) any { return o.DueDate }},
		{"commitmentIds", func(o *hub.MeetingOutcome) any {
			out := make([]string, len(o.CommitmentIDs))
			for i, id := range o.CommitmentIDs {
				out[i] = globalID(hub.TypeCommitment, id)
			}
			return out
		}},
		{"commitments", func(o *hub.MeetingOutcome) any { return append([]string{}, o.CommitmentIDs...) }},
		{"recordedAt", func(o *hub.MeetingOutcome) any { return o.RecordedAt }},
		{"recordedBy", func(o *hub.MeetingOutcome) any { return optional(o.RecordedBy.Name) }},
		{"updatedAt", func(o *hub.MeetingOutcome) any { return o.UpdatedAt }},
		{"version", func(o *hub.MeetingOutcome) any { return o.Version }},
	}), nil
}

// commitmentFilter reads the commitments query's filter.
func commitmentFilter(p *params) (hub.CommitmentFilter, error) {
	var f hub.CommitmentFilter
	var err error
	if f.PlanIDs, err = ids(p, "planIds", hub.TypePlan); err != nil {
		return f, err
	}
	if f.Sectors, err = enums(p, "sectors", hub.AllSectors); err != nil {
		return f, err
	}
	if f.LeadSectors, err = enums(p, "leadSectors", hub.AllSectors); err != nil {
		return f, err
	}
	if f.StakeholderIDs, err = ids(p, "stakeholderIds", hub.TypeStakeholder); err != nil {
		return f, err
	}
	if f.PillarIDs, err = ids(p, "pillarIds", hub.TypePillar); err != nil {
		return f, err
	}
	if f.ObjectiveIDs, err = ids(p, "objectiveIds", hub.TypeObjective); err != nil {
		return f, err
	}
	if f.CommunityIDs, err = ids(p, "communityIds", hub.TypeCommunity); err != nil {
		return f, err
	}
	if f.Statuses, err = enums(p, "statuses", hub.AllCommitmentStatuses); err != nil {
		return f, err
	}
	if f.Overdue, err = p.optionalBool("overdue"); err != nil {
		return f, err
	}
	if f.DueBefore, err = p.date("dueBefore"); err != nil {
		return f, err
	}
	if f.DueAfter, err = p.date("dueAfter"); err != nil {
		return f, err
	}
	if f.Search, err = p.one("search"); err != nil {
		return f, err
	}
	return f, nil
}

package fastpath

import (
	"time"

	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// A meeting (`meeting(id:)`) and pages of meetings and of outcomes
// (`meetings`, `outcomes`), from the query's resolvers: a meeting's own
// fields and an outcome's, with the meeting and owner its view holds, and
// a meeting's convener, participants and outcomes and an outcome's
// commitments from their resolvers, which apply the read policy.
// Histories are not planned: gqlgen answers those.

var (
	meetingConnectionObj = &object[*model.MeetingConnection]{name: "MeetingConnection"}
	meetingEdgeObj       = &object[*model.MeetingEdge]{name: "MeetingEdge"}
	meetingObj           = &object[*hub.Meeting]{name: "Meeting"}
	agendaItemObj        = &object[hub.AgendaItem]{name: "AgendaItem"}
	meetingPartObj       = &object[*gqltype.MeetingParticipant]{name: "MeetingParticipant"}
	outcomeConnectionObj = &object[*model.MeetingOutcomeConnection]{name: "MeetingOutcomeConnection"}
	outcomeEdgeObj       = &object[*model.MeetingOutcomeEdge]{name: "MeetingOutcomeEdge"}
	outcomeObj           = &object[*gqltype.MeetingOutcome]{name: "MeetingOutcome"}
)

func init() {
	meetingConnectionObj.fields = map[string]fieldSpec[*model.MeetingConnection]{
		"edges": list(of(func(c *model.MeetingConnection) []*model.MeetingEdge { return c.Edges }),
			meetingEdgeObj, ptr[model.MeetingEdge]),
		"nodes": list(of(func(c *model.MeetingConnection) []*hub.Meeting { return c.Nodes }),
			meetingObj, ptr[hub.Meeting]),
		"pageInfo": one(of(func(c *model.MeetingConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.MeetingConnection) int { return c.TotalCount }),
	}
	meetingEdgeObj.fields = map[string]fieldSpec[*model.MeetingEdge]{
		"cursor": str(func(e *model.MeetingEdge) string { return e.Cursor }),
		"node":   one(of(func(e *model.MeetingEdge) *hub.Meeting { return e.Node }), meetingObj, true, ptr[hub.Meeting]),
	}
	meetingObj.fields = map[string]fieldSpec[*hub.Meeting]{
		"id": globalID(hub.TypeMeeting, func(m *hub.Meeting) string { return m.ID }),
		"convener": one(func(w *writer, m *hub.Meeting) (*hub.Stakeholder, error) {
			return w.ex.meeting.Convener(w.ctx, m)
		}, stakeholderObj, true, ptr[hub.Stakeholder]),
		"participants": list(func(w *writer, m *hub.Meeting) ([]*gqltype.MeetingParticipant, error) {
			return w.ex.meeting.Participants(w.ctx, m)
		}, meetingPartObj, ptr[gqltype.MeetingParticipant]),
		"outcomes": list(func(w *writer, m *hub.Meeting) ([]*gqltype.MeetingOutcome, error) {
			return w.ex.meeting.Outcomes(w.ctx, m)
		}, outcomeObj, ptr[gqltype.MeetingOutcome]),
		"title":       str(func(m *hub.Meeting) string { return m.Title }),
		"description": str(func(m *hub.Meeting) string { return m.Description }),
		"startsAt":    leaf(func(w *writer, m *hub.Meeting) { w.dateTime(m.StartsAt) }),
		"endsAt":      leaf(func(w *writer, m *hub.Meeting) { w.dateTime(m.EndsAt) }),
		"location":    str(func(m *hub.Meeting) string { return m.Location }),
		"agenda": list(of(func(m *hub.Meeting) []hub.AgendaItem { return m.Agenda }),
			agendaItemObj, never[hub.AgendaItem]),
		"status":    enum(func(m *hub.Meeting) hub.MeetingStatus { return m.Status }),
		"minutes":   optStr(of(func(m *hub.Meeting) *string { return m.Minutes })),
		"private":   boolean(of(func(m *hub.Meeting) bool { return m.Private })),
		"version":   integer(func(m *hub.Meeting) int { return m.Version }),
		"createdAt": leaf(func(w *writer, m *hub.Meeting) { w.dateTime(m.CreatedAt) }),
		"updatedAt": leaf(func(w *writer, m *hub.Meeting) { w.dateTime(m.UpdatedAt) }),
	}
	meetingPartObj.fields = map[string]fieldSpec[*gqltype.MeetingParticipant]{
		"stakeholder": one(of(func(p *gqltype.MeetingParticipant) *hub.Stakeholder { return p.Stakeholder }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
		"attendance": enum(func(p *gqltype.MeetingParticipant) hub.Attendance { return p.Attendance }),
	}
	agendaItemObj.fields = map[string]fieldSpec[hub.AgendaItem]{
		"title":           str(func(a hub.AgendaItem) string { return a.Title }),
		"durationMinutes": integer(func(a hub.AgendaItem) int { return a.DurationMinutes }),
	}
	outcomeConnectionObj.fields = map[string]fieldSpec[*model.MeetingOutcomeConnection]{
		"edges": list(of(func(c *model.MeetingOutcomeConnection) []*model.MeetingOutcomeEdge { return c.Edges }),
			outcomeEdgeObj, ptr[model.MeetingOutcomeEdge]),
		"nodes": list(of(func(c *model.MeetingOutcomeConnection) []*gqltype.MeetingOutcome { return c.Nodes }),
			outcomeObj, ptr[gqltype.MeetingOutcome]),
		"pageInfo": one(of(func(c *model.MeetingOutcomeConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.MeetingOutcomeConnection) int { return c.TotalCount }),
	}
	outcomeEdgeObj.fields = map[string]fieldSpec[*model.MeetingOutcomeEdge]{
		"cursor": str(func(e *model.MeetingOutcomeEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.MeetingOutcomeEdge) *gqltype.MeetingOutcome { return e.Node }),
			outcomeObj, true, ptr[gqltype.MeetingOutcome]),
	}
	outcomeObj.fields = map[string]fieldSpec[*gqltype.MeetingOutcome]{
		"id":      globalID(hub.TypeOutcome, func(o *gqltype.MeetingOutcome) string { return o.ID }),
		"meeting": one(of(func(o *gqltype.MeetingOutcome) *hub.Meeting { return o.Meeting }), meetingObj, true, ptr[hub.Meeting]),
		"kind":    enum(func(o *gqltype.MeetingOutcome) hub.OutcomeKind { return o.Kind }),
		"summary": str(func(o *gqltype.MeetingOutcome) string { return o.Summary }),
		"details": str(func(o *gqltype.MeetingOutcome) string { return o.Details }),
		"owner": one(of(func(o *gqltype.MeetingOutcome) *hub.Stakeholder { return o.Owner }),
			stakeholderObj, false, ptr[hub.Stakeholder]),
		"dueDate": leaf(func(w *writer, o *gqltype.MeetingOutcome) {
			if o.DueDate == nil {
				w.null()
			} else {
				w.goQuoted(string(*o.DueDate))
			}
		}),
		"status":     enum(func(o *gqltype.MeetingOutcome) hub.OutcomeStatus { return o.Status }),
		"recordedAt": leaf(func(w *writer, o *gqltype.MeetingOutcome) { w.dateTime(o.RecordedAt) }),
		"recordedBy": one(of(func(o *gqltype.MeetingOutcome) hub.Actor { return o.RecordedBy }), actorObj, true, never[hub.Actor]),
		"version":    integer(func(o *gqltype.MeetingOutcome) int { return o.Version }),
		"updatedAt":  leaf(func(w *writer, o *gqltype.MeetingOutcome) { w.dateTime(o.UpdatedAt) }),
		"commitments": list(func(w *writer, o *gqltype.MeetingOutcome) ([]*gqltype.Commitment, error) {
			return w.ex.outcome.Commitments(w.ctx, o)
		}, commitmentObj, ptr[gqltype.Commitment]),
	}
}

var meetingFilter = input[model.MeetingFilter]{fields: map[string]func(*model.MeetingFilter, any) bool{
	"from":           optField(func(f *model.MeetingFilter) **time.Time { return &f.From }, gqltype.UnmarshalDateTime),
	"to":             optField(func(f *model.MeetingFilter) **time.Time { return &f.To }, gqltype.UnmarshalDateTime),
	"stakeholderIds": listField(func(f *model.MeetingFilter) *[]string { return &f.StakeholderIds }, graphql.UnmarshalID),
	"statuses":       listField(func(f *model.MeetingFilter) *[]hub.MeetingStatus { return &f.Statuses }, gqltype.UnmarshalMeetingStatus),
}}

var meetingOrder = input[model.MeetingOrder]{
	fields: map[string]func(*model.MeetingOrder, any) bool{
		"field":     reqField(func(o *model.MeetingOrder) *hub.MeetingOrderField { return &o.Field }, gqltype.UnmarshalMeetingOrderField),
		"direction": reqField(func(o *model.MeetingOrder) *string { return &o.Direction }, gqltype.UnmarshalOrderDirection),
	},
	required: []string{"field"},
	defaults: func(o *model.MeetingOrder) { o.Direction = "ASC" },
}

var outcomeFilter = input[model.OutcomeFilter]{fields: map[string]func(*model.OutcomeFilter, any) bool{
	"meetingIds": listField(func(f *model.OutcomeFilter) *[]string { return &f.MeetingIds }, graphql.UnmarshalID),
	"ownerIds":   listField(func(f *model.OutcomeFilter) *[]string { return &f.OwnerIds }, graphql.UnmarshalID),
	"kinds":      listField(func(f *model.OutcomeFilter) *[]hub.OutcomeKind { return &f.Kinds }, gqltype.UnmarshalOutcomeKind),
	"statuses":   listField(func(f *model.OutcomeFilter) *[]hub.OutcomeStatus { return &f.Statuses }, gqltype.UnmarshalOutcomeStatus),
	"dueAfter":   optField(func(f *model.OutcomeFilter) **hub.Date { return &f.DueAfter }, gqltype.UnmarshalDate),
	"dueBefore":  optField(func(f *model.OutcomeFilter) **hub.Date { return &f.DueBefore }, gqltype.UnmarshalDate),
	"overdue":    optField(func(f *model.OutcomeFilter) **bool { return &f.Overdue }, graphql.UnmarshalBoolean),
	"search":     optField(func(f *model.OutcomeFilter) **string { return &f.Search }, graphql.UnmarshalString),
	"pillarIds":  listField(func(f *model.OutcomeFilter) *[]string { return &f.PillarIds }, graphql.UnmarshalID),
}}

var outcomeOrder = input[model.OutcomeOrder]{
	fields: map[string]func(*model.OutcomeOrder, any) bool{
		"field":     reqField(func(o *model.OutcomeOrder) *hub.OutcomeOrderField { return &o.Field }, gqltype.UnmarshalOutcomeOrderField),
		"direction": reqField(func(o *model.OutcomeOrder) *string { return &o.Direction }, gqltype.UnmarshalOrderDirection),
	},
	required: []string{"field"},
	defaults: func(o *model.OutcomeOrder) { o.Direction = "ASC" },
}

// listArgs are the arguments of a page of a list filtered and ordered.
type listArgs[F, O any] struct {
	page    pageArgs
	filter  *F
	orderBy *O
}

// listRoot is a root field of a page of a list by filter and order, which
// get answers.
func listRoot[F, O, C any](filter input[F], order input[O], get func(w *writer, a listArgs[F, O]) (*C, error), o *object[*C]) fieldSpec[struct{}] {
	return rootField(append([]string{"filter", "orderBy"}, pageArgNames...),
		func(raw map[string]any) (a listArgs[F, O], ok bool) {
			var okP, okF, okO bool
			a.page, okP = decodePage(raw)
			a.filter, okF = filter.decode(raw, "filter")
			a.orderBy, okO = order.decode(raw, "orderBy")
			return a, okP && okF && okO
		}, nil,
		func(w *writer, _ *graphql.CollectedField, a listArgs[F, O]) (*C, error) { return get(w, a) },
		o, true, ptr[C])
}

var meetings = listRoot(meetingFilter, meetingOrder,
	func(w *writer, a listArgs[model.MeetingFilter, model.MeetingOrder]) (*model.MeetingConnection, error) {
		return w.ex.query.Meetings(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, a.orderBy)
	}, meetingConnectionObj)

var outcomes = listRoot(outcomeFilter, outcomeOrder,
	func(w *writer, a listArgs[model.OutcomeFilter, model.OutcomeOrder]) (*model.MeetingOutcomeConnection, error) {
		return w.ex.query.Outcomes(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, a.orderBy)
	}, outcomeConnectionObj)

var meeting = rootField([]string{"id"},
	func(raw map[string]any) (string, bool) { return requiredID(raw, "id") }, nil,
	func(w *writer, _ *graphql.CollectedField, id string) (*hub.Meeting, error) {
		return w.ex.query.Meeting(w.ctx, id)
	}, meetingObj, false, ptr[hub.Meeting])

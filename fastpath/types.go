package fastpath

import (
	"convene/graph/model"
	"convene/hub"
	"convene/resolvers/gqltype"

	"github.com/99designs/gqlgen/graphql"
)

// The types and fields the plan writes: those of the hot reads (a
// commitment, a page of commitments, and what they nest). Each field
// gets its value where gqlgen's generated code gets it: the same struct
// field or method of the resolvers' views, or the same resolver, so that
// the read policy, global IDs and cursors are the resolvers' own.

var (
	queryObj            = &object[struct{}]{name: "Query"}
	commitmentObj       = &object[*gqltype.Commitment]{name: "Commitment"}
	connectionObj       = &object[*model.CommitmentConnection]{name: "CommitmentConnection"}
	edgeObj             = &object[*model.CommitmentEdge]{name: "CommitmentEdge"}
	pageInfoObj         = &object[*model.PageInfo]{name: "PageInfo"}
	stakeholderObj      = &object[*hub.Stakeholder]{name: "Stakeholder"}
	contactObj          = &object[*hub.Contact]{name: "Contact"}
	pillarObj           = &object[*hub.Pillar]{name: "Pillar"}
	objectiveObj        = &object[*gqltype.Objective]{name: "Objective"}
	participantObj      = &object[gqltype.Participant]{name: "Participant"}
	indicatorObj        = &object[hub.Indicator]{name: "Indicator"}
	communityObj        = &object[*hub.Community]{name: "Community"}
	reportConnectionObj = &object[*model.ProgressReportConnection]{name: "ProgressReportConnection"}
	reportEdgeObj       = &object[*model.ProgressReportEdge]{name: "ProgressReportEdge"}
	reportObj           = &object[*gqltype.ProgressReport]{name: "ProgressReport"}
	actorObj            = &object[hub.Actor]{name: "Actor"}
	stakeholdersObj     = &object[*model.StakeholderConnection]{name: "StakeholderConnection"}
	stakeholderEdgeObj  = &object[*model.StakeholderEdge]{name: "StakeholderEdge"}
)

// id is an ID made by a resolver.
func id[T any](get getter[T, string]) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		s, err := get(w, v)
		if err != nil {
			w.fail()
		}
		w.str(s)
	})
}

func init() {
	queryObj.fields = map[string]fieldSpec[struct{}]{
		"commitment":            commitmentByID,
		"commitmentByReference": commitmentByReference,
		"commitments":           commitments,
		"stakeholder":           stakeholderByID,
		"stakeholders":          stakeholders,
	}

	commitmentObj.fields = map[string]fieldSpec[*gqltype.Commitment]{
		"id":              str(func(c *gqltype.Commitment) string { return c.GlobalID }),
		"reference":       str(func(c *gqltype.Commitment) string { return c.Reference() }),
		"title":           str(func(c *gqltype.Commitment) string { return c.Title }),
		"description":     str(func(c *gqltype.Commitment) string { return c.Description }),
		"status":          enum(func(c *gqltype.Commitment) hub.CommitmentStatus { return c.Status }),
		"progress":        integer(func(c *gqltype.Commitment) int { return c.Progress }),
		"completionLevel": enum(func(c *gqltype.Commitment) hub.CompletionLevel { return c.CompletionLevel() }),
		"startDate":       leaf(func(w *writer, c *gqltype.Commitment) { w.goQuoted(string(c.StartDate)) }),
		"dueDate":         leaf(func(w *writer, c *gqltype.Commitment) { w.goQuoted(string(c.DueDate)) }),
		"completedAt": leaf(func(w *writer, c *gqltype.Commitment) {
			if c.CompletedAt == nil {
				w.null()
			} else {
				w.optDateTime(*c.CompletedAt)
			}
		}),
		"overdue": boolean(func(w *writer, c *gqltype.Commitment) (bool, error) {
			return w.ex.commitment.Overdue(w.ctx, c)
		}),
		"version":   integer(func(c *gqltype.Commitment) int { return c.Version }),
		"createdAt": leaf(func(w *writer, c *gqltype.Commitment) { w.dateTime(c.CreatedAt) }),
		"updatedAt": leaf(func(w *writer, c *gqltype.Commitment) { w.dateTime(c.UpdatedAt) }),
		"lead": one(of(func(c *gqltype.Commitment) *hub.Stakeholder { return c.Lead }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
		"pillar": one(of(func(c *gqltype.Commitment) *hub.Pillar { return c.Pillar }),
			pillarObj, true, ptr[hub.Pillar]),
		"objective": one(of(func(c *gqltype.Commitment) *gqltype.Objective { return c.Objective }),
			objectiveObj, true, ptr[gqltype.Objective]),
		"participants": list(of(func(c *gqltype.Commitment) []gqltype.Participant { return c.Participants }),
			participantObj, never[gqltype.Participant]),
		"indicators": list(of(func(c *gqltype.Commitment) []hub.Indicator { return c.Indicators }),
			indicatorObj, never[hub.Indicator]),
		"targetCommunities": list(func(w *writer, c *gqltype.Commitment) ([]*hub.Community, error) {
			return w.ex.commitment.TargetCommunities(w.ctx, c)
		}, communityObj, ptr[hub.Community]),
		"progressReports": progressReports,
	}

	connectionObj.fields = map[string]fieldSpec[*model.CommitmentConnection]{
		"edges": list(of(func(c *model.CommitmentConnection) []*model.CommitmentEdge { return c.Edges }),
			edgeObj, ptr[model.CommitmentEdge]),
		"nodes": list(of(func(c *model.CommitmentConnection) []*gqltype.Commitment { return c.Nodes }),
			commitmentObj, ptr[gqltype.Commitment]),
		"pageInfo": one(of(func(c *model.CommitmentConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.CommitmentConnection) int { return c.TotalCount }),
	}
	edgeObj.fields = map[string]fieldSpec[*model.CommitmentEdge]{
		"cursor": str(func(e *model.CommitmentEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.CommitmentEdge) *gqltype.Commitment { return e.Node }),
			commitmentObj, true, ptr[gqltype.Commitment]),
	}
	pageInfoObj.fields = map[string]fieldSpec[*model.PageInfo]{
		"hasNextPage":     boolean(of(func(p *model.PageInfo) bool { return p.HasNextPage })),
		"hasPreviousPage": boolean(of(func(p *model.PageInfo) bool { return p.HasPreviousPage })),
		"startCursor":     optStr(of(func(p *model.PageInfo) *string { return p.StartCursor })),
		"endCursor":       optStr(of(func(p *model.PageInfo) *string { return p.EndCursor })),
	}

	stakeholderObj.fields = map[string]fieldSpec[*hub.Stakeholder]{
		"id":          id(func(w *writer, s *hub.Stakeholder) (string, error) { return w.ex.stakeholder.ID(w.ctx, s) }),
		"name":        str(func(s *hub.Stakeholder) string { return s.Name }),
		"sector":      enum(func(s *hub.Stakeholder) hub.Sector { return s.Sector }),
		"description": str(func(s *hub.Stakeholder) string { return s.Description }),
		"acronym":     optStr(func(w *writer, s *hub.Stakeholder) (*string, error) { return w.ex.stakeholder.Acronym(w.ctx, s) }),
		"website":     optStr(func(w *writer, s *hub.Stakeholder) (*string, error) { return w.ex.stakeholder.Website(w.ctx, s) }),
		"parent": one(func(w *writer, s *hub.Stakeholder) (*hub.Stakeholder, error) {
			return w.ex.stakeholder.Parent(w.ctx, s)
		}, stakeholderObj, false, ptr[hub.Stakeholder]),
		"contacts": contacts,
		"children": list(func(w *writer, s *hub.Stakeholder) ([]*hub.Stakeholder, error) {
			return w.ex.stakeholder.Children(w.ctx, s)
		}, stakeholderObj, ptr[hub.Stakeholder]),
		"commitments": stakeholderCommitments,
		"version":     integer(func(s *hub.Stakeholder) int { return s.Version }),
		"createdAt":   leaf(func(w *writer, s *hub.Stakeholder) { w.dateTime(s.CreatedAt) }),
		"updatedAt":   leaf(func(w *writer, s *hub.Stakeholder) { w.dateTime(s.UpdatedAt) }),
	}
	contactObj.fields = map[string]fieldSpec[*hub.Contact]{
		"name":  str(func(c *hub.Contact) string { return c.Name }),
		"title": str(func(c *hub.Contact) string { return c.Title }),
		"email": str(func(c *hub.Contact) string { return c.Email }),
		"phone": str(func(c *hub.Contact) string { return c.Phone }),
	}

	pillarObj.fields = map[string]fieldSpec[*hub.Pillar]{
		"id":          id(func(w *writer, p *hub.Pillar) (string, error) { return w.ex.pillar.ID(w.ctx, p) }),
		"code":        str(func(p *hub.Pillar) string { return p.Code }),
		"title":       str(func(p *hub.Pillar) string { return p.Title }),
		"description": str(func(p *hub.Pillar) string { return p.Description }),
		"archived":    boolean(of(func(p *hub.Pillar) bool { return p.Archived })),
		"version":     integer(func(p *hub.Pillar) int { return p.Version }),
	}
	objectiveObj.fields = map[string]fieldSpec[*gqltype.Objective]{
		"id":          str(func(o *gqltype.Objective) string { return o.GlobalID }),
		"code":        str(func(o *gqltype.Objective) string { return o.Code }),
		"title":       str(func(o *gqltype.Objective) string { return o.Title }),
		"description": str(func(o *gqltype.Objective) string { return o.Description }),
		"archived":    boolean(of(func(o *gqltype.Objective) bool { return o.Archived })),
		"version":     integer(func(o *gqltype.Objective) int { return o.Version }),
		"pillar": one(of(func(o *gqltype.Objective) *hub.Pillar { return o.Pillar }),
			pillarObj, true, ptr[hub.Pillar]),
	}
	participantObj.fields = map[string]fieldSpec[gqltype.Participant]{
		"role": enum(func(p gqltype.Participant) hub.ParticipantRole { return p.Role }),
		"stakeholder": one(of(func(p gqltype.Participant) *hub.Stakeholder { return p.Stakeholder }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
	}
	indicatorObj.fields = map[string]fieldSpec[hub.Indicator]{
		"name":     str(func(i hub.Indicator) string { return i.Name }),
		"unit":     str(func(i hub.Indicator) string { return i.Unit }),
		"baseline": leaf(func(w *writer, i hub.Indicator) { w.float(i.Baseline) }),
		"target":   leaf(func(w *writer, i hub.Indicator) { w.float(i.Target) }),
		"latestValue": leaf(func(w *writer, i hub.Indicator) {
			if i.LatestValue == nil {
				w.null()
			} else {
				w.float(*i.LatestValue)
			}
		}),
	}
	communityObj.fields = map[string]fieldSpec[*hub.Community]{
		"id":       id(func(w *writer, c *hub.Community) (string, error) { return w.ex.community.ID(w.ctx, c) }),
		"name":     str(func(c *hub.Community) string { return c.Name }),
		"area":     str(func(c *hub.Community) string { return c.Area }),
		"archived": boolean(of(func(c *hub.Community) bool { return c.Archived })),
		"version":  integer(func(c *hub.Community) int { return c.Version }),
	}

	reportConnectionObj.fields = map[string]fieldSpec[*model.ProgressReportConnection]{
		"edges": list(of(func(c *model.ProgressReportConnection) []*model.ProgressReportEdge { return c.Edges }),
			reportEdgeObj, ptr[model.ProgressReportEdge]),
		"nodes": list(of(func(c *model.ProgressReportConnection) []*gqltype.ProgressReport { return c.Nodes }),
			reportObj, ptr[gqltype.ProgressReport]),
		"pageInfo": one(of(func(c *model.ProgressReportConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.ProgressReportConnection) int { return c.TotalCount }),
	}
	reportEdgeObj.fields = map[string]fieldSpec[*model.ProgressReportEdge]{
		"cursor": str(func(e *model.ProgressReportEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.ProgressReportEdge) *gqltype.ProgressReport { return e.Node }),
			reportObj, true, ptr[gqltype.ProgressReport]),
	}
	reportObj.fields = map[string]fieldSpec[*gqltype.ProgressReport]{
		"progress":   integer(func(r *gqltype.ProgressReport) int { return r.Progress }),
		"status":     enum(func(r *gqltype.ProgressReport) hub.CommitmentStatus { return r.Status }),
		"note":       str(func(r *gqltype.ProgressReport) string { return r.Note }),
		"reportedAt": leaf(func(w *writer, r *gqltype.ProgressReport) { w.dateTime(r.ReportedAt) }),
		"reportedBy": one(of(func(r *gqltype.ProgressReport) hub.Actor { return r.ReportedBy }),
			actorObj, true, never[hub.Actor]),
	}
	stakeholdersObj.fields = map[string]fieldSpec[*model.StakeholderConnection]{
		"edges": list(of(func(c *model.StakeholderConnection) []*model.StakeholderEdge { return c.Edges }),
			stakeholderEdgeObj, ptr[model.StakeholderEdge]),
		"nodes": list(of(func(c *model.StakeholderConnection) []*hub.Stakeholder { return c.Nodes }),
			stakeholderObj, ptr[hub.Stakeholder]),
		"pageInfo": one(of(func(c *model.StakeholderConnection) *model.PageInfo { return c.PageInfo }),
			pageInfoObj, true, ptr[model.PageInfo]),
		"totalCount": integer(func(c *model.StakeholderConnection) int { return c.TotalCount }),
	}
	stakeholderEdgeObj.fields = map[string]fieldSpec[*model.StakeholderEdge]{
		"cursor": str(func(e *model.StakeholderEdge) string { return e.Cursor }),
		"node": one(of(func(e *model.StakeholderEdge) *hub.Stakeholder { return e.Node }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
	}
	actorObj.fields = map[string]fieldSpec[hub.Actor]{
		"name": str(func(a hub.Actor) string { return a.Name }),
		"role": enum(func(a hub.Actor) hub.ActorRole { return a.Role }),
		"stakeholder": one(func(w *writer, a hub.Actor) (*hub.Stakeholder, error) {
			return w.ex.actor.Stakeholder(w.ctx, &a)
		}, stakeholderObj, false, ptr[hub.Stakeholder]),
	}
}

// contacts are private: the resolver returns null to anonymous callers.
func contacts(c *compiler, f *graphql.CollectedField) (emit[*hub.Stakeholder], bool) {
	if !noArgs(f) {
		return nil, false
	}
	sub, ok := contactObj.compile(c, f.Selections)
	if !ok {
		return nil, false
	}
	return func(w *writer, s *hub.Stakeholder) {
		cs, err := w.ex.stakeholder.Contacts(w.ctx, s)
		if err != nil {
			w.fail()
			return
		}
		if cs == nil {
			w.null()
			return
		}
		writeList(w, cs, sub, ptr[hub.Contact])
	}, true
}

// stakeholderCommitments pages a stakeholder's commitments through the resolver.
func stakeholderCommitments(c *compiler, f *graphql.CollectedField) (emit[*hub.Stakeholder], bool) {
	args, ok := argsOf(f, decodeStakeholderCommitments, append([]string{"roles"}, pageArgNames...)...)
	if !ok {
		return nil, false
	}
	sub, ok := connectionObj.compile(c, f.Selections)
	if !ok {
		return nil, false
	}
	return func(w *writer, s *hub.Stakeholder) {
		a, ok := args(w)
		if !ok {
			w.fail()
			return
		}
		conn, err := w.ex.stakeholder.Commitments(w.ctx, s, a.page.first, a.page.after, a.page.last, a.page.before, a.roles)
		if err != nil || conn == nil {
			w.fail()
			return
		}
		sub(w, conn)
	}, true
}

// progressReports pages a commitment's reports through the resolver.
func progressReports(c *compiler, f *graphql.CollectedField) (emit[*gqltype.Commitment], bool) {
	page, ok := argsOf(f, decodePage, pageArgNames...)
	if !ok {
		return nil, false
	}
	sub, ok := reportConnectionObj.compile(c, f.Selections)
	if !ok {
		return nil, false
	}
	return func(w *writer, cm *gqltype.Commitment) {
		a, ok := page(w)
		if !ok {
			w.fail()
			return
		}
		conn, err := w.ex.commitment.ProgressReports(w.ctx, cm, a.first, a.after, a.last, a.before)
		if err != nil || conn == nil {
			w.fail()
			return
		}
		sub(w, conn)
	}, true
}

// ------------------------------------------------------------ root fields

// rootField compiles a root field whose arguments are decoded per
// execution by args and whose value comes from resolve.
func rootField[A, U any](known []string, args func(raw map[string]any) (A, bool),
	resolve func(w *writer, f *graphql.CollectedField, a A) (U, error), o *object[U], nonNull bool, isNil func(U) bool) fieldSpec[struct{}] {
	return func(c *compiler, f *graphql.CollectedField) (emit[struct{}], bool) {
		if !knownArgs(f, known...) {
			return nil, false
		}
		sub, ok := o.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, _ struct{}) {
			a, ok := args(f.ArgumentMap(w.vars))
			if !ok {
				w.fail()
				return
			}
			u, err := resolve(w, f, a)
			switch {
			case err != nil:
				w.fail()
			case isNil(u) && nonNull:
				w.fail()
			case isNil(u):
				w.null()
			default:
				sub(w, u)
			}
		}, true
	}
}

var commitmentByID = rootField([]string{"id"},
	func(raw map[string]any) (string, bool) { return requiredID(raw, "id") },
	func(w *writer, _ *graphql.CollectedField, id string) (*gqltype.Commitment, error) {
		return w.ex.query.Commitment(w.ctx, id, nil)
	}, commitmentObj, false, ptr[gqltype.Commitment])

var commitmentByReference = rootField([]string{"reference"},
	func(raw map[string]any) (string, bool) { return requiredString(raw, "reference") },
	func(w *writer, _ *graphql.CollectedField, ref string) (*gqltype.Commitment, error) {
		return w.ex.query.CommitmentByReference(w.ctx, ref)
	}, commitmentObj, false, ptr[gqltype.Commitment])

var stakeholderByID = rootField([]string{"id"},
	func(raw map[string]any) (string, bool) { return requiredID(raw, "id") },
	func(w *writer, _ *graphql.CollectedField, id string) (*hub.Stakeholder, error) {
		return w.ex.query.Stakeholder(w.ctx, id, nil)
	}, stakeholderObj, false, ptr[hub.Stakeholder])

type stakeholdersArgs struct {
	page   pageArgs
	filter *model.StakeholderFilter
}

var stakeholders = rootField(append([]string{"filter"}, pageArgNames...),
	func(raw map[string]any) (a stakeholdersArgs, ok bool) {
		var okP, okF bool
		a.page, okP = decodePage(raw)
		a.filter, okF = stakeholderFilter(raw)
		return a, okP && okF
	},
	func(w *writer, _ *graphql.CollectedField, a stakeholdersArgs) (*model.StakeholderConnection, error) {
		return w.ex.query.Stakeholders(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, nil)
	}, stakeholdersObj, true, ptr[model.StakeholderConnection])

type commitmentsArgs struct {
	page    pageArgs
	filter  *model.CommitmentFilter
	orderBy *model.CommitmentOrder
}

var commitments = rootField(append([]string{"filter", "orderBy"}, pageArgNames...),
	func(raw map[string]any) (a commitmentsArgs, ok bool) {
		var okP, okF, okO bool
		a.page, okP = decodePage(raw)
		a.filter, okF = commitmentFilter(raw)
		a.orderBy, okO = commitmentOrder(raw)
		return a, okP && okF && okO
	},
	func(w *writer, f *graphql.CollectedField, a commitmentsArgs) (*model.CommitmentConnection, error) {
		// The resolver counts the matches only when the selection asks
		// for totalCount: it reads that from the field's context.
		ctx := graphql.WithFieldContext(w.ctx, &graphql.FieldContext{Object: "Query", Field: *f, IsMethod: true, IsResolver: true})
		return w.ex.query.Commitments(ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, a.orderBy, nil)
	}, connectionObj, true, ptr[model.CommitmentConnection])

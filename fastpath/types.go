package fastpath

import (
	"time"

	"convene/graph/model"
	"convene/hub"
	"convene/opaque"
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
	verificationObj     = &object[*hub.Verification]{name: "Verification"}
	statsObj            = &object[*hub.CommitmentStats]{name: "CommitmentStats"}
	statusCountObj      = &object[hub.StatusCount]{name: "StatusCount"}
	sectorStatsObj      = &object[hub.SectorStats]{name: "SectorStats"}
	pillarStatsObj      = &object[hub.PillarStats]{name: "PillarStats"}
	pointObj            = &object[*hub.ProgressPoint]{name: "ProgressPoint"}
	periodObj           = &object[hub.IndicatorPeriod]{name: "IndicatorPeriod"}
	periodActualObj     = &object[hub.PeriodActual]{name: "PeriodActual"}
	breakdownObj        = &object[hub.Disaggregation]{name: "Disaggregation"}
)

// id is an ID made by a resolver.
// globalID writes the global ID of kind t with the domain ID get returns,
// in place (base64url needs no escaping), as the kind's view or resolver
// returns it.
func globalID[T any](t hub.EntityType, get func(T) string) fieldSpec[T] {
	return leaf(func(w *writer, v T) {
		w.buf = append(opaque.AppendGlobalID(append(w.buf, '"'), t, get(v)), '"')
	})
}

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
		"commitmentStats":       commitmentStats,
		"node":                  node,
		"nodes":                 nodes,
		"meeting":               meeting,
		"strategicPlans":        strategicPlans,
		"communities":           communities,
		"referralStats":         referralStats,
		"services":              services,
		"referralNetworks":      referralNetworks,
		"meetings":              meetings,
		"outcomes":              outcomes,
	}
	statsObj.fields = map[string]fieldSpec[*hub.CommitmentStats]{
		"total":            integer(func(s *hub.CommitmentStats) int { return s.Total }),
		"averageProgress":  float(func(s *hub.CommitmentStats) float64 { return s.AverageProgress }),
		"verifiedProgress": float(func(s *hub.CommitmentStats) float64 { return s.VerifiedProgress }),
		"overdue":          integer(func(s *hub.CommitmentStats) int { return s.Overdue }),
		"verified":         integer(func(s *hub.CommitmentStats) int { return s.Verified }),
		"byStatus": list(of(func(s *hub.CommitmentStats) []hub.StatusCount { return s.ByStatus }),
			statusCountObj, never[hub.StatusCount]),
		"bySector": list(of(func(s *hub.CommitmentStats) []hub.SectorStats { return s.BySector }),
			sectorStatsObj, never[hub.SectorStats]),
		"byPillar": list(of(func(s *hub.CommitmentStats) []hub.PillarStats { return s.ByPillar }),
			pillarStatsObj, never[hub.PillarStats]),
		"byStakeholder": byStakeholder,
		// The resolver reads the filter from the field context above its own.
		"progressSeries": func(c *compiler, f *graphql.CollectedField) (emit[*hub.CommitmentStats], bool) {
			return progressSeries(func(w *writer, s *hub.CommitmentStats, a seriesArgs) ([]*hub.ProgressPoint, error) {
				ctx := graphql.WithFieldContext(w.ctx, &graphql.FieldContext{Object: "CommitmentStats", Field: *f,
					Args: map[string]any{"interval": a.interval, "from": a.from, "to": a.to}, IsMethod: true, IsResolver: true})
				return w.ex.commitmentStats.ProgressSeries(ctx, s, a.interval, a.from, a.to)
			})(c, f)
		},
	}
	statusCountObj.fields = map[string]fieldSpec[hub.StatusCount]{
		"status":   enum(func(s hub.StatusCount) hub.CommitmentStatus { return s.Status }),
		"count":    integer(func(s hub.StatusCount) int { return s.Count }),
		"overdue":  integer(func(s hub.StatusCount) int { return s.Overdue }),
		"verified": integer(func(s hub.StatusCount) int { return s.Verified }),
	}
	sectorStatsObj.fields = map[string]fieldSpec[hub.SectorStats]{
		"sector":           enum(func(s hub.SectorStats) hub.Sector { return s.Sector }),
		"count":            integer(func(s hub.SectorStats) int { return s.Count }),
		"averageProgress":  float(func(s hub.SectorStats) float64 { return s.AverageProgress }),
		"verifiedProgress": float(func(s hub.SectorStats) float64 { return s.VerifiedProgress }),
		"overdue":          integer(func(s hub.SectorStats) int { return s.Overdue }),
		"verified":         integer(func(s hub.SectorStats) int { return s.Verified }),
	}
	pillarStatsObj.fields = map[string]fieldSpec[hub.PillarStats]{
		"pillar": one(of(func(s hub.PillarStats) *hub.Pillar { return s.Pillar }),
			pillarObj, true, ptr[hub.Pillar]),
		"count":            integer(func(s hub.PillarStats) int { return s.Count }),
		"averageProgress":  float(func(s hub.PillarStats) float64 { return s.AverageProgress }),
		"verifiedProgress": float(func(s hub.PillarStats) float64 { return s.VerifiedProgress }),
		"overdue":          integer(func(s hub.PillarStats) int { return s.Overdue }),
		"verified":         integer(func(s hub.PillarStats) int { return s.Verified }),
	}
	pointObj.fields = map[string]fieldSpec[*hub.ProgressPoint]{
		"start":       leaf(func(w *writer, p *hub.ProgressPoint) { w.goQuoted(string(p.Start)) }),
		"end":         leaf(func(w *writer, p *hub.ProgressPoint) { w.goQuoted(string(p.End)) }),
		"progress":    float(func(p *hub.ProgressPoint) float64 { return p.Progress }),
		"commitments": integer(func(p *hub.ProgressPoint) int { return p.Commitments }),
		"reports":     integer(func(p *hub.ProgressPoint) int { return p.Reports }),
	}

	commitmentObj.fields = map[string]fieldSpec[*gqltype.Commitment]{
		"id":              globalID(hub.TypeCommitment, func(c *gqltype.Commitment) string { return c.ID }),
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
		"lead": one(of(func(c *gqltype.Commitment) *hub.Stakeholder { return c.Lead() }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
		"pillar": one(of(func(c *gqltype.Commitment) *hub.Pillar { return c.Pillar() }),
			pillarObj, true, ptr[hub.Pillar]),
		"objective": one(of(func(c *gqltype.Commitment) *gqltype.Objective { return c.Objective() }),
			objectiveObj, true, ptr[gqltype.Objective]),
		"participants": list(of(func(c *gqltype.Commitment) []gqltype.Participant { return c.Participants() }),
			participantObj, never[gqltype.Participant]),
		"indicators": list(of(func(c *gqltype.Commitment) []hub.Indicator { return c.Indicators }),
			indicatorObj, never[hub.Indicator]),
		"targetCommunities": list(func(w *writer, c *gqltype.Commitment) ([]*hub.Community, error) {
			return w.ex.commitment.TargetCommunities(w.ctx, c)
		}, communityObj, ptr[hub.Community]),
		"progressReports": progressReports,
		"latestReport": one(func(w *writer, c *gqltype.Commitment) (*gqltype.ProgressReport, error) {
			return w.ex.commitment.LatestReport(w.ctx, c)
		}, reportObj, false, ptr[gqltype.ProgressReport]),
		"verification": leaf(func(w *writer, c *gqltype.Commitment) {
			v, err := w.ex.commitment.Verification(w.ctx, c)
			if err != nil {
				w.fail()
			}
			w.str(string(v))
		}),
		"verifiedProgress": integer(func(c *gqltype.Commitment) int { return c.VerifiedProgress }),
		"parent": one(func(w *writer, c *gqltype.Commitment) (*gqltype.Commitment, error) {
			return w.ex.commitment.Parent(w.ctx, c)
		}, commitmentObj, false, ptr[gqltype.Commitment]),
		"children": children,
		"history":  commitmentHistory,
		"outcomes": list(func(w *writer, c *gqltype.Commitment) ([]*gqltype.MeetingOutcome, error) {
			return w.ex.commitment.Outcomes(w.ctx, c)
		}, outcomeObj, ptr[gqltype.MeetingOutcome]),
		"progressSeries": progressSeries(func(w *writer, c *gqltype.Commitment, a seriesArgs) ([]*hub.ProgressPoint, error) {
			return w.ex.commitment.ProgressSeries(w.ctx, c, a.interval, a.from, a.to)
		}),
		"weight":           float(func(c *gqltype.Commitment) float64 { return c.Weight() }),
		"rolledUpProgress": float(func(c *gqltype.Commitment) float64 { return c.RolledUpProgress() }),
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
		"id":          globalID(hub.TypeStakeholder, func(s *hub.Stakeholder) string { return s.ID }),
		"name":        str(func(s *hub.Stakeholder) string { return s.Name }),
		"sector":      enum(func(s *hub.Stakeholder) hub.Sector { return s.Sector }),
		"description": str(func(s *hub.Stakeholder) string { return s.Description }),
		"acronym":     optStr(func(_ *writer, s *hub.Stakeholder) (*string, error) { return s.AcronymOrNil(), nil }),
		"website":     optStr(func(_ *writer, s *hub.Stakeholder) (*string, error) { return s.WebsiteOrNil(), nil }),
		"parent": one(func(w *writer, s *hub.Stakeholder) (*hub.Stakeholder, error) {
			return w.ex.stakeholder.Parent(w.ctx, s)
		}, stakeholderObj, false, ptr[hub.Stakeholder]),
		"contacts": privateContacts(func(w *writer, s *hub.Stakeholder) ([]*hub.Contact, error) {
			return w.ex.stakeholder.Contacts(w.ctx, s)
		}),
		"children": list(func(w *writer, s *hub.Stakeholder) ([]*hub.Stakeholder, error) {
			return w.ex.stakeholder.Children(w.ctx, s)
		}, stakeholderObj, ptr[hub.Stakeholder]),
		"commitments": stakeholderCommitments,
		"progressSeries": progressSeries(func(w *writer, s *hub.Stakeholder, a seriesArgs) ([]*hub.ProgressPoint, error) {
			return w.ex.stakeholder.ProgressSeries(w.ctx, s, a.interval, a.from, a.to)
		}),
		"version":   integer(func(s *hub.Stakeholder) int { return s.Version }),
		"createdAt": leaf(func(w *writer, s *hub.Stakeholder) { w.dateTime(s.CreatedAt) }),
		"updatedAt": leaf(func(w *writer, s *hub.Stakeholder) { w.dateTime(s.UpdatedAt) }),
	}
	contactObj.fields = map[string]fieldSpec[*hub.Contact]{
		"name":  str(func(c *hub.Contact) string { return c.Name }),
		"title": str(func(c *hub.Contact) string { return c.Title }),
		"email": str(func(c *hub.Contact) string { return c.Email }),
		"phone": str(func(c *hub.Contact) string { return c.Phone }),
	}

	pillarObj.fields = map[string]fieldSpec[*hub.Pillar]{
		"id":          globalID(hub.TypePillar, func(p *hub.Pillar) string { return p.ID }),
		"code":        str(func(p *hub.Pillar) string { return p.Code }),
		"title":       str(func(p *hub.Pillar) string { return p.Title }),
		"description": str(func(p *hub.Pillar) string { return p.Description }),
		"archived":    boolean(of(func(p *hub.Pillar) bool { return p.Archived })),
		"version":     integer(func(p *hub.Pillar) int { return p.Version }),
		"progressSeries": progressSeries(func(w *writer, p *hub.Pillar, a seriesArgs) ([]*hub.ProgressPoint, error) {
			return w.ex.pillar.ProgressSeries(w.ctx, p, a.interval, a.from, a.to)
		}),
		"plan":       pillarPlan,
		"objectives": pillarObjectives,
	}
	objectiveObj.fields = map[string]fieldSpec[*gqltype.Objective]{
		"id":          globalID(hub.TypeObjective, func(o *gqltype.Objective) string { return o.ID }),
		"code":        str(func(o *gqltype.Objective) string { return o.Code }),
		"title":       str(func(o *gqltype.Objective) string { return o.Title }),
		"description": str(func(o *gqltype.Objective) string { return o.Description }),
		"archived":    boolean(of(func(o *gqltype.Objective) bool { return o.Archived })),
		"version":     integer(func(o *gqltype.Objective) int { return o.Version }),
		"pillar": one(of(func(o *gqltype.Objective) *hub.Pillar { return o.Pillar }),
			pillarObj, true, ptr[hub.Pillar]),
		"commitments": objectiveCommitments,
	}
	participantObj.fields = map[string]fieldSpec[gqltype.Participant]{
		"role": enum(func(p gqltype.Participant) hub.ParticipantRole { return p.Role }),
		"stakeholder": one(of(func(p gqltype.Participant) *hub.Stakeholder { return p.Stakeholder }),
			stakeholderObj, true, ptr[hub.Stakeholder]),
	}
	indicatorObj.fields = map[string]fieldSpec[hub.Indicator]{
		"name":         str(func(i hub.Indicator) string { return i.Name }),
		"unit":         str(func(i hub.Indicator) string { return i.Unit }),
		"baseline":     float(func(i hub.Indicator) float64 { return i.Baseline }),
		"baselineDate": leaf(func(w *writer, i hub.Indicator) { w.goQuoted(string(i.BaselineDate)) }),
		"baselineNote": str(func(i hub.Indicator) string { return i.BaselineNote }),
		"target":       float(func(i hub.Indicator) float64 { return i.Target }),
		"latestValue":  optFloat(func(i hub.Indicator) *float64 { return i.LatestValue }),
		"additive":     boolean(of(func(i hub.Indicator) bool { return i.Additive })),
		"periods": list(of(func(i hub.Indicator) []hub.IndicatorPeriod { return i.Periods }),
			periodObj, never[hub.IndicatorPeriod]),
	}
	periodObj.fields = map[string]fieldSpec[hub.IndicatorPeriod]{
		"start":  leaf(func(w *writer, p hub.IndicatorPeriod) { w.goQuoted(string(p.Start)) }),
		"end":    leaf(func(w *writer, p hub.IndicatorPeriod) { w.goQuoted(string(p.End)) }),
		"target": float(func(p hub.IndicatorPeriod) float64 { return p.Target }),
		"actual": optFloat(func(p hub.IndicatorPeriod) *float64 { return p.Actual }),
		"note":   str(func(p hub.IndicatorPeriod) string { return p.Note }),
		"breakdown": list(of(func(p hub.IndicatorPeriod) []hub.Disaggregation { return p.Breakdown }),
			breakdownObj, never[hub.Disaggregation]),
	}
	periodActualObj.fields = map[string]fieldSpec[hub.PeriodActual]{
		"indicator":   str(func(a hub.PeriodActual) string { return a.Indicator }),
		"periodStart": leaf(func(w *writer, a hub.PeriodActual) { w.goQuoted(string(a.PeriodStart)) }),
		"actual":      float(func(a hub.PeriodActual) float64 { return a.Actual }),
		"note":        str(func(a hub.PeriodActual) string { return a.Note }),
		"breakdown": list(of(func(a hub.PeriodActual) []hub.Disaggregation { return a.Breakdown }),
			breakdownObj, never[hub.Disaggregation]),
	}
	breakdownObj.fields = map[string]fieldSpec[hub.Disaggregation]{
		"dimension": enum(func(d hub.Disaggregation) hub.Dimension { return d.Dimension }),
		"value": id(func(w *writer, d hub.Disaggregation) (string, error) {
			return w.ex.disaggregation.Value(w.ctx, &d)
		}),
		"community": one(func(w *writer, d hub.Disaggregation) (*hub.Community, error) {
			return w.ex.disaggregation.Community(w.ctx, &d)
		}, communityObj, false, ptr[hub.Community]),
		"actual": float(func(d hub.Disaggregation) float64 { return d.Actual }),
	}
	communityObj.fields = map[string]fieldSpec[*hub.Community]{
		"id":       globalID(hub.TypeCommunity, func(c *hub.Community) string { return c.ID }),
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
		"id": str((*gqltype.ProgressReport).GlobalID),
		"verification": one(of(func(r *gqltype.ProgressReport) *hub.Verification { return r.Verification }),
			verificationObj, false, ptr[hub.Verification]),
		"periodActuals": list(of(func(r *gqltype.ProgressReport) []hub.PeriodActual { return r.Actuals }),
			periodActualObj, never[hub.PeriodActual]),
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
	verificationObj.fields = map[string]fieldSpec[*hub.Verification]{
		"verdict":    enum(func(v *hub.Verification) hub.Verdict { return v.Verdict }),
		"note":       str(func(v *hub.Verification) string { return v.Note }),
		"evidence":   leaf(func(w *writer, v *hub.Verification) { w.strings(v.Evidence) }),
		"verifiedBy": one(of(func(v *hub.Verification) hub.Actor { return v.By }), actorObj, true, never[hub.Actor]),
		"verifiedAt": leaf(func(w *writer, v *hub.Verification) { w.dateTime(v.At) }),
	}
	actorObj.fields = map[string]fieldSpec[hub.Actor]{
		"name": str(func(a hub.Actor) string { return a.Name }),
		"role": enum(func(a hub.Actor) hub.ActorRole { return a.Role }),
		"stakeholder": one(func(w *writer, a hub.Actor) (*hub.Stakeholder, error) {
			return w.ex.actor.Stakeholder(w.ctx, &a)
		}, stakeholderObj, false, ptr[hub.Stakeholder]),
	}
}

// privateContacts are contacts, which are private: the resolver get
// calls returns null to a caller who may not see them.
func privateContacts[T any](get func(w *writer, v T) ([]*hub.Contact, error)) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		if !noArgs(f) {
			return nil, false
		}
		sub, ok := contactObj.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			cs, err := get(w, v)
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

// children pages a commitment's sub-commitments through the resolver.
var children = pageField(connectionObj, func(w *writer, cm *gqltype.Commitment, a pageArgs) (*model.CommitmentConnection, error) {
	return w.ex.commitment.Children(w.ctx, cm, a.first, a.after, a.last, a.before)
})

// progressReports pages a commitment's reports through the resolver.
var progressReports = pageField(reportConnectionObj, func(w *writer, cm *gqltype.Commitment, a pageArgs) (*model.ProgressReportConnection, error) {
	return w.ex.commitment.ProgressReports(w.ctx, cm, a.first, a.after, a.last, a.before)
})

// pageField compiles a connection of a T that takes only the page
// arguments and whose page comes from resolve (given the field, for a
// resolver that reads its selection from the field context).
func pageField[T any, C comparable](obj *object[C], resolve func(*writer, T, pageArgs) (C, error)) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		page, ok := argsOf(f, decodePage, pageArgNames...)
		if !ok {
			return nil, false
		}
		sub, ok := obj.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			a, ok := page(w)
			if !ok {
				w.fail()
				return
			}
			var zero C
			conn, err := resolve(w, v, a)
			if err != nil || conn == zero {
				w.fail()
				return
			}
			sub(w, conn)
		}, true
	}
}

// ------------------------------------------------------------ root fields

// rootField compiles a root field whose arguments are decoded per
// execution by args and whose value comes from resolve. Where resolvers
// read the field's arguments from the field context above theirs (asOf,
// which everything under the field answers at; commitmentStats' filter,
// which its progressSeries counts), fieldArgs gives them (nil: none).
func rootField[A, U any](known []string, args func(raw map[string]any) (A, bool), fieldArgs func(A) map[string]any,
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
			raw, ok := w.arguments(f)
			var a A
			if ok {
				a, ok = args(raw)
			}
			if !ok {
				w.fail()
				return
			}
			if fieldArgs != nil {
				if fa := fieldArgs(a); fa != nil {
					outer := w.ctx
					w.ctx = graphql.WithFieldContext(outer, &graphql.FieldContext{Object: "Query", Field: *f, Args: fa, IsMethod: true, IsResolver: true})
					defer func() { w.ctx = outer }()
				}
			}
			u, err := resolve(w, f, a)
			writeObject(w, u, err, nonNull, isNil, sub)
		}, true
	}
}

// byID are the arguments of a root field that finds one entity by ID.
type byID struct {
	id   string
	asOf *time.Time
}

func decodeByID(raw map[string]any) (a byID, ok bool) {
	var okI, okT bool
	a.id, okI = requiredID(raw, "id")
	a.asOf, okT = optDateTime(raw, "asOf")
	return a, okI && okT
}

// asOfArgs are the field context's arguments of an asOf (nil: now).
func asOfArgs(t *time.Time) map[string]any {
	if t == nil {
		return nil
	}
	return map[string]any{"asOf": t}
}

func (a byID) fieldArgs() map[string]any { return asOfArgs(a.asOf) }

var commitmentByID = rootField([]string{"id", "asOf"}, decodeByID, byID.fieldArgs,
	func(w *writer, _ *graphql.CollectedField, a byID) (*gqltype.Commitment, error) {
		return w.ex.query.Commitment(w.ctx, a.id, a.asOf)
	}, commitmentObj, false, ptr[gqltype.Commitment])

var commitmentByReference = rootField([]string{"reference"},
	func(raw map[string]any) (string, bool) { return requiredString(raw, "reference") }, nil,
	func(w *writer, _ *graphql.CollectedField, ref string) (*gqltype.Commitment, error) {
		return w.ex.query.CommitmentByReference(w.ctx, ref)
	}, commitmentObj, false, ptr[gqltype.Commitment])

var stakeholderByID = rootField([]string{"id", "asOf"}, decodeByID, byID.fieldArgs,
	func(w *writer, _ *graphql.CollectedField, a byID) (*hub.Stakeholder, error) {
		return w.ex.query.Stakeholder(w.ctx, a.id, a.asOf)
	}, stakeholderObj, false, ptr[hub.Stakeholder])

var stakeholders = listRoot(stakeholderFilter, stakeholderOrder,
	func(w *writer, a listArgs[model.StakeholderFilter, model.StakeholderOrder]) (*model.StakeholderConnection, error) {
		return w.ex.query.Stakeholders(w.ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, a.orderBy)
	}, stakeholdersObj)

type commitmentsArgs struct {
	page    pageArgs
	filter  *model.CommitmentFilter
	orderBy *model.CommitmentOrder
	asOf    *time.Time
}

var commitments = rootField(append([]string{"filter", "orderBy", "asOf"}, pageArgNames...),
	func(raw map[string]any) (a commitmentsArgs, ok bool) {
		var okP, okF, okO, okT bool
		a.page, okP = decodePage(raw)
		a.filter, okF = commitmentFilter.decode(raw, "filter")
		a.orderBy, okO = commitmentOrder.decode(raw, "orderBy")
		a.asOf, okT = optDateTime(raw, "asOf")
		return a, okP && okF && okO && okT
	}, func(a commitmentsArgs) map[string]any { return asOfArgs(a.asOf) },
	func(w *writer, f *graphql.CollectedField, a commitmentsArgs) (*model.CommitmentConnection, error) {
		// The resolver counts the matches only when the selection asks
		// for totalCount: it reads that from the field's context.
		ctx := graphql.WithFieldContext(w.ctx, &graphql.FieldContext{Object: "Query", Field: *f, IsMethod: true, IsResolver: true})
		return w.ex.query.Commitments(ctx, a.page.first, a.page.after, a.page.last, a.page.before, a.filter, a.orderBy, a.asOf)
	}, connectionObj, true, ptr[model.CommitmentConnection])

type commitmentStatsArgs struct {
	filter *model.CommitmentFilter
	asOf   *time.Time
}

func decodeCommitmentStats(raw map[string]any) (a commitmentStatsArgs, ok bool) {
	var okF, okT bool
	a.filter, okF = commitmentFilter.decode(raw, "filter")
	a.asOf, okT = optDateTime(raw, "asOf")
	return a, okF && okT
}

func resolveCommitmentStats(w *writer, _ *graphql.CollectedField, a commitmentStatsArgs) (*hub.CommitmentStats, error) {
	return w.ex.query.CommitmentStats(w.ctx, a.filter, a.asOf)
}

// commitmentStats gives its resolver the field context that something
// reads: a progressSeries of the figures reads the filter from it, the
// fields below read asOf; without either, none.
func commitmentStats(c *compiler, f *graphql.CollectedField) (emit[struct{}], bool) {
	for _, g := range graphql.CollectFields(c.opCtx, f.Selections, c.satisfies(statsObj.name)) {
		if g.Name == "progressSeries" {
			return commitmentStatsWithFilter(c, f)
		}
	}
	return commitmentStatsFigures(c, f)
}

var (
	commitmentStatsWithFilter = rootField([]string{"filter", "asOf"}, decodeCommitmentStats,
		func(a commitmentStatsArgs) map[string]any { return map[string]any{"filter": a.filter, "asOf": a.asOf} },
		resolveCommitmentStats, statsObj, true, ptr[hub.CommitmentStats])
	commitmentStatsFigures = rootField([]string{"filter", "asOf"}, decodeCommitmentStats,
		func(a commitmentStatsArgs) map[string]any { return asOfArgs(a.asOf) },
		resolveCommitmentStats, statsObj, true, ptr[hub.CommitmentStats])
)

// seriesArgs are a progressSeries' arguments.
type seriesArgs struct {
	interval hub.SeriesInterval
	from, to hub.Date
}

func decodeSeries(raw map[string]any) (a seriesArgs, ok bool) {
	var errI, errF, errT error
	a.interval, errI = gqltype.UnmarshalSeriesInterval(raw["interval"])
	a.from, errF = gqltype.UnmarshalDate(raw["from"])
	a.to, errT = gqltype.UnmarshalDate(raw["to"])
	return a, errI == nil && errF == nil && errT == nil
}

// progressSeries is a progressSeries field of T, from its resolver.
func progressSeries[T any](resolve func(w *writer, v T, a seriesArgs) ([]*hub.ProgressPoint, error)) fieldSpec[T] {
	return func(c *compiler, f *graphql.CollectedField) (emit[T], bool) {
		args, ok := argsOf(f, decodeSeries, "interval", "from", "to")
		if !ok {
			return nil, false
		}
		sub, ok := pointObj.compile(c, f.Selections)
		if !ok {
			return nil, false
		}
		return func(w *writer, v T) {
			a, ok := args(w)
			if !ok {
				w.fail()
				return
			}
			points, err := resolve(w, v, a)
			if err != nil {
				w.fail()
				return
			}
			writeList(w, points, sub, ptr[hub.ProgressPoint])
		}, true
	}
}

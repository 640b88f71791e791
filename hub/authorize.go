package hub

// ForbiddenError says what the actor may not do.
type ForbiddenError struct{ Reason string }

func (e *ForbiddenError) Error() string { return e.Reason }

func forbidden(reason string) error { return &ForbiddenError{Reason: reason} }

// The rules: the system (seed data) and admins may do everything; an
// editor acts for one stakeholder: the commitments it leads or joins, its
// own profile, the status of the outcomes it owns; viewers write nothing.

func isAdmin(a Actor) bool { return a.Role == ActorAdmin || a.Role == ActorSystem }

func requireAdmin(a Actor) error {
	if !isAdmin(a) {
		return forbidden("only the secretariat (an admin token) may do this")
	}
	return nil
}

func canEditCommitment(a Actor, c *Commitment) error {
	if isAdmin(a) || (a.Role == ActorEditor && c.Involves(a.StakeholderID)) {
		return nil
	}
	return forbidden("only an admin, or an editor of a stakeholder that leads or takes part in this commitment, may change it")
}

func canEditStakeholder(a Actor, id string) error {
	if isAdmin(a) || (a.Role == ActorEditor && a.StakeholderID == id) {
		return nil
	}
	return forbidden("only an admin, or an editor acting for this stakeholder, may change its profile")
}

func canUpdateOutcome(a Actor, o *MeetingOutcome) error {
	if isAdmin(a) || (a.Role == ActorEditor && o.OwnerID != "" && o.OwnerID == a.StakeholderID) {
		return nil
	}
	return forbidden("only an admin, or an editor of the stakeholder that owns this outcome, may change its status")
}

// canCreateWebhook: admins and editors (whose webhooks see what their
// token sees).
func canCreateWebhook(a Actor) error {
	if isAdmin(a) || a.Role == ActorEditor {
		return nil
	}
	return forbidden("only an admin or an editor may create a webhook")
}

// canManageWebhook: admins, and the token that created the webhook.
func canManageWebhook(a Actor, w *Webhook) error {
	if isAdmin(a) || (a.TokenID != "" && a.TokenID == w.Creator.TokenID) {
		return nil
	}
	return forbidden("only an admin, or the token that created this webhook, may change it")
}

// viewerOf is the actor as a reader, for visibility checks in commands.
func viewerOf(a Actor) Viewer {
	if a.Role == ActorSystem {
		return Viewer{Role: RoleAdmin}
	}
	return Viewer{Role: Role(a.Role), StakeholderID: a.StakeholderID, TokenID: a.TokenID}
}

// canVerifyReport: a verdict on a progress report comes from someone other
// than its reporter. The secretariat (admins) may judge any report but one
// made with its own token; an editor only a report of a commitment its
// stakeholder takes part in, made by another stakeholder of another
// sector (the lead's sector when the secretariat reported). sectorOf
// gives a stakeholder's sector.
func canVerifyReport(a Actor, c *Commitment, r *ProgressReport, sectorOf func(id string) Sector) error {
	by := r.ReportedBy
	switch {
	case a.Role == ActorSystem:
		return nil
	case a.Role == ActorAdmin && (a.TokenID == "" || a.TokenID != by.TokenID):
		return nil
	case a.Role == ActorAdmin:
		return forbidden("the reporter may not verify its own report: another stakeholder or the secretariat must")
	case a.Role != ActorEditor || !c.Involves(a.StakeholderID):
		return forbidden("only the secretariat (an admin), or an editor of a stakeholder that takes part in this commitment, may verify its reports")
	case a.StakeholderID == by.StakeholderID || (by.StakeholderID == "" && a.TokenID != "" && a.TokenID == by.TokenID):
		return forbidden("the reporter may not verify its own report: another stakeholder or the secretariat must")
	}
	reporter := by.StakeholderID
	if reporter == "" {
		reporter = c.LeadID
	}
	if mine, theirs := sectorOf(a.StakeholderID), sectorOf(reporter); mine == "" || mine == theirs {
		return forbidden("a report is verified by a participant from another sector than the reporter's (" + string(theirs) + "), or by the secretariat")
	}
	return nil
}

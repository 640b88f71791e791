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

func canEditService(a Actor, providerID string) error {
	if isAdmin(a) || (a.Role == ActorEditor && a.StakeholderID == providerID) {
		return nil
	}
	return forbidden("only an admin, or an editor acting for the provider, may add or change its services")
}

// canEditNetwork: admins, and editors of the coordinating stakeholder.
func canEditNetwork(a Actor, n *ReferralNetwork) error {
	if isAdmin(a) || (a.Role == ActorEditor && a.StakeholderID == n.CoordinatorID) {
		return nil
	}
	return forbidden("only an admin, or an editor of the network's coordinating stakeholder, may change it")
}

// canRefer: admins, and editors of the sending stakeholder.
func canRefer(a Actor, fromID string) error {
	if isAdmin(a) || (a.Role == ActorEditor && a.StakeholderID == fromID) {
		return nil
	}
	return forbidden("only an admin, or an editor acting for the sending stakeholder, may make a referral from it")
}

// canTakeStep: admins, and editors of the side the step belongs to.
func canTakeStep(a Actor, r *Referral, to ReferralStatus) error {
	side := referralStepBy[to]
	id := r.FromID
	if side == receiverSide {
		id = r.ToID
	}
	if isAdmin(a) || (a.Role == ActorEditor && a.StakeholderID == id) {
		return nil
	}
	return forbidden("only " + string(side) + " of this referral (or an admin) may move it to " + string(to))
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

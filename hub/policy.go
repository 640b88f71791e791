package hub

import "slices"

// The read policy: what a viewer may see, decided here for every path
// that reads (queries, node and nodes, history, exports, subscriptions and
// their replays, the response cache's audience). Each kind's registry row
// says which of its entities a viewer sees (Row.Visible; none: everyone)
// and which of its fields only authenticated viewers see (Row.Private).
// Visibility is judged by the entity's current state: an event of its past
// is shown or hidden as the entity is now, so a meeting made private
// later is private in every replay of its history too.

// Role is what a token may do.
type Role string

// Roles.
const (
	// RoleAdmin is the secretariat: everything, including tokens and meetings.
	RoleAdmin Role = "ADMIN"
	// RoleEditor acts for one stakeholder: its commitments, its profile,
	// the outcomes it owns.
	RoleEditor Role = "EDITOR"
	// RoleViewer reads everything, private data included, and writes nothing.
	RoleViewer Role = "VIEWER"
)

// Viewer is who is asking. The zero Viewer is an anonymous client.
type Viewer struct {
	Role          Role
	StakeholderID string // editors: the stakeholder they act for
	TokenID       string
	TokenLabel    string
}

// Authenticated reports whether the viewer presented a valid token.
func (v Viewer) Authenticated() bool { return v.Role != "" }

// Actor is the viewer as the author of a change.
func (v Viewer) Actor() Actor {
	role := ActorRole(v.Role)
	return Actor{Name: v.TokenLabel, Role: role, StakeholderID: v.StakeholderID, TokenID: v.TokenID}
}

// seesPrivateMeetings: admins and viewers see every private meeting.
func (v Viewer) seesPrivateMeetings() bool { return v.Role == RoleAdmin || v.Role == RoleViewer }

// canSeeMeeting is the meetings row's rule: a private meeting is visible to
// admins, viewers and editors of the stakeholders it convenes or invites.
func (v Viewer) canSeeMeeting(m *Meeting) bool {
	return m != nil && (!m.Private || v.seesPrivateMeetings() || (v.Role == RoleEditor && m.Invites(v.StakeholderID)))
}

// canSeeOutcome is the outcomes row's rule: an outcome is visible when its
// meeting is; call it under m.mu.
func canSeeOutcome(m *ReadModel, v Viewer, o *MeetingOutcome) bool {
	return v.canSeeMeeting(Meetings.get(m, o.MeetingID))
}

// canSeeReferral is the referrals row's rule: admins, and editors of the
// stakeholder that sent it or of the provider that received it. Viewers,
// who read everything else, do not: a referral concerns a young person.
func canSeeReferral(_ *ReadModel, v Viewer, r *Referral) bool {
	return v.Role == RoleAdmin || (v.Role == RoleEditor && r.Involves(v.StakeholderID))
}

// seesExactReferralFigures is the rule for referral figures: exact counts
// for admins, and for an editor whose filter counts only referrals its
// stakeholder received (providerIds naming it alone), each of which it may
// see. Everyone else, viewers included, gets figures under disclosure
// control (ReferralStats). The rule reads the filter, not the data, so
// that whether figures are exact says nothing of others' referrals.
func (v Viewer) seesExactReferralFigures(providerIDs []string) bool {
	switch {
	case v.Role == RoleAdmin:
		return true
	case v.Role != RoleEditor || v.StakeholderID == "" || len(providerIDs) == 0:
		return false
	}
	for _, p := range providerIDs {
		if p != v.StakeholderID {
			return false
		}
	}
	return true
}

// canSeeToken is the tokens row's rule: admins only.
func canSeeToken(_ *ReadModel, v Viewer, _ *Token) bool { return v.Role == RoleAdmin }

// canSeeWebhook is the webhooks row's rule: admins, and the token that
// created it; a deleted one nobody.
func canSeeWebhook(_ *ReadModel, v Viewer, w *Webhook) bool {
	return w.DeletedAt == nil && (v.Role == RoleAdmin || (v.TokenID != "" && v.TokenID == w.Creator.TokenID))
}

// CanSee reports whether v may see the entity of type t with this id, as
// it is now; false when there is none.
func (m *ReadModel) CanSee(v Viewer, t EntityType, id string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.canSee(v, t, id)
}

// canSee is CanSee under m.mu.
func (m *ReadModel) canSee(v Viewer, t EntityType, id string) bool {
	k := kindsByType[t]
	if k == nil {
		return false
	}
	e := m.tables[k.n].get(id)
	return e != nil && k.visible(m, v, e)
}

// Visible returns e, an entity (of any version), when v may see it as it
// is now, and nil otherwise (nil too for a nil pointer).
func (m *ReadModel) Visible(v Viewer, e any) any {
	en, _ := e.(entity)
	if k := kindOf(en); k != nil && m.CanSee(v, k.Type, en.meta().ID) {
		return e
	}
	return nil
}

// CanSeeEvent reports whether v may see an event: whether it may see the
// entity it changed, as that entity is now.
func (m *ReadModel) CanSeeEvent(v Viewer, e *Event) bool { return m.CanSee(v, e.Type, e.EntityID) }

// SeesField reports whether v may see a field (by its JSON name, as in
// history) of entities of type t.
func (v Viewer) SeesField(t EntityType, field string) bool {
	k := kindsByType[t]
	return k == nil || v.Authenticated() || !slices.Contains(k.Private, field)
}

// AudienceAnonymous is the audience of callers without a token.
const AudienceAnonymous = "anonymous"

// Audience names the class of viewers this policy treats alike: any two
// viewers with the same audience see the same entities and the same
// fields (TestAudienceMirrorsThePolicy holds it to that), so they may
// share a live subscription's execution.
func (v Viewer) Audience() string {
	switch {
	case !v.Authenticated():
		return AudienceAnonymous
	case v.Role == RoleAdmin:
		return "admin" // tokens
	case v.seesPrivateMeetings():
		return "private" // every meeting
	}
	// The meetings that invite its stakeholder, the referrals it sent or
	// received, and the webhooks of its token.
	return string(v.Role) + ":" + v.StakeholderID + ":" + v.TokenID
}

package hub

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

// SeesPrivate reports whether the viewer sees every private meeting.
func (v Viewer) SeesPrivate() bool { return v.Role == RoleAdmin || v.Role == RoleViewer }

// CanSeeMeeting: a private meeting is visible to admins, viewers and
// editors of the stakeholders it invites.
func (v Viewer) CanSeeMeeting(m *Meeting) bool {
	return m != nil && (!m.Private || v.SeesPrivate() || (v.Role == RoleEditor && m.Invites(v.StakeholderID)))
}

// CanSeeContacts: contact people are visible to authenticated viewers only.
func (v Viewer) CanSeeContacts() bool { return v.Authenticated() }

// Actor is the viewer as the author of a change.
func (v Viewer) Actor() Actor {
	role := ActorRole(v.Role)
	return Actor{Name: v.TokenLabel, Role: role, StakeholderID: v.StakeholderID, TokenID: v.TokenID}
}

// CanSeeOutcome: an outcome is visible when its meeting is.
func (m *ReadModel) CanSeeOutcome(v Viewer, o *MeetingOutcome) bool {
	return o != nil && v.CanSeeMeeting(Meetings.Get(m, o.MeetingID))
}

package hub

// Subscription filters decide, event by event, what a live subscriber
// receives. They look related entities up in the current read model, so a
// replayed event is matched against today's meeting invitations and
// commitment links, not those of its time.

// OutcomeSubscription selects newly recorded outcomes; empty fields select all.
type OutcomeSubscription struct {
	MeetingIDs     []string
	OwnerIDs       []string
	StakeholderIDs []string // owner, or convener or participant of the meeting
	Sectors        []Sector // of the owner
	PillarIDs      []string // of a linked commitment
	Kinds          []OutcomeKind
	Viewer         Viewer // only outcomes of meetings the viewer may see
}

// OutcomeRecorded matches the events that record an outcome selected by f.
func (m *ReadModel) OutcomeRecorded(f OutcomeSubscription) func(*Event) bool {
	return func(e *Event) bool {
		o := Outcomes.Of(e.State)
		if o == nil || e.Kind != "MeetingOutcomeRecorded" || !among(f.MeetingIDs, o.MeetingID) || !among(f.Kinds, o.Kind) {
			return false
		}
		if len(f.OwnerIDs) > 0 && (o.OwnerID == "" || !among(f.OwnerIDs, o.OwnerID)) {
			return false
		}
		m.mu.RLock()
		defer m.mu.RUnlock()
		if !m.canSee(f.Viewer, TypeOutcome, o.ID) {
			return false
		}
		if len(f.Sectors) > 0 {
			owner := Stakeholders.get(m, o.OwnerID)
			if owner == nil || !among(f.Sectors, owner.Sector) {
				return false
			}
		}
		if len(f.StakeholderIDs) > 0 && !m.concerns(o, f.StakeholderIDs) {
			return false
		}
		if len(f.PillarIDs) > 0 {
			for _, id := range o.CommitmentIDs {
				if c := Commitments.get(m, id); c != nil && among(f.PillarIDs, c.PillarID) {
					return true
				}
			}
			return false
		}
		return true
	}
}

// concerns reports whether the outcome's owner or its meeting's convener
// or participants include one of ids; call it under m.mu.
func (m *ReadModel) concerns(o *MeetingOutcome, ids []string) bool {
	meeting := Meetings.get(m, o.MeetingID)
	for _, id := range ids {
		if id == o.OwnerID || (meeting != nil && meeting.Invites(id)) {
			return true
		}
	}
	return false
}

// CommitmentSubscription selects commitment changes; empty fields select all.
type CommitmentSubscription struct {
	CommitmentIDs  []string
	StakeholderIDs []string
	Sectors        []Sector
	PillarIDs      []string
	ObjectiveIDs   []string
	Statuses       []CommitmentStatus // after the change
}

// CommitmentChanged matches the events that change a commitment selected by f.
func (m *ReadModel) CommitmentChanged(f CommitmentSubscription) func(*Event) bool {
	filter := CommitmentFilter{Sectors: f.Sectors, StakeholderIDs: f.StakeholderIDs, PillarIDs: f.PillarIDs,
		ObjectiveIDs: f.ObjectiveIDs, Statuses: f.Statuses}
	return func(e *Event) bool {
		c := Commitments.Of(e.State)
		if c == nil || !among(f.CommitmentIDs, c.ID) {
			return false
		}
		m.mu.RLock()
		defer m.mu.RUnlock()
		r := commitmentRow{c: c}
		m.fillSectors(&r)
		return m.commitmentMatcher(filter, "")(&r)
	}
}

// EventSubscription selects any change; empty fields select all.
type EventSubscription struct {
	Types   []EntityType
	Streams []string // "Type:id", see StreamOf
	Kinds   []string
}

// Matches reports whether f selects e.
func (f EventSubscription) Matches(e *Event) bool {
	return among(f.Types, e.Type) && among(f.Kinds, e.Kind) && among(f.Streams, e.Stream())
}

package hub

import (
	"reflect"
	"strings"
)

// ListSizes bound what each list of the read model can hold: the longest
// such list any entity has had since the model was loaded. They only
// grow (a list that shrinks keeps its mark until the next start), so they
// are always an upper bound, and keeping them costs a comparison per
// change. Query cost is computed from them: a list nested in a list
// multiplies by what the data actually holds.
type ListSizes struct {
	PlanPillars, PillarObjectives                       int
	StakeholderChildren, StakeholderContacts            int
	CommitmentParticipants, CommitmentCommunities       int
	CommitmentIndicators, CommitmentOutcomes            int
	MeetingParticipants, MeetingAgenda, MeetingOutcomes int
	OutcomeCommitments                                  int
	Plans, Pillars, Communities                         int
	// ChangeFields bounds the fields one change lists: every field of
	// the largest kind of entity, and a note.
	ChangeFields int
}

// ListSizes returns the current bounds.
func (m *ReadModel) ListSizes() ListSizes {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.sizes
	s.Plans, s.Pillars, s.Communities = len(m.plans), len(m.pillars), len(m.communities)
	s.ChangeFields = maxChangeFields
	return s
}

// noteSizes raises the bounds to the lists of a state just put.
func (m *ReadModel) noteSizes(s State) {
	z := &m.sizes
	raise := func(bound *int, n int) { *bound = max(*bound, n) }
	switch {
	case s.Pillar != nil:
		raise(&z.PlanPillars, len(m.pillarsByPlan[s.Pillar.PlanID]))
	case s.Objective != nil:
		raise(&z.PillarObjectives, len(m.objectivesByPillar[s.Objective.PillarID]))
	case s.Stakeholder != nil:
		raise(&z.StakeholderChildren, len(m.childrenByParent[s.Stakeholder.ParentID]))
		raise(&z.StakeholderContacts, len(s.Stakeholder.Contacts))
	case s.Commitment != nil:
		c := s.Commitment
		raise(&z.CommitmentParticipants, len(c.Participants))
		raise(&z.CommitmentCommunities, len(c.CommunityIDs))
		raise(&z.CommitmentIndicators, len(c.Indicators))
	case s.Meeting != nil:
		raise(&z.MeetingParticipants, len(s.Meeting.Participants))
		raise(&z.MeetingAgenda, len(s.Meeting.Agenda))
	case s.Outcome != nil:
		o := s.Outcome
		raise(&z.OutcomeCommitments, len(o.CommitmentIDs))
		raise(&z.MeetingOutcomes, len(m.outcomesByMeeting[o.MeetingID]))
		for _, c := range o.CommitmentIDs {
			raise(&z.CommitmentOutcomes, len(m.outcomesByCommitment[c]))
		}
	}
}

// maxChangeFields is the most fields a change can list: a change names
// the top-level JSON fields that differ (see diff), plus a note.
var maxChangeFields = func() int {
	n := 0
	for _, v := range []any{StrategicPlan{}, Pillar{}, Objective{}, Community{}, Stakeholder{}, Commitment{}, Meeting{}, MeetingOutcome{}, Token{}} {
		n = max(n, jsonFields(reflect.TypeOf(v)))
	}
	return n + 1
}()

// jsonFields counts the top-level JSON fields of a struct type, those of
// embedded structs included.
func jsonFields(t reflect.Type) int {
	n := 0
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || (f.Anonymous && f.Type.Kind() == reflect.Struct && name == "") {
			continue
		}
		n++
	}
	return n
}

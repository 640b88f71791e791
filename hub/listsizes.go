package hub

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
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
	// IndicatorPeriods bounds an indicator's periods, CommitmentPeriods a
	// commitment's (what one report can give actuals for), Breakdown an
	// actual's parts: as the states and the reports applied since the
	// start have held them.
	IndicatorPeriods, CommitmentPeriods, Breakdown      int
	ServiceCommunities, ServiceContacts, NetworkMembers int
	Plans, Pillars, Communities                         int
	// ChangeFields bounds the fields one change lists: every field of
	// the largest kind of entity, and a note.
	ChangeFields int
	// ReferralMonths bounds the months referral figures list: from the
	// earliest referral's to today's.
	ReferralMonths int

	firstReferral, lastReferral Date // the earliest and latest referral dates seen
}

// ListSizes returns the current bounds.
func (m *ReadModel) ListSizes() ListSizes {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := m.sizes
	s.Plans, s.Pillars, s.Communities = m.tables[Plans.n].live, m.tables[Pillars.n].live, m.tables[Communities.n].live
	s.ChangeFields = maxChangeFields()
	if s.firstReferral != "" {
		s.ReferralMonths = referralMonths(s.firstReferral, s.lastReferral, time.Now()) + 1
	}
	return s
}

// referralMonths is len(monthsBetween(first, max(DateOf(now), last))),
// counted rather than listed: query cost reads it on every request.
func referralMonths(first, last Date, now time.Time) int {
	a, okA := monthNumber(first)
	b, okB := monthNumber(last)
	if !okA || !okB {
		return len(monthsBetween(first, max(DateOf(now), last)))
	}
	y, m, _ := now.Date()
	return max(0, max(b, y*12+int(m)-1)-a+1)
}

// monthNumber counts the months from year 0 to the month of d.
func monthNumber(d Date) (int, bool) {
	if len(d) < len("2006-01") || d[4] != '-' {
		return 0, false
	}
	y, errY := strconv.Atoi(string(d[:4]))
	m, errM := strconv.Atoi(string(d[5:7]))
	if errY != nil || errM != nil || m < 1 || m > 12 {
		return 0, false
	}
	return y*12 + m - 1, true
}

// noteSizes raises the bounds to the lists of a state just put; call it
// under m.mu, after the state's indexes are current.
func (m *ReadModel) noteSizes(s State) {
	z := &m.sizes
	raise := func(bound *int, n int) { *bound = max(*bound, n) }
	listed := func(k interface{ table() int }, index, key string) int {
		return len(m.tables[k.table()].index(index)[key])
	}
	if p := Pillars.Of(s); p != nil {
		raise(&z.PlanPillars, listed(Pillars, "plan", p.PlanID))
	}
	if o := Objectives.Of(s); o != nil {
		raise(&z.PillarObjectives, listed(Objectives, "pillar", o.PillarID))
	}
	if st := Stakeholders.Of(s); st != nil {
		raise(&z.StakeholderChildren, listed(Stakeholders, "parent", st.ParentID))
		raise(&z.StakeholderContacts, len(st.Contacts))
	}
	if c := Commitments.Of(s); c != nil {
		raise(&z.CommitmentParticipants, len(c.Participants))
		raise(&z.CommitmentCommunities, len(c.CommunityIDs))
		raise(&z.CommitmentIndicators, len(c.Indicators))
		total := 0
		for _, ind := range c.Indicators {
			raise(&z.IndicatorPeriods, len(ind.Periods))
			total += len(ind.Periods)
			for _, p := range ind.Periods {
				raise(&z.Breakdown, len(p.Breakdown))
			}
		}
		raise(&z.CommitmentPeriods, total)
	}
	if mt := Meetings.Of(s); mt != nil {
		raise(&z.MeetingParticipants, len(mt.Participants))
		raise(&z.MeetingAgenda, len(mt.Agenda))
	}
	if sv := Services.Of(s); sv != nil {
		raise(&z.ServiceCommunities, len(sv.CommunityIDs))
		raise(&z.ServiceContacts, len(sv.Contacts))
	}
	if n := ReferralNetworks.Of(s); n != nil {
		raise(&z.NetworkMembers, len(n.MemberIDs))
	}
	if r := Referrals.Of(s); r != nil {
		if z.firstReferral == "" || r.Date < z.firstReferral {
			z.firstReferral = r.Date
		}
		z.lastReferral = max(z.lastReferral, r.Date)
	}
	if o := Outcomes.Of(s); o != nil {
		raise(&z.OutcomeCommitments, len(o.CommitmentIDs))
		raise(&z.MeetingOutcomes, listed(Outcomes, "meeting", o.MeetingID))
		for _, c := range o.CommitmentIDs {
			raise(&z.CommitmentOutcomes, listed(Outcomes, "commitment", c))
		}
	}
}

// maxChangeFields is the most fields a change can list: a change names
// the top-level JSON fields that differ (see diff), plus a note. It is
// computed on first use, once every kind is registered.
var maxChangeFields = sync.OnceValue(func() int {
	n := 0
	for _, k := range kinds {
		n = max(n, jsonFields(reflect.TypeOf(k.newOf()).Elem()))
	}
	return n + 1
})

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

// noteReport raises the bounds to a report just applied; call it under m.mu.
func (m *ReadModel) noteReport(r *ProgressReport) {
	z := &m.sizes
	z.CommitmentPeriods = max(z.CommitmentPeriods, len(r.Actuals))
	for _, a := range r.Actuals {
		z.Breakdown = max(z.Breakdown, len(a.Breakdown))
	}
}

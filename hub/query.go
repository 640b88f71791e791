package hub

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Entity returns any entity by type and id, or nil.
func (m *ReadModel) Entity(t EntityType, id string) any {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if e := m.current(t, id); e != nil {
		return e
	}
	return nil
}

// IDs returns the ids of every entity of type t, in order.
func (m *ReadModel) IDs(t EntityType) []string {
	k := kindsByType[t]
	if k == nil {
		return nil
	}
	m.mu.RLock()
	out := make([]string, 0, m.tables[k.n].live)
	m.tables[k.n].each(func(e entity) { out = append(out, e.meta().ID) })
	m.mu.RUnlock()
	slices.Sort(out)
	return out
}

// History returns an entity's changes, oldest first.
func (m *ReadModel) History(t EntityType, id string) ([]Change, error) {
	if m.source != nil {
		return m.historyThen(t, id)
	}
	m.mu.RLock()
	h := m.historyOf(t, id) // appends never change these bytes
	m.mu.RUnlock()
	return h.Changes()
}

// ProgressReports returns the reports c has had at its version, oldest
// first: an event's commitment shows the reports of its time.
func (m *ReadModel) ProgressReports(c *Commitment) ([]ProgressReport, error) {
	if m.source != nil { // a view: the hub's record, up to the view's count
		return m.source.ProgressReports(c)
	}
	m.mu.RLock()
	r := m.reportsOf(c.ID) // appends never change these bytes
	m.mu.RUnlock()
	return r.First(c.ReportCount)
}

// Verifications returns the verdicts c's reports have had at its version,
// oldest first.
func (m *ReadModel) Verifications(c *Commitment) ([]Verification, error) {
	_, v, err := m.ReportsAndVerdicts(c)
	return v, err
}

// ReportsAndVerdicts returns c's reports and the verdicts on them at its
// version, oldest first.
func (m *ReadModel) ReportsAndVerdicts(c *Commitment) ([]ProgressReport, []Verification, error) {
	m.mu.RLock()
	r := m.reportsOf(c.ID) // appends never change these bytes
	m.mu.RUnlock()
	return r.Upto(c.ReportCount, c.VerificationCount)
}

// Archivable is what can be archived: plans, pillars, objectives, communities.
type Archivable interface{ IsArchived() bool }

// Current drops the archived entities from a list, for new choices.
func Current[T any, P interface {
	*T
	Archivable
}](all []P) []P {
	out := all[:0:0]
	for _, v := range all {
		if !v.IsArchived() {
			out = append(out, v)
		}
	}
	return out
}

// IsArchived reports whether the plan is archived.
func (p *StrategicPlan) IsArchived() bool { return p.Archived }

// IsArchived reports whether the pillar is archived.
func (p *Pillar) IsArchived() bool { return p.Archived }

// IsArchived reports whether the objective is archived.
func (o *Objective) IsArchived() bool { return o.Archived }

// IsArchived reports whether the community is archived.
func (c *Community) IsArchived() bool { return c.Archived }

// Plans returns every strategic plan, oldest period first.
func (m *ReadModel) Plans() []*StrategicPlan {
	return sorted(m, Plans.all, func(a, b *StrategicPlan) bool { return a.PeriodStart+Date(a.ID) < b.PeriodStart+Date(b.ID) })
}

// Communities returns every community by name.
func (m *ReadModel) Communities() []*Community {
	return sorted(m, Communities.all, func(a, b *Community) bool { return lessFold(a.Name, a.ID, b.Name, b.ID) })
}

// PillarsOf returns a plan's pillars in code order.
func (m *ReadModel) PillarsOf(planID string) []*Pillar {
	return sorted(m, func(m *ReadModel) []*Pillar { return Pillars.linked(m, "plan", planID) },
		func(a, b *Pillar) bool { return naturalKey(a.Code) < naturalKey(b.Code) })
}

// ObjectivesOf returns a pillar's objectives in code order.
func (m *ReadModel) ObjectivesOf(pillarID string) []*Objective {
	return sorted(m, func(m *ReadModel) []*Objective { return Objectives.linked(m, "pillar", pillarID) },
		func(a, b *Objective) bool { return naturalKey(a.Code) < naturalKey(b.Code) })
}

// ChildrenOf returns the stakeholders that are part of parentID, by name.
func (m *ReadModel) ChildrenOf(parentID string) []*Stakeholder {
	return sorted(m, func(m *ReadModel) []*Stakeholder { return Stakeholders.linked(m, "parent", parentID) },
		func(a, b *Stakeholder) bool { return lessFold(a.Name, a.ID, b.Name, b.ID) })
}

// OutcomesOfMeeting returns a meeting's outcomes that v may see, oldest first.
func (m *ReadModel) OutcomesOfMeeting(meetingID string, v Viewer) []*MeetingOutcome {
	return sorted(m, func(m *ReadModel) []*MeetingOutcome {
		if !Meetings.visibleTo(m, v, Meetings.get(m, meetingID)) {
			return nil
		}
		return Outcomes.linked(m, "meeting", meetingID)
	}, outcomeOlder)
}

// OutcomesOfCommitment returns the outcomes linked to a commitment that v
// may see, oldest first.
func (m *ReadModel) OutcomesOfCommitment(commitmentID string, v Viewer) []*MeetingOutcome {
	return sorted(m, func(m *ReadModel) []*MeetingOutcome {
		all := Outcomes.linked(m, "commitment", commitmentID)
		out := all[:0]
		for _, o := range all {
			if Outcomes.visibleTo(m, v, o) {
				out = append(out, o)
			}
		}
		return out
	}, outcomeOlder)
}

func outcomeOlder(a, b *MeetingOutcome) bool {
	if !a.RecordedAt.Equal(b.RecordedAt) {
		return a.RecordedAt.Before(b.RecordedAt)
	}
	return a.ID < b.ID
}

// sorted returns what rows takes from the model (under its read lock), in
// the order less gives (sorted outside the lock; nil: as rows gives).
func sorted[T any](m *ReadModel, rows func(*ReadModel) []*T, less func(a, b *T) bool) []*T {
	m.mu.RLock()
	out := rows(m)
	m.mu.RUnlock()
	if less != nil {
		sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	}
	return out
}

func lessFold(a, aID, b, bID string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return aID < bID
}

// naturalKey makes digit runs compare by value ("1.10" after "1.9"): each
// run is left-padded with zeros to 8 digits.
func naturalKey(s string) string {
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			b = append(b, s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		for k := j - i; k < 8; k++ {
			b = append(b, '0')
		}
		b = append(b, s[i:j]...)
		i = j
	}
	return string(b)
}

// ---------------------------------------------------------------- stakeholders

// StakeholderFilter selects stakeholders; empty fields select all.
type StakeholderFilter struct {
	Sectors []Sector
	Search  string
}

// Stakeholders returns the matching stakeholders by name.
func (m *ReadModel) Stakeholders(f StakeholderFilter) []*Stakeholder {
	return m.StakeholdersInOrder(f, StakeholderOrder{})
}

// StakeholdersInOrder returns the matching stakeholders in order o.
func (m *ReadModel) StakeholdersInOrder(f StakeholderFilter, o StakeholderOrder) []*Stakeholder {
	search := strings.ToLower(strings.TrimSpace(f.Search))
	rows := func(m *ReadModel) []*Stakeholder {
		return narrowest(m, Stakeholders, lookup{"sector", strs(f.Sectors)})
	}
	return inOrder(matching(m, rows, func(s *Stakeholder) bool {
		return among(f.Sectors, s.Sector) &&
			(search == "" || containsFold(search, s.Name, s.Acronym, s.Description))
	}, nil), o.Key, o.Descending)
}

// StakeholderKey is the cursor key of the stakeholder order.
func StakeholderKey(s *Stakeholder) string { return strings.ToLower(s.Name) + "\x00" + s.ID }

// CommitmentsOf returns the commitments a stakeholder takes part in, by
// reference, optionally only in the given roles: read from the
// stakeholder's kept reference order when the orders are kept, else
// sorted.
func (m *ReadModel) CommitmentsOf(stakeholderID string, roles []ParticipantRole) []*Commitment {
	m.mu.RLock()
	if ix := &m.commitmentIndex; ix.sorted.Load() {
		defer m.mu.RUnlock()
		var list []int32
		if lists := ix.keyed["stakeholder\x00"+stakeholderID]; lists != nil && stakeholderID != "" {
			list = lists[orderSlot(OrderByReference)]
		}
		out := make([]*Commitment, 0, len(list))
		for _, i := range list {
			if c := ix.rows[i].c; among(roles, c.RoleOf(stakeholderID)) {
				out = append(out, c)
			}
		}
		return out
	}
	t := m.tables[Commitments.n]
	nums := t.listed("stakeholder", stakeholderID)
	rows := make([]commitmentRow, 0, len(nums))
	for _, n := range nums {
		if i, ok := m.commitmentIndex.row(n); ok && among(roles, m.commitmentIndex.rows[i].c.RoleOf(stakeholderID)) {
			rows = append(rows, m.commitmentIndex.rows[i])
		}
	}
	m.mu.RUnlock()
	return sortedCommitments(rows, CommitmentOrder{})
}

// ---------------------------------------------------------------- commitments

// CommitmentFilter selects commitments; conditions combine with AND, values
// within a list with OR; empty fields select all.
type CommitmentFilter struct {
	PlanIDs        []string
	Sectors        []Sector
	LeadSectors    []Sector // of the lead only, as CommitmentStats.BySector counts
	StakeholderIDs []string
	PillarIDs      []string
	ObjectiveIDs   []string
	Statuses       []CommitmentStatus
	CommunityIDs   []string
	Overdue        *bool
	DueBefore      *Date
	DueAfter       *Date
	Search         string
}

// CommitmentOrderField is what commitments are ordered by.
type CommitmentOrderField string

// Commitment order fields.
const (
	OrderByReference CommitmentOrderField = "REFERENCE"
	OrderByTitle     CommitmentOrderField = "TITLE"
	OrderByDueDate   CommitmentOrderField = "DUE_DATE"
	OrderByProgress  CommitmentOrderField = "PROGRESS"
	OrderByUpdatedAt CommitmentOrderField = "UPDATED_AT"
)

// CommitmentOrder is an ordering of commitments.
type CommitmentOrder struct {
	Field      CommitmentOrderField
	Descending bool
}

// Key returns the commitment's sort key under this order: keys compare as
// strings in ascending order and are unique (they end with the reference).
// The read model sorts without building them (CommitmentOrder.compare); they
// are made only for cursors.
func (o CommitmentOrder) Key(c *Commitment) string {
	ref := naturalKey(c.ID)
	switch o.Field {
	case OrderByTitle:
		return strings.ToLower(c.Title) + "\x00" + ref
	case OrderByDueDate:
		return string(c.DueDate) + "\x00" + ref
	case OrderByProgress:
		return fmt.Sprintf("%03d\x00%s", c.Progress, ref)
	case OrderByUpdatedAt:
		return c.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000000") + "\x00" + ref
	}
	return ref
}

// sortedCommitments returns the commitments of rows (copies, sorted
// outside the lock so as not to hold up writers) in order o.
func sortedCommitments(rows []commitmentRow, o CommitmentOrder) []*Commitment {
	order := make([]*commitmentRow, len(rows))
	for i := range rows {
		order[i] = &rows[i]
	}
	slices.SortFunc(order, o.compare)
	out := make([]*Commitment, len(rows))
	for i, r := range order {
		out[i] = r.c
	}
	return out
}

// Commitments returns the matching commitments in the given order; today
// decides which are overdue.
func (m *ReadModel) Commitments(f CommitmentFilter, o CommitmentOrder, today Date) []*Commitment {
	return m.CommitmentPage(f, o, today, Window{}).Items
}

// eachMatchingCommitment calls yield with each row f selects, in no
// order, matching only f's candidates (commitmentCandidates); call it
// under m.mu.
func (m *ReadModel) eachMatchingCommitment(f CommitmentFilter, today Date, yield func(*commitmentRow)) {
	match := m.commitmentMatcher(f, today)
	ix := &m.commitmentIndex
	m.commitmentCandidates(f, today).each(func(i int32) {
		if r := &ix.rows[i]; match(r) {
			yield(r)
		}
	})
}

// isZero reports whether f selects every commitment.
func (f *CommitmentFilter) isZero() bool {
	return len(f.PlanIDs) == 0 && len(f.Sectors) == 0 && len(f.LeadSectors) == 0 && len(f.StakeholderIDs) == 0 && len(f.PillarIDs) == 0 && len(f.ObjectiveIDs) == 0 &&
		len(f.Statuses) == 0 && len(f.CommunityIDs) == 0 && f.Overdue == nil && f.DueBefore == nil && f.DueAfter == nil &&
		strings.TrimSpace(f.Search) == ""
}

// commitmentMatcher must be called, and its result used, under m.mu.
func (m *ReadModel) commitmentMatcher(f CommitmentFilter, today Date) func(*commitmentRow) bool {
	search := strings.ToLower(strings.TrimSpace(f.Search))
	var sectors uint8
	for _, s := range f.Sectors {
		sectors |= sectorBit(s)
	}
	return func(r *commitmentRow) bool {
		c := r.c
		if !among(f.Statuses, c.Status) || !among(f.ObjectiveIDs, c.ObjectiveID) || !among(f.PillarIDs, c.PillarID) {
			return false
		}
		if len(f.PlanIDs) > 0 {
			if p := Pillars.get(m, c.PillarID); p == nil || !among(f.PlanIDs, p.PlanID) {
				return false
			}
		}
		if len(f.LeadSectors) > 0 && (r.leadSector < 0 || !slices.Contains(f.LeadSectors, AllSectors[r.leadSector])) {
			return false
		}
		if f.Overdue != nil && c.IsOverdue(today) != *f.Overdue {
			return false
		}
		if (f.DueBefore != nil && c.DueDate > *f.DueBefore) || (f.DueAfter != nil && c.DueDate < *f.DueAfter) {
			return false
		}
		if len(f.CommunityIDs) > 0 && !overlaps(f.CommunityIDs, c.CommunityIDs) {
			return false
		}
		switch {
		case len(f.StakeholderIDs) > 0:
			// A participant must be both among the stakeholders and in a sector.
			var ok bool
			for _, p := range c.Participants {
				if !among(f.StakeholderIDs, p.StakeholderID) { // before the look-up, which costs more
					continue
				}
				if s := Stakeholders.get(m, p.StakeholderID); s != nil && among(f.Sectors, s.Sector) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		case len(f.Sectors) > 0 && r.sectors&sectors == 0:
			return false
		}
		return search == "" || strings.Contains(r.lowerID, search) || strings.Contains(r.lowerTitle, search) || strings.Contains(r.lowerDesc, search)
	}
}

// CommitmentStats are aggregate figures over a set of commitments.
type CommitmentStats struct {
	Total           int
	AverageProgress float64
	// VerifiedProgress is the mean of the commitments' verified progress.
	VerifiedProgress float64
	Overdue          int
	Verified         int // commitments whose latest report stands VERIFIED
	ByStatus         []StatusCount
	BySector         []SectorStats
	ByPillar         []PillarStats
	// What the figures are of, for the breakdowns computed on request
	// (ByStakeholders): the model that counted them, which need not be
	// the hub's current one, the filter and the day.
	model  *ReadModel
	filter CommitmentFilter
	today  Date
}

// StatusCount is how many commitments have a status.
type StatusCount struct {
	Status   CommitmentStatus
	Count    int
	Overdue  int
	Verified int
}

// SectorStats are the figures for commitments led by one sector.
type SectorStats struct {
	Sector           Sector
	Count            int
	AverageProgress  float64
	VerifiedProgress float64
	Overdue          int
	Verified         int
}

// PillarStats are the figures for one pillar.
type PillarStats struct {
	Pillar           *Pillar
	Count            int
	AverageProgress  float64
	VerifiedProgress float64
	Overdue          int
	Verified         int
}

// Stats computes the figures over the matching commitments: without a
// filter from the roll-up kept as events apply (and the answer is kept
// until the next change, stats_kept.go), with one the kept cells
// answer from those (commitment_cells.go), with a search as well from its
// own kept cells (commitment_text.go), with one stakeholder from that
// stakeholder's (stakeholder_cells.go), else in one pass over the filter's
// candidates; a filtered answer is summed into bars by index in reused
// scratch space (stats_parts.go).
func (m *ReadModel) Stats(f CommitmentFilter, today Date) CommitmentStats {
	return *m.SharedStats(f, today)
}

// statsOf is Stats of u, the roll-up of the commitments f selects; call
// it under m.mu.
func (m *ReadModel) statsOf(u *rollup, f CommitmentFilter, today Date) CommitmentStats {
	out := CommitmentStats{Total: u.total.count, AverageProgress: u.total.average(), VerifiedProgress: u.total.averageVerified(), Overdue: u.overdue(today), model: m, filter: f, today: today}
	out.ByStatus = make([]StatusCount, len(AllCommitmentStatuses))
	for i, s := range AllCommitmentStatuses {
		out.ByStatus[i] = StatusCount{Status: s, Count: u.byStatus[s]}
	}
	out.BySector = make([]SectorStats, len(AllSectors))
	for i, s := range AllSectors {
		out.BySector[i] = SectorStats{Sector: s, Count: u.bySector[i].count, AverageProgress: u.bySector[i].average(), VerifiedProgress: u.bySector[i].averageVerified()}
	}
	pillars := m.statsPillars()
	n := len(pillars)
	if len(f.PlanIDs) > 0 {
		n = 0
		for _, p := range pillars {
			if among(f.PlanIDs, p.PlanID) {
				n++
			}
		}
	}
	if n > 0 {
		out.ByPillar = make([]PillarStats, 0, n)
	}
	for _, p := range pillars {
		if !among(f.PlanIDs, p.PlanID) {
			continue
		}
		var a acc
		if v := u.byPillar[p.ID]; v != nil {
			a = *v
		}
		out.ByPillar = append(out.ByPillar, PillarStats{Pillar: p, Count: a.count, AverageProgress: a.average(), VerifiedProgress: a.averageVerified()})
	}
	m.fillBreakdowns(&out, u, f, today)
	return out
}

// ---------------------------------------------------------------- meetings

// MeetingFilter selects meetings; empty fields select all. Only meetings
// the Viewer may see are ever returned.
type MeetingFilter struct {
	From, To       *time.Time
	StakeholderIDs []string
	Statuses       []MeetingStatus
	Viewer         Viewer
}

// Meetings returns the matching meetings, newest first.
func (m *ReadModel) Meetings(f MeetingFilter) []*Meeting {
	return m.MeetingsInOrder(f, NewestMeetingsFirst)
}

// MeetingsInOrder returns the matching meetings in order o.
func (m *ReadModel) MeetingsInOrder(f MeetingFilter, o MeetingOrder) []*Meeting {
	m.mu.RLock()
	var out []*Meeting
	m.eachMeeting(f, func(mt *Meeting) { out = append(out, mt) })
	m.mu.RUnlock()
	return inKeyOrder(out, o.parts, o.Key, o.Descending)
}

// MeetingPage returns the window w of the meetings f selects in order o,
// and how many it selects; it equals paging MeetingsInOrder's list.
func (m *ReadModel) MeetingPage(f MeetingFilter, o MeetingOrder, w Window) ListPage[Meeting] {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return pageOf(func(yield func(*Meeting)) { m.eachMeeting(f, yield) }, o.parts, o.Key, o.Descending, w)
}

// eachMeeting calls yield with each meeting f selects, in no order; call
// it under m.mu.
func (m *ReadModel) eachMeeting(f MeetingFilter, yield func(*Meeting)) {
	var dates []string
	if f.From != nil || f.To != nil {
		var from, to *Date
		if f.From != nil {
			d := DateOf(f.From.UTC())
			from = &d
		}
		if f.To != nil {
			d := DateOf(f.To.UTC())
			to = &d
		}
		t := m.tables[Meetings.n]
		switch n := t.countBetween("date", from, to); {
		case n == 0:
			return
		case 2*n <= len(t.index("date")): // else most days: a walk of every row hashes no key
			dates = t.keysBetween("date", from, to)
		}
	}
	eachCandidate(m, Meetings, func(mt *Meeting) {
		if !among(f.Statuses, mt.Status) || !Meetings.visibleTo(m, f.Viewer, mt) {
			return
		}
		if (f.From != nil && mt.StartsAt.Before(*f.From)) || (f.To != nil && !mt.StartsAt.Before(*f.To)) {
			return
		}
		if len(f.StakeholderIDs) == 0 || slices.ContainsFunc(f.StakeholderIDs, mt.Invites) {
			yield(mt)
		}
	}, lookup{"stakeholder", f.StakeholderIDs}, lookup{"status", strs(f.Statuses)}, lookup{"date", dates})
}

// MeetingKey is the cursor key of the meeting order (descending).
func MeetingKey(mt *Meeting) string { return timeKey(mt.StartsAt) + "\x00" + mt.ID }

// OutcomeFilter selects outcomes; empty fields select all. Only outcomes
// of meetings the Viewer may see are ever returned.
type OutcomeFilter struct {
	MeetingIDs []string
	OwnerIDs   []string
	Kinds      []OutcomeKind
	Statuses   []OutcomeStatus
	// Due dates within [DueAfter, DueBefore]: outcomes without one are
	// outside any such range.
	DueAfter, DueBefore *Date
	Overdue             *bool // as of Today
	Today               Date
	Search              string   // in the summary or details
	PillarIDs           []string // of a commitment it concerns
	Viewer              Viewer
}

// Outcomes returns the matching outcomes, newest first.
func (m *ReadModel) Outcomes(f OutcomeFilter) []*MeetingOutcome {
	return m.OutcomesInOrder(f, NewestOutcomesFirst)
}

// OutcomesInOrder returns the matching outcomes in order o.
func (m *ReadModel) OutcomesInOrder(f OutcomeFilter, o OutcomeOrder) []*MeetingOutcome {
	m.mu.RLock()
	var out []*MeetingOutcome
	m.eachOutcome(f, func(oc *MeetingOutcome) { out = append(out, oc) })
	m.mu.RUnlock()
	return inKeyOrder(out, o.parts, o.Key, o.Descending)
}

// OutcomePage returns the window w of the outcomes f selects in order o,
// and how many it selects; it equals paging OutcomesInOrder's list.
func (m *ReadModel) OutcomePage(f OutcomeFilter, o OutcomeOrder, w Window) ListPage[MeetingOutcome] {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p, ok := m.keptOutcomePage(f, o, w); ok {
		return p
	}
	return pageOf(func(yield func(*MeetingOutcome)) { m.eachOutcome(f, yield) }, o.parts, o.Key, o.Descending, w)
}

// eachOutcome calls yield with each outcome f selects, in no order; call
// it under m.mu.
func (m *ReadModel) eachOutcome(f OutcomeFilter, yield func(*MeetingOutcome)) {
	search := strings.ToLower(strings.TrimSpace(f.Search))
	due, some := m.outcomeDueLookup(f)
	if !some {
		return
	}
	eachCandidate(m, Outcomes, func(o *MeetingOutcome) {
		if among(f.MeetingIDs, o.MeetingID) && among(f.Kinds, o.Kind) && among(f.Statuses, o.Status) &&
			(len(f.OwnerIDs) == 0 || (o.OwnerID != "" && among(f.OwnerIDs, o.OwnerID))) &&
			f.matchesMore(m, o, search) && Outcomes.visibleTo(m, f.Viewer, o) {
			yield(o)
		}
	}, lookup{"meeting", f.MeetingIDs}, lookup{"owner", f.OwnerIDs}, lookup{"status", strs(f.Statuses)}, lookup{"kind", strs(f.Kinds)}, due)
}

// OutcomeKey is the cursor key of the outcome order (descending).
func OutcomeKey(o *MeetingOutcome) string { return timeKey(o.RecordedAt) + "\x00" + o.ID }

func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000") }

// ---------------------------------------------------------------- helpers

// matching returns those of rows (taken under the read lock) that keep
// selects, in the order less gives (nil: in no order).
func matching[T any](m *ReadModel, rows func(*ReadModel) []*T, keep func(*T) bool, less func(a, b *T) bool) []*T {
	return sorted(m, func(m *ReadModel) []*T {
		all := rows(m)
		out := all[:0]
		for _, v := range all {
			if keep(v) {
				out = append(out, v)
			}
		}
		return out
	}, less)
}

// lookup finds candidates through a secondary index: the entities listed
// under any of keys. No keys: the lookup selects nothing out.
type lookup struct {
	index string
	keys  []string
}

// narrowest returns the candidates of the most selective lookup that has
// keys, or every entity of the kind; call it under m.mu. The caller still
// applies its whole filter to them.
func narrowest[T any](m *ReadModel, k *Kind[T], lookups ...lookup) []*T {
	best, ok := narrowestLookup(m, k, lookups)
	if !ok {
		return k.all(m)
	}
	t := m.tables[k.n]
	var out []*T
	t.eachListed(best.index, best.keys, func(e entity) { out = append(out, any(e).(*T)) })
	return out
}

// eachCandidate calls yield with each candidate of the most selective
// lookup that has keys (see narrowest), without collecting them, and of
// those only the ones the next most selective lists when that list is
// not much longer: the rows it leaves out are never read. Call it under
// m.mu.
func eachCandidate[T any](m *ReadModel, k *Kind[T], yield func(*T), lookups ...lookup) {
	t := m.tables[k.n]
	each := func(e entity) { yield(any(e).(*T)) }
	best, next := -1, -1
	sizes := make([]int, len(lookups))
	for i, l := range lookups {
		if len(l.keys) == 0 {
			continue
		}
		sizes[i] = k.count(m, l.index, l.keys)
		switch {
		case best < 0 || sizes[i] < sizes[best]:
			best, next = i, best
		case next < 0 || sizes[i] < sizes[next]:
			next = i
		}
	}
	if best < 0 {
		t.each(each)
		return
	}
	var in rowSet
	if next >= 0 && sizes[next] <= 4*sizes[best] {
		in = t.listedSet(lookups[next].index, lookups[next].keys)
	}
	t.eachListedIn(lookups[best].index, lookups[best].keys, in, each)
}

// narrowestLookup returns the lookup with keys that lists the fewest
// entities, or false when none has keys; call it under m.mu.
func narrowestLookup[T any](m *ReadModel, k *Kind[T], lookups []lookup) (lookup, bool) {
	best, bestN := -1, 0
	for i, l := range lookups {
		if len(l.keys) == 0 {
			continue
		}
		if n := k.count(m, l.index, l.keys); best < 0 || n < bestN {
			best, bestN = i, n
		}
	}
	if best < 0 {
		return lookup{}, false
	}
	return lookups[best], true
}

// keysBetween returns the keys of a date index within [from, to] (either
// end open when nil), or nil when none is; call it under m.mu.
func (t *table) keysBetween(index string, from, to *Date) []string {
	var out []string
	for k := range t.index(index) {
		if (from == nil || Date(k) >= *from) && (to == nil || Date(k) <= *to) {
			out = append(out, k)
		}
	}
	return out
}

// countBetween is len(keysBetween(index, from, to)), without the keys.
func (t *table) countBetween(index string, from, to *Date) int {
	n := 0
	for k := range t.index(index) {
		if (from == nil || Date(k) >= *from) && (to == nil || Date(k) <= *to) {
			n++
		}
	}
	return n
}

// strs converts a list of string-based values to strings.
func strs[S ~string](vs []S) []string {
	if vs == nil {
		return nil
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// among reports whether v is in set; an empty set holds everything.
func among[T comparable](set []T, v T) bool {
	if len(set) == 0 {
		return true
	}
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func containsFold(lowerNeedle string, hay ...string) bool {
	for _, h := range hay {
		if strings.Contains(strings.ToLower(h), lowerNeedle) {
			return true
		}
	}
	return false
}

// AuditEntry is one change with the entity it touched.
type AuditEntry struct {
	Change
	Type     EntityType
	EntityID string
}

// AuditFilter selects audit entries; empty fields select all.
type AuditFilter struct {
	TokenIDs       []string
	StakeholderIDs []string
	From, To       *time.Time
}

// AuditLog returns every change that matches, newest first.
func (m *ReadModel) AuditLog(f AuditFilter) ([]*AuditEntry, error) {
	m.mu.RLock()
	type streamHistory struct {
		t  EntityType
		id string
		h  History
	}
	var histories []streamHistory
	for i, t := range m.tables {
		for n, id := range t.num.ids {
			if h := t.hist[n]; len(h) > 0 { // appends never change these bytes
				histories = append(histories, streamHistory{kinds[i].Type, id, h})
			}
		}
	}
	m.mu.RUnlock()
	var out []*AuditEntry
	for _, sh := range histories {
		t, id, h := sh.t, sh.id, sh.h
		err := h.each(func(c Change) bool {
			if among(f.TokenIDs, c.Actor.TokenID) && (len(f.StakeholderIDs) == 0 || (c.Actor.StakeholderID != "" && among(f.StakeholderIDs, c.Actor.StakeholderID))) &&
				(f.From == nil || !c.At.Before(*f.From)) && (f.To == nil || c.At.Before(*f.To)) {
				out = append(out, &AuditEntry{Change: c, Type: EntityType(t), EntityID: id})
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", StreamOf(t, id), err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// AuditKey is the cursor key of the audit order (descending).
func AuditKey(e *AuditEntry) string { return fmt.Sprintf("%019d", e.Seq) }

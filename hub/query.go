package hub

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Getters return nil when there is no such entity.

// Plan returns a strategic plan by id.
func (m *ReadModel) Plan(id string) *StrategicPlan { return get(m, m.plans, id) }

// Pillar returns a pillar by id.
func (m *ReadModel) Pillar(id string) *Pillar { return get(m, m.pillars, id) }

// Objective returns an objective by id.
func (m *ReadModel) Objective(id string) *Objective { return get(m, m.objectives, id) }

// Community returns a community by id.
func (m *ReadModel) Community(id string) *Community { return get(m, m.communities, id) }

// Stakeholder returns a stakeholder by id.
func (m *ReadModel) Stakeholder(id string) *Stakeholder { return get(m, m.stakeholders, id) }

// Commitment returns a commitment by id (its reference).
func (m *ReadModel) Commitment(id string) *Commitment { return get(m, m.commitments, id) }

// Meeting returns a meeting by id.
func (m *ReadModel) Meeting(id string) *Meeting { return get(m, m.meetings, id) }

// Outcome returns a meeting outcome by id.
func (m *ReadModel) Outcome(id string) *MeetingOutcome { return get(m, m.outcomes, id) }

func get[T any](m *ReadModel, all map[string]*T, id string) *T {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return all[id]
}

// Entity returns any entity by type and id, or nil.
func (m *ReadModel) Entity(t EntityType, id string) any {
	switch t {
	case TypePlan:
		return orNil(m.Plan(id))
	case TypePillar:
		return orNil(m.Pillar(id))
	case TypeObjective:
		return orNil(m.Objective(id))
	case TypeCommunity:
		return orNil(m.Community(id))
	case TypeStakeholder:
		return orNil(m.Stakeholder(id))
	case TypeCommitment:
		return orNil(m.Commitment(id))
	case TypeMeeting:
		return orNil(m.Meeting(id))
	case TypeOutcome:
		return orNil(m.Outcome(id))
	case TypeToken:
		return orNil(m.Token(id))
	}
	return nil
}

// orNil keeps a nil pointer from becoming a non-nil interface.
func orNil[T any](v *T) any {
	if v == nil {
		return nil
	}
	return v
}

// History returns an entity's changes, oldest first.
func (m *ReadModel) History(t EntityType, id string) ([]Change, error) {
	m.mu.RLock()
	h := m.history[StreamOf(t, id)] // appends never change these bytes
	m.mu.RUnlock()
	return h.Changes()
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
	return all(m, m.plans, func(a, b *StrategicPlan) bool { return a.PeriodStart+Date(a.ID) < b.PeriodStart+Date(b.ID) })
}

// Communities returns every community by name.
func (m *ReadModel) Communities() []*Community {
	return all(m, m.communities, func(a, b *Community) bool { return lessFold(a.Name, a.ID, b.Name, b.ID) })
}

// PillarsOf returns a plan's pillars in code order.
func (m *ReadModel) PillarsOf(planID string) []*Pillar {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return resolve(m.pillarsByPlan, planID, m.pillars, func(a, b *Pillar) bool { return naturalKey(a.Code) < naturalKey(b.Code) })
}

// ObjectivesOf returns a pillar's objectives in code order.
func (m *ReadModel) ObjectivesOf(pillarID string) []*Objective {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return resolve(m.objectivesByPillar, pillarID, m.objectives, func(a, b *Objective) bool { return naturalKey(a.Code) < naturalKey(b.Code) })
}

// ChildrenOf returns the stakeholders that are part of parentID, by name.
func (m *ReadModel) ChildrenOf(parentID string) []*Stakeholder {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return resolve(m.childrenByParent, parentID, m.stakeholders, func(a, b *Stakeholder) bool { return lessFold(a.Name, a.ID, b.Name, b.ID) })
}

// OutcomesOfMeeting returns a meeting's outcomes that v may see, oldest first.
func (m *ReadModel) OutcomesOfMeeting(meetingID string, v Viewer) []*MeetingOutcome {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !v.CanSeeMeeting(m.meetings[meetingID]) {
		return nil
	}
	return resolve(m.outcomesByMeeting, meetingID, m.outcomes, outcomeOlder)
}

// OutcomesOfCommitment returns the outcomes linked to a commitment that v
// may see, oldest first.
func (m *ReadModel) OutcomesOfCommitment(commitmentID string, v Viewer) []*MeetingOutcome {
	m.mu.RLock()
	defer m.mu.RUnlock()
	all := resolve(m.outcomesByCommitment, commitmentID, m.outcomes, outcomeOlder)
	out := all[:0]
	for _, o := range all {
		if v.CanSeeMeeting(m.meetings[o.MeetingID]) {
			out = append(out, o)
		}
	}
	return out
}

func outcomeOlder(a, b *MeetingOutcome) bool {
	if !a.RecordedAt.Equal(b.RecordedAt) {
		return a.RecordedAt.Before(b.RecordedAt)
	}
	return a.ID < b.ID
}

func all[T any](m *ReadModel, all map[string]*T, less func(a, b *T) bool) []*T {
	m.mu.RLock()
	out := make([]*T, 0, len(all))
	for _, v := range all {
		out = append(out, v)
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
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
	search := strings.ToLower(strings.TrimSpace(f.Search))
	return matching(m, m.stakeholders, func(s *Stakeholder) bool {
		return among(f.Sectors, s.Sector) &&
			(search == "" || containsFold(search, s.Name, s.Acronym, s.Description))
	}, func(a, b *Stakeholder) bool { return lessFold(a.Name, a.ID, b.Name, b.ID) })
}

// StakeholderKey is the cursor key of the stakeholder order.
func StakeholderKey(s *Stakeholder) string { return strings.ToLower(s.Name) + "\x00" + s.ID }

// CommitmentsOf returns the commitments a stakeholder takes part in, by
// reference, optionally only in the given roles.
func (m *ReadModel) CommitmentsOf(stakeholderID string, roles []ParticipantRole) []*Commitment {
	m.mu.RLock()
	rows := make([]commitmentRow, 0, len(m.commitmentsByStakeholder[stakeholderID]))
	for id := range m.commitmentsByStakeholder[stakeholderID] {
		if i, ok := m.commitmentIndex.rowOf[id]; ok && among(roles, m.commitmentIndex.rows[i].c.RoleOf(stakeholderID)) {
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
	m.mu.RLock()
	match := m.commitmentMatcher(f, today)
	var rows []commitmentRow
	for i := range m.commitmentIndex.rows {
		if r := &m.commitmentIndex.rows[i]; match(r) {
			rows = append(rows, *r)
		}
	}
	m.mu.RUnlock()
	return sortedCommitments(rows, o)
}

// isZero reports whether f selects every commitment.
func (f *CommitmentFilter) isZero() bool {
	return len(f.PlanIDs) == 0 && len(f.Sectors) == 0 && len(f.StakeholderIDs) == 0 && len(f.PillarIDs) == 0 && len(f.ObjectiveIDs) == 0 &&
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
		if len(f.PlanIDs) > 0 && (m.pillars[c.PillarID] == nil || !among(f.PlanIDs, m.pillars[c.PillarID].PlanID)) {
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
				s := m.stakeholders[p.StakeholderID]
				if s != nil && among(f.StakeholderIDs, s.ID) && among(f.Sectors, s.Sector) {
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
		return search == "" || containsFold(search, c.ID, c.Title, c.Description)
	}
}

// CommitmentStats are aggregate figures over a set of commitments.
type CommitmentStats struct {
	Total           int
	AverageProgress float64
	Overdue         int
	ByStatus        []StatusCount
	BySector        []SectorStats
	ByPillar        []PillarStats
}

// StatusCount is how many commitments have a status.
type StatusCount struct {
	Status CommitmentStatus
	Count  int
}

// SectorStats are the figures for commitments led by one sector.
type SectorStats struct {
	Sector          Sector
	Count           int
	AverageProgress float64
}

// PillarStats are the figures for one pillar.
type PillarStats struct {
	Pillar          *Pillar
	Count           int
	AverageProgress float64
}

// Stats computes the figures over the matching commitments: without a
// filter from the roll-up kept as events apply, else in one pass over the
// index.
func (m *ReadModel) Stats(f CommitmentFilter, today Date) CommitmentStats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	u := &m.commitmentIndex.all
	if !f.isZero() {
		filtered := newRollup()
		match := m.commitmentMatcher(f, today)
		for i := range m.commitmentIndex.rows {
			if r := &m.commitmentIndex.rows[i]; match(r) {
				filtered.add(r, 1)
			}
		}
		u = &filtered
	}

	out := CommitmentStats{Total: u.total.count, AverageProgress: u.total.average(), Overdue: u.overdue(today)}
	for _, s := range AllCommitmentStatuses {
		out.ByStatus = append(out.ByStatus, StatusCount{Status: s, Count: u.byStatus[s]})
	}
	for i, s := range AllSectors {
		out.BySector = append(out.BySector, SectorStats{Sector: s, Count: u.bySector[i].count, AverageProgress: u.bySector[i].average()})
	}
	pillars := make([]*Pillar, 0, len(m.pillars))
	for _, p := range m.pillars {
		if among(f.PlanIDs, p.PlanID) {
			pillars = append(pillars, p)
		}
	}
	sort.Slice(pillars, func(i, j int) bool {
		a, b := pillars[i], pillars[j]
		if a.PlanID != b.PlanID {
			return a.PlanID < b.PlanID
		}
		return naturalKey(a.Code) < naturalKey(b.Code)
	})
	for _, p := range pillars {
		var a acc
		if v := u.byPillar[p.ID]; v != nil {
			a = *v
		}
		out.ByPillar = append(out.ByPillar, PillarStats{Pillar: p, Count: a.count, AverageProgress: a.average()})
	}
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
	return matching(m, m.meetings, func(mt *Meeting) bool {
		if !among(f.Statuses, mt.Status) || !f.Viewer.CanSeeMeeting(mt) {
			return false
		}
		if (f.From != nil && mt.StartsAt.Before(*f.From)) || (f.To != nil && !mt.StartsAt.Before(*f.To)) {
			return false
		}
		if len(f.StakeholderIDs) == 0 {
			return true
		}
		for _, id := range f.StakeholderIDs {
			if mt.Invites(id) {
				return true
			}
		}
		return false
	}, func(a, b *Meeting) bool { return MeetingKey(a) > MeetingKey(b) })
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
	Viewer     Viewer
}

// Outcomes returns the matching outcomes, newest first.
func (m *ReadModel) Outcomes(f OutcomeFilter) []*MeetingOutcome {
	return matching(m, m.outcomes, func(o *MeetingOutcome) bool {
		return among(f.MeetingIDs, o.MeetingID) && among(f.Kinds, o.Kind) && among(f.Statuses, o.Status) &&
			(len(f.OwnerIDs) == 0 || (o.OwnerID != "" && among(f.OwnerIDs, o.OwnerID))) &&
			f.Viewer.CanSeeMeeting(m.meetings[o.MeetingID])
	}, func(a, b *MeetingOutcome) bool { return OutcomeKey(a) > OutcomeKey(b) })
}

// OutcomeKey is the cursor key of the outcome order (descending).
func OutcomeKey(o *MeetingOutcome) string { return timeKey(o.RecordedAt) + "\x00" + o.ID }

func timeKey(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000") }

// ---------------------------------------------------------------- helpers

func matching[T any](m *ReadModel, all map[string]*T, keep func(*T) bool, less func(a, b *T) bool) []*T {
	m.mu.RLock()
	out := make([]*T, 0)
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
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
	histories := make(map[string]History, len(m.history))
	for stream, h := range m.history {
		histories[stream] = h // appends never change these bytes
	}
	m.mu.RUnlock()
	var out []*AuditEntry
	for stream, h := range histories {
		t, id, _ := strings.Cut(stream, ":")
		err := h.each(func(c Change) bool {
			if among(f.TokenIDs, c.Actor.TokenID) && (len(f.StakeholderIDs) == 0 || (c.Actor.StakeholderID != "" && among(f.StakeholderIDs, c.Actor.StakeholderID))) &&
				(f.From == nil || !c.At.Before(*f.From)) && (f.To == nil || c.At.Before(*f.To)) {
				out = append(out, &AuditEntry{Change: c, Type: EntityType(t), EntityID: id})
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", stream, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// AuditKey is the cursor key of the audit order (descending).
func AuditKey(e *AuditEntry) string { return fmt.Sprintf("%019d", e.Seq) }

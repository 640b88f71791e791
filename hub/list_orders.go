package hub

import (
	"fmt"
	"slices"
	"strings"
)

// Orders of the stakeholder, meeting and outcome lists, as CommitmentOrder
// is for commitments: a field and a direction, each item's key unique
// (it ends with the item's default key, which ends with its id), so that
// a cursor (the key) keeps its place while items change around it.

// StakeholderOrderField is what stakeholders are ordered by.
type StakeholderOrderField string

// Stakeholder order fields.
const (
	StakeholdersByName      StakeholderOrderField = "NAME"
	StakeholdersBySector    StakeholderOrderField = "SECTOR"
	StakeholdersByCreatedAt StakeholderOrderField = "CREATED_AT"
	StakeholdersByUpdatedAt StakeholderOrderField = "UPDATED_AT"
)

// StakeholderOrder is an ordering of stakeholders; ties break on the name.
type StakeholderOrder struct {
	Field      StakeholderOrderField
	Descending bool
}

// Key returns the stakeholder's sort key under this order.
func (o StakeholderOrder) Key(s *Stakeholder) string {
	name := StakeholderKey(s)
	switch o.Field {
	case StakeholdersBySector: // in the schema's order of sectors
		return fmt.Sprintf("%d\x00%s", sectorIndex(s.Sector)+1, name)
	case StakeholdersByCreatedAt:
		return timeKey(s.CreatedAt) + "\x00" + name
	case StakeholdersByUpdatedAt:
		return timeKey(s.UpdatedAt) + "\x00" + name
	}
	return name
}

// MeetingOrderField is what meetings are ordered by.
type MeetingOrderField string

// Meeting order fields.
const (
	MeetingsByStartsAt  MeetingOrderField = "STARTS_AT"
	MeetingsByTitle     MeetingOrderField = "TITLE"
	MeetingsByUpdatedAt MeetingOrderField = "UPDATED_AT"
)

// MeetingOrder is an ordering of meetings; ties break on the start.
type MeetingOrder struct {
	Field      MeetingOrderField
	Descending bool
}

// NewestMeetingsFirst is the meetings' default order.
var NewestMeetingsFirst = MeetingOrder{Field: MeetingsByStartsAt, Descending: true}

// Key returns the meeting's sort key under this order.
func (o MeetingOrder) Key(mt *Meeting) string {
	start := MeetingKey(mt)
	switch o.Field {
	case MeetingsByTitle:
		return strings.ToLower(mt.Title) + "\x00" + start
	case MeetingsByUpdatedAt:
		return timeKey(mt.UpdatedAt) + "\x00" + start
	}
	return start
}

// OutcomeOrderField is what outcomes are ordered by.
type OutcomeOrderField string

// Outcome order fields.
const (
	OutcomesByRecordedAt OutcomeOrderField = "RECORDED_AT"
	OutcomesByDueDate    OutcomeOrderField = "DUE_DATE"
	OutcomesByUpdatedAt  OutcomeOrderField = "UPDATED_AT"
)

// OutcomeOrder is an ordering of outcomes; ties break on when they were
// recorded.
type OutcomeOrder struct {
	Field      OutcomeOrderField
	Descending bool
}

// NewestOutcomesFirst is the outcomes' default order.
var NewestOutcomesFirst = OutcomeOrder{Field: OutcomesByRecordedAt, Descending: true}

// noDueDate sorts after every date ("~" after the digits).
const noDueDate = "~"

// Key returns the outcome's sort key under this order; outcomes without
// a due date come after those with one, ascending.
func (o OutcomeOrder) Key(oc *MeetingOutcome) string {
	recorded := OutcomeKey(oc)
	switch o.Field {
	case OutcomesByDueDate:
		due := noDueDate
		if oc.DueDate != nil {
			due = string(*oc.DueDate)
		}
		return due + "\x00" + recorded
	case OutcomesByUpdatedAt:
		return timeKey(oc.UpdatedAt) + "\x00" + recorded
	}
	return recorded
}

// IsOverdue reports whether the outcome's due date has passed by today
// while it is still open or in progress.
func (o *MeetingOutcome) IsOverdue(today Date) bool {
	return o.DueDate != nil && *o.DueDate < today && (o.Status == OutcomeOpen || o.Status == OutcomeInProgress)
}

// inOrder sorts items by key, ascending or descending, making each key
// once.
func inOrder[T any](items []*T, key func(*T) string, desc bool) []*T {
	type keyed struct {
		key string
		v   *T
	}
	ks := make([]keyed, len(items))
	for i, v := range items {
		ks[i] = keyed{key(v), v}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if desc {
			return strings.Compare(b.key, a.key)
		}
		return strings.Compare(a.key, b.key)
	})
	for i, k := range ks {
		items[i] = k.v
	}
	return items
}

// outcomeDueLookup is the lookup of the due-date index for f's range
// (no keys without one), and whether the range holds any due date;
// call it under m.mu.
func (m *ReadModel) outcomeDueLookup(f OutcomeFilter) (lookup, bool) {
	if f.DueAfter == nil && f.DueBefore == nil {
		return lookup{index: "due"}, true
	}
	dates := m.tables[Outcomes.n].keysBetween("due", f.DueAfter, f.DueBefore)
	return lookup{index: "due", keys: dates}, dates != nil
}

// matchesMore reports whether o meets f's conditions on due dates,
// search and pillars; call it under m.mu.
func (f *OutcomeFilter) matchesMore(m *ReadModel, o *MeetingOutcome, search string) bool {
	if f.DueAfter != nil || f.DueBefore != nil {
		if o.DueDate == nil || (f.DueAfter != nil && *o.DueDate < *f.DueAfter) || (f.DueBefore != nil && *o.DueDate > *f.DueBefore) {
			return false
		}
	}
	if f.Overdue != nil && o.IsOverdue(f.Today) != *f.Overdue {
		return false
	}
	if search != "" && !containsFold(search, o.Summary, o.Details) {
		return false
	}
	if len(f.PillarIDs) > 0 {
		return slices.ContainsFunc(o.CommitmentIDs, func(id string) bool {
			c := Commitments.get(m, id)
			return c != nil && slices.Contains(f.PillarIDs, c.PillarID)
		})
	}
	return true
}

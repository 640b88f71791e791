package export

import (
	"encoding/json"
	"strings"
	"time"

	"convene/hub"
	"convene/opaque"
)

// The exports of what happened: progress reports and commitment history
// (for the commitments the commitments filter selects), and the audit
// log (admins only).

// fieldChanges are a change's fields; references are global IDs.
type fieldChanges []*hub.FieldChange

// CSV lists them as "field: before -> after".
func (fs fieldChanges) CSV() string {
	text := func(s *string) string {
		if s == nil {
			return "null"
		}
		return *s
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Field + ": " + text(f.Before) + " -> " + text(f.After)
	}
	return strings.Join(out, "; ")
}

// fieldJSON is a field change as JSON exports write it.
type fieldJSON struct {
	Field  string  `json:"field"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

// MarshalJSON writes the changes as objects.
func (fs fieldChanges) MarshalJSON() ([]byte, error) {
	out := make([]fieldJSON, len(fs))
	for i, f := range fs {
		out[i] = fieldJSON{f.Field, f.Before, f.After}
	}
	return json.Marshal(out)
}

// period reads from and to (a time, or a date: its midnight UTC).
func period(p *params) (from, to *time.Time, err error) {
	if from, err = p.dateTime("from"); err != nil {
		return nil, nil, err
	}
	to, err = p.dateTime("to")
	return from, to, err
}

func within(t time.Time, from, to *time.Time) bool {
	return (from == nil || !t.Before(*from)) && (to == nil || t.Before(*to))
}

// change is a history entry with the entity it changed.
type change struct {
	t  hub.EntityType
	id string
	c  hub.Change
}

// changeColumns are the columns of history and audit rows.
func (x *exporter) changeColumns(first ...column[change]) []column[change] {
	return append(first,
		column[change]{"kind", func(c change) any { return c.c.Kind }},
		column[change]{"at", func(c change) any { return c.c.At }},
		column[change]{"version", func(c change) any { return c.c.Version }},
		column[change]{"actor", func(c change) any { return optional(c.c.Actor.Name) }},
		column[change]{"actorRole", func(c change) any { return string(c.c.Actor.Role) }},
		column[change]{"actorStakeholderId", func(c change) any { return gid(hub.TypeStakeholder, c.c.Actor.StakeholderID) }},
		column[change]{"fields", func(c change) any { return fieldChanges(opaque.PresentFields(x.viewer, c.t, c.c.Fields)) }},
	)
}

// commitmentHistory takes the commitments filter, from/to and kinds.
func (x *exporter) commitmentHistory(p *params) (table, error) {
	f, err := commitmentFilter(p)
	if err != nil {
		return table{}, err
	}
	from, to, err := period(p)
	if err != nil {
		return table{}, err
	}
	kinds := p.list("kinds")
	var rows []change
	for _, c := range x.model.Commitments(f, hub.CommitmentOrder{Field: hub.OrderByReference}, x.today) {
		changes, err := x.model.History(hub.TypeCommitment, c.ID)
		if err != nil {
			return table{}, err
		}
		for _, ch := range changes {
			if within(ch.At, from, to) && (len(kinds) == 0 || among(kinds, ch.Kind)) {
				rows = append(rows, change{hub.TypeCommitment, c.ID, ch})
			}
		}
	}
	return rowsTable(rows, x.changeColumns(
		column[change]{"commitmentId", func(c change) any { return globalID(hub.TypeCommitment, c.id) }},
		column[change]{"reference", func(c change) any { return c.id }},
	)), nil
}

// auditLog takes the auditLog query's filter: actorIds, stakeholderIds, from, to.
func (x *exporter) auditLog(p *params) (table, error) {
	var f hub.AuditFilter
	var err error
	if f.TokenIDs, err = ids(p, "actorIds", hub.TypeToken); err != nil {
		return table{}, err
	}
	if f.StakeholderIDs, err = ids(p, "stakeholderIds", hub.TypeStakeholder); err != nil {
		return table{}, err
	}
	if f.From, f.To, err = period(p); err != nil {
		return table{}, err
	}
	entries, err := x.model.AuditLog(f)
	if err != nil {
		return table{}, err
	}
	rows := make([]change, len(entries))
	for i, e := range entries {
		rows[i] = change{e.Type, e.EntityID, e.Change}
	}
	return rowsTable(rows, x.changeColumns(
		column[change]{"entityType", func(c change) any { return string(c.t) }},
		column[change]{"entityId", func(c change) any { return globalID(c.t, c.id) }},
	)), nil
}

func among(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

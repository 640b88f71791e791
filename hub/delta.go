package hub

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// A ProgressReported event is stored with what changed only: its field
// changes and the report it adds, not the commitment's state, whose size
// is the commitment's own. The read model, which holds the state the event
// was made on, rebuilds the state when it applies the event (redo), and
// for an event read back from the log it undoes the commitment's later
// changes from its current state (undo).

// KindProgressReported is the kind of the event a progress report makes.
const KindProgressReported = "ProgressReported"

// Stored returns the event as the log keeps it: a progress report without
// the commitment's state, which the read model rebuilds; other events as
// they are.
func (e *Event) Stored() *Event {
	if e.Report == nil || Commitments.Of(e.State) == nil {
		return e
	}
	s := *e
	s.State = State{}
	return &s
}

// redo returns the commitment after the event e, made on prev.
func redo(prev *Commitment, e *Event) (*Commitment, error) {
	next := *prev
	if err := setFields(&next, e.Changes, false); err != nil {
		return nil, fmt.Errorf("%s@%d: %w", e.Stream(), e.Version, err)
	}
	next.Version, next.UpdatedAt = e.Version, e.At
	if e.Report != nil {
		next.ReportCount++
	}
	if e.Verification != nil {
		next.VerificationCount++
	}
	return &next, nil
}

// undo returns the commitment before the change c, given the one after it
// and the time of the change before c.
func undo(after *Commitment, c Change, prevAt Change) (*Commitment, error) {
	prev := *after
	if err := setFields(&prev, c.Fields, true); err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", c.Version, after.ID, err)
	}
	prev.Version, prev.UpdatedAt = c.Version-1, prevAt.At
	switch c.Kind {
	case KindProgressReported:
		prev.ReportCount--
	case KindReportVerified:
		prev.VerificationCount--
	}
	return &prev, nil
}

// setFields sets each field of v (a pointer to a struct) that the changes
// name, by its JSON name, to its value after the change (before, with
// before set). A field is replaced, never decoded into: its old value may
// be shared with other versions. Names of no field are skipped.
func setFields(v any, changes []FieldChange, before bool) error {
	s := reflect.ValueOf(v).Elem()
	for _, c := range changes {
		f := fieldByJSONName(s, c.Field)
		if !f.IsValid() {
			continue
		}
		val := c.After
		if before {
			val = c.Before
		}
		next := reflect.New(f.Type())
		if val != nil {
			if err := json.Unmarshal([]byte(*val), next.Interface()); err != nil {
				return fmt.Errorf("field %s: %w", c.Field, err)
			}
		}
		f.Set(next.Elem())
	}
	return nil
}

func fieldByJSONName(s reflect.Value, name string) reflect.Value {
	t := s.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if tag == name && !t.Field(i).Anonymous {
			return s.Field(i)
		}
	}
	return reflect.Value{}
}

// commitmentAt returns the commitment as it was at version v, undoing its
// later changes from the current state; call it under m.mu.
func (m *ReadModel) commitmentAt(id string, v int) (*Commitment, error) {
	c := Commitments.get(m, id)
	if c == nil || c.Version < v || v < 1 {
		return nil, fmt.Errorf("commitment %s has no version %d", id, v)
	}
	if c.Version == v {
		return c, nil
	}
	changes, err := m.tables[Commitments.n].history(id).Changes()
	if err != nil {
		return nil, err
	}
	byVersion := make(map[int]Change, len(changes))
	for _, ch := range changes {
		byVersion[ch.Version] = ch
	}
	for c.Version > v {
		ch, ok := byVersion[c.Version]
		prev, okPrev := byVersion[c.Version-1]
		if !ok || !okPrev {
			return nil, fmt.Errorf("the history of commitment %s lacks version %d or %d", id, c.Version, c.Version-1)
		}
		if c, err = undo(c, ch, prev); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// complete gives the events that were stored without their state
// (Event.Stored) the state they made. known holds commitments as of
// events before these (it is updated): an event's commitment is the
// model's when it is still at the event's version, else rebuilt from the
// one before it (in known, or the model's when the model has yet to apply
// the event), else from the model's by undoing the later changes.
func (m *ReadModel) complete(events []*Event, known map[string]*Commitment) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.completeLocked(events, known)
}

func (m *ReadModel) completeLocked(events []*Event, known map[string]*Commitment) error {
	for _, e := range events {
		c := Commitments.Of(e.State)
		if c == nil && e.Report != nil && e.Type == TypeCommitment {
			var err error
			cur, prev := Commitments.get(m, e.EntityID), known[e.EntityID]
			switch {
			case cur != nil && cur.Version == e.Version:
				c = cur
			case prev != nil && prev.Version == e.Version-1:
				c, err = redo(prev, e)
			case cur != nil && cur.Version == e.Version-1: // read from the log before the model applied it
				c, err = redo(cur, e)
			default:
				c, err = m.commitmentAt(e.EntityID, e.Version)
			}
			if err != nil {
				return err
			}
			e.State = StateOf(c)
		}
		if c != nil {
			known[c.ID] = c
		}
	}
	return nil
}

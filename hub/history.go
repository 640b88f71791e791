package hub

import (
	"encoding/binary"
	"errors"
	"time"
)

// History is an entity's changes, oldest first, in a compact encoding that
// grows by appending. The read model keeps every history this way and
// decodes one only when it is asked for: as Go values, histories were a
// third of the live heap, and every garbage collection marked their
// pointers (latency tails in bench/RESULTS.md). Checkpoints store the
// bytes as they are, so start-up decodes no history either.
//
// Each change, one after another:
//
//	varint seq, str kind, str actor name, str role, str stakeholder,
//	str token, varint at (Unix ms), varint version, uvarint fields;
//	per field: str name, byte (1: before, 2: after), [str before], [str after]
//	str: uvarint length, bytes
//
// TestHistoryRoundTrip fails when a field is added to Change, Actor or
// FieldChange and not here.
type History []byte

// ErrHistory reports a history whose bytes do not decode.
var ErrHistory = errors.New("malformed history")

// Append returns h with c added at the end. Like append, it never changes
// the bytes of h itself, so a History handed to the checkpoint writer
// stays as it was.
func (h History) Append(c Change) History {
	b := []byte(h)
	b = binary.AppendVarint(b, c.Seq)
	b = appendString(b, c.Kind)
	b = appendActor(b, c.Actor)
	b = binary.AppendVarint(b, c.At.UnixMilli())
	b = binary.AppendVarint(b, int64(c.Version))
	b = binary.AppendUvarint(b, uint64(len(c.Fields)))
	for _, f := range c.Fields {
		b = appendString(b, f.Field)
		b = appendBeforeAfter(b, f)
	}
	return b
}

// appendActor encodes an actor as four strings: name, role, stakeholder, token.
func appendActor(b []byte, a Actor) []byte {
	b = appendString(b, a.Name)
	b = appendString(b, string(a.Role))
	b = appendString(b, a.StakeholderID)
	return appendString(b, a.TokenID)
}

func (r *reader) actor() Actor {
	return Actor{Name: r.str(), Role: ActorRole(r.str()), StakeholderID: r.str(), TokenID: r.str()}
}

// HistoryOf encodes changes.
func HistoryOf(changes []Change) History {
	var h History
	for _, c := range changes {
		h = h.Append(c)
	}
	return h
}

// Changes decodes h.
func (h History) Changes() ([]Change, error) {
	var out []Change
	err := h.each(func(c Change) bool {
		out = append(out, c)
		return true
	})
	return out, err
}

// each decodes h's changes in order, until yield returns false.
func (h History) each(yield func(Change) bool) error {
	r := newReader(h)
	for r.more() {
		c, ok := r.change()
		if !ok {
			return ErrHistory
		}
		if !yield(c) {
			return nil
		}
	}
	if !r.ok {
		return ErrHistory
	}
	return nil
}

// change decodes one change as History.Append encodes it.
func (r *reader) change() (Change, bool) {
	var c Change
	c.Seq = r.varint()
	c.Kind = r.str()
	c.Actor = r.actor()
	c.At = time.UnixMilli(r.varint()).UTC()
	c.Version = int(r.varint())
	n := r.uvarint()
	if !r.ok || n > uint64(r.left()) { // a field takes at least a byte
		return Change{}, false
	}
	if n > 0 {
		c.Fields = make([]FieldChange, n)
	}
	for j := range c.Fields {
		f := &c.Fields[j]
		f.Field = r.str()
		r.beforeAfter(f)
	}
	return c, r.ok
}

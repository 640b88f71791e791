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
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendVarint(b, c.Seq)
	str(c.Kind)
	str(c.Actor.Name)
	str(string(c.Actor.Role))
	str(c.Actor.StakeholderID)
	str(c.Actor.TokenID)
	b = binary.AppendVarint(b, c.At.UnixMilli())
	b = binary.AppendVarint(b, int64(c.Version))
	b = binary.AppendUvarint(b, uint64(len(c.Fields)))
	for _, f := range c.Fields {
		str(f.Field)
		var flags byte
		if f.Before != nil {
			flags |= 1
		}
		if f.After != nil {
			flags |= 2
		}
		b = append(b, flags)
		if f.Before != nil {
			str(*f.Before)
		}
		if f.After != nil {
			str(*f.After)
		}
	}
	return b
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
	raw := []byte(h)
	s := string(raw) // one allocation that the decoded strings share
	i := 0
	uvar := func() (uint64, bool) {
		v, n := binary.Uvarint(raw[i:])
		if n <= 0 {
			return 0, false
		}
		i += n
		return v, true
	}
	svar := func() (int64, bool) {
		v, n := binary.Varint(raw[i:])
		if n <= 0 {
			return 0, false
		}
		i += n
		return v, true
	}
	str := func() (string, bool) {
		n, ok := uvar()
		if !ok || n > uint64(len(raw)-i) {
			return "", false
		}
		v := s[i : i+int(n)]
		i += int(n)
		return v, true
	}
	for i < len(raw) {
		var c Change
		var role string
		var at, version int64
		var ok [9]bool
		c.Seq, ok[0] = svar()
		c.Kind, ok[1] = str()
		c.Actor.Name, ok[2] = str()
		role, ok[3] = str()
		c.Actor.StakeholderID, ok[4] = str()
		c.Actor.TokenID, ok[5] = str()
		at, ok[6] = svar()
		version, ok[7] = svar()
		n, ok8 := uvar()
		ok[8] = ok8 && n <= uint64(len(raw)-i) // a field takes at least a byte
		if ok != [9]bool{true, true, true, true, true, true, true, true, true} {
			return ErrHistory
		}
		c.Actor.Role, c.At, c.Version = ActorRole(role), time.UnixMilli(at).UTC(), int(version)
		if n > 0 {
			c.Fields = make([]FieldChange, n)
		}
		for j := range c.Fields {
			f := &c.Fields[j]
			var ok bool
			if f.Field, ok = str(); !ok || i >= len(raw) {
				return ErrHistory
			}
			flags := raw[i]
			i++
			if flags&^3 != 0 {
				return ErrHistory
			}
			for _, p := range []struct {
				bit byte
				dst **string
			}{{1, &f.Before}, {2, &f.After}} {
				if flags&p.bit == 0 {
					continue
				}
				v, ok := str()
				if !ok {
					return ErrHistory
				}
				*p.dst = &v
			}
		}
		if !yield(c) {
			return nil
		}
	}
	return nil
}

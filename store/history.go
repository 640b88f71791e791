package store

import (
	"encoding/binary"
	"errors"
	"time"

	"convene/hub"
)

// Histories are most of a checkpoint (about ten changes an entity, each
// with before/after JSON text), and decoding them with the BSON codecs'
// reflection was most of a start-up's CPU. So a checkpoint holds each
// entity's history in this compact encoding, decoded without reflection
// into one backing array per kind of value, its strings sharing one
// allocation (which also keeps the read model's heap less pointer-heavy
// for the garbage collector):
//
//	uvarint changes, uvarint field changes, uvarint values
//	per change: varint seq, str kind, str actor name, str role,
//	  str stakeholder, str token, varint at (Unix ms), varint version,
//	  uvarint fields; per field: str name, byte (1: before, 2: after),
//	  [str before], [str after]
//	str: uvarint length, bytes
//
// TestHistoryRoundTrip fails when a field is added to hub.Change,
// hub.Actor or hub.FieldChange and not here.

func encodeHistory(h []hub.Change) []byte {
	nf, nv := 0, 0
	for _, c := range h {
		nf += len(c.Fields)
		for _, f := range c.Fields {
			if f.Before != nil {
				nv++
			}
			if f.After != nil {
				nv++
			}
		}
	}
	b := binary.AppendUvarint(nil, uint64(len(h)))
	b = binary.AppendUvarint(b, uint64(nf))
	b = binary.AppendUvarint(b, uint64(nv))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, c := range h {
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
	}
	return b
}

var errHistory = errors.New("malformed history")

func decodeHistory(raw []byte) ([]hub.Change, error) {
	s := string(raw) // one allocation that every string shares
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
	nc, ok1 := uvar()
	nf, ok2 := uvar()
	nv, ok3 := uvar()
	if !ok1 || !ok2 || !ok3 || nc > uint64(len(raw)) || nf > uint64(len(raw)) || nv > uint64(len(raw)) {
		return nil, errHistory
	}
	if nc == 0 {
		return nil, nil
	}
	changes := make([]hub.Change, nc)
	fields := make([]hub.FieldChange, nf)
	values := make([]string, nv)
	for k := range changes {
		c := &changes[k]
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
		ok[8] = ok8 && n <= uint64(len(fields))
		if ok != [9]bool{true, true, true, true, true, true, true, true, true} {
			return nil, errHistory
		}
		c.Actor.Role, c.At, c.Version = hub.ActorRole(role), time.UnixMilli(at).UTC(), int(version)
		if n > 0 {
			c.Fields, fields = fields[:n:n], fields[n:]
		}
		for j := range c.Fields {
			f := &c.Fields[j]
			var ok bool
			if f.Field, ok = str(); !ok || i >= len(raw) {
				return nil, errHistory
			}
			flags := raw[i]
			i++
			for _, p := range []struct {
				bit byte
				dst **string
			}{{1, &f.Before}, {2, &f.After}} {
				if flags&p.bit == 0 {
					continue
				}
				if len(values) == 0 {
					return nil, errHistory
				}
				if values[0], ok = str(); !ok {
					return nil, errHistory
				}
				*p.dst, values = &values[0], values[1:]
			}
		}
	}
	if i != len(raw) {
		return nil, errHistory
	}
	return changes, nil
}

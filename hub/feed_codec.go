package hub

import (
	"encoding/binary"
	"errors"
	"time"
)

// The feed's encoding of an event, as the log stores it (Event.Stored),
// without its state.

func (f *feed) name(b []byte, s string) []byte {
	n, ok := f.numbers[s]
	if !ok {
		n = uint64(len(f.names))
		f.names = append(f.names, s)
		f.numbers[s] = n
	}
	return binary.AppendUvarint(b, n)
}

func (f *feed) actor(b []byte, a Actor) []byte {
	for _, s := range []string{a.Name, string(a.Role), a.StakeholderID, a.TokenID} {
		b = f.name(b, s)
	}
	return b
}

// append encodes e without its state:
//
//	name type, str entity, varint seq, varint version, name kind, actor,
//	varint at (Unix ms), uvarint fields; per field: name, byte (1: before,
//	2: after), [str before], [str after]; byte 1 and a report, or 0;
//	report: varint progress, name status, str note, actor, varint
//	reported at less at (ms); actor: four names
func (f *feed) append(b []byte, e *Event) []byte {
	b = f.name(b, string(e.Type))
	b = appendString(b, e.EntityID)
	b = binary.AppendVarint(b, e.Seq)
	b = binary.AppendVarint(b, int64(e.Version))
	b = f.name(b, e.Kind)
	b = f.actor(b, e.Actor)
	b = binary.AppendVarint(b, e.At.UnixMilli())
	b = binary.AppendUvarint(b, uint64(len(e.Changes)))
	for _, c := range e.Changes {
		b = f.name(b, c.Field)
		b = appendBeforeAfter(b, c)
	}
	r := e.Report
	if r == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, int64(r.Progress))
	b = f.name(b, string(r.Status))
	b = appendString(b, r.Note)
	b = f.actor(b, r.ReportedBy)
	return binary.AppendVarint(b, r.ReportedAt.UnixMilli()-e.At.UnixMilli())
}

var errFeed = errors.New("hub: a malformed event in memory")

func (f *feed) decode(raw []byte) (*Event, error) {
	r := newReader(raw)
	name := func() string {
		n := r.uvarint()
		if n >= uint64(len(f.names)) {
			r.ok = false
			return ""
		}
		return f.names[n]
	}
	actor := func() Actor {
		return Actor{Name: name(), Role: ActorRole(name()), StakeholderID: name(), TokenID: name()}
	}
	e := &Event{Type: EntityType(name()), EntityID: r.str(), Seq: r.varint()}
	e.Version, e.Kind, e.Actor = int(r.varint()), name(), actor()
	at := r.varint()
	e.At = time.UnixMilli(at).UTC()
	n := r.uvarint()
	if !r.ok || n > uint64(r.left()) {
		return nil, errFeed
	}
	if n > 0 {
		e.Changes = make([]FieldChange, n)
	}
	for i := range e.Changes {
		c := &e.Changes[i]
		c.Field = name()
		r.beforeAfter(c)
	}
	if r.byte() == 1 {
		p := ProgressReport{Progress: int(r.varint()), Status: CommitmentStatus(name()), Note: r.str(), ReportedBy: actor()}
		p.ReportedAt = time.UnixMilli(at + r.varint()).UTC()
		e.Report = &p
	}
	if !r.ok || r.left() != 0 {
		return nil, errFeed
	}
	return e, nil
}

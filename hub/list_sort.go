package hub

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// The meeting and outcome orders sorted without their string keys: a
// key of theirs is an optional text (a due date), one or two timeKeys
// and the id, each joined by "\x00", and timeKeys of the years 0–9999
// have one length and sort as the instants do. So comparing the parts
// gives the keys' order without formatting a time for every item a
// filter matches.

// instant is a time as a pair that sorts as its timeKey does.
type instant struct {
	sec  int64
	nsec int32
}

func instantOf(t time.Time) instant { return instant{t.Unix(), int32(t.Nanosecond())} }

func (a instant) compare(b instant) int {
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	return cmp.Compare(a.nsec, b.nsec)
}

// keyable reports whether t's timeKey has the length of every other
// (its year in UTC is 0–9999).
func keyable(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 0 && y <= 9999
}

// sortKey is a key in parts: text, then times, then id.
type sortKey struct {
	text  string
	times [2]instant
	id    string
}

func (a *sortKey) compare(b *sortKey) int {
	if c := strings.Compare(a.text, b.text); c != 0 {
		return c
	}
	for i := range a.times {
		if c := a.times[i].compare(b.times[i]); c != 0 {
			return c
		}
	}
	return strings.Compare(a.id, b.id)
}

// inKeyOrder sorts items as inOrder(items, key, desc) does, by the parts
// of their keys that parts gives; it falls back to key where parts
// cannot stand for it (false: a time outside the years 0–9999).
func inKeyOrder[T any](items []*T, parts func(*T) (sortKey, bool), key func(*T) string, desc bool) []*T {
	keys := make([]sortKey, len(items))
	order := make([]int32, len(items)) // sorted in place of the keys: a key is ten words
	for i, v := range items {
		k, ok := parts(v)
		if !ok {
			return inOrder(items, key, desc)
		}
		keys[i], order[i] = k, int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if desc {
			return keys[b].compare(&keys[a])
		}
		return keys[a].compare(&keys[b])
	})
	sorted := make([]*T, len(items))
	for i, n := range order {
		sorted[i] = items[n]
	}
	return sorted
}

// parts returns the meeting's key under this order in parts, when the
// order's key is of times and the id; false for the title's order.
func (o MeetingOrder) parts(mt *Meeting) (sortKey, bool) {
	k := sortKey{id: mt.ID}
	switch o.Field {
	case MeetingsByTitle:
		return k, false
	case MeetingsByUpdatedAt:
		k.times = [2]instant{instantOf(mt.UpdatedAt), instantOf(mt.StartsAt)}
		return k, keyable(mt.UpdatedAt) && keyable(mt.StartsAt)
	}
	k.times[0] = instantOf(mt.StartsAt)
	return k, keyable(mt.StartsAt)
}

// parts returns the outcome's key under this order in parts.
func (o OutcomeOrder) parts(oc *MeetingOutcome) (sortKey, bool) {
	k := sortKey{id: oc.ID}
	switch o.Field {
	case OutcomesByDueDate:
		k.text = noDueDate
		if oc.DueDate != nil {
			k.text = string(*oc.DueDate)
		}
		k.times[0] = instantOf(oc.RecordedAt)
		// A due date is a date, never a text that another begins with.
		return k, keyable(oc.RecordedAt) && (oc.DueDate == nil || len(*oc.DueDate) == len(time.DateOnly))
	case OutcomesByUpdatedAt:
		k.times = [2]instant{instantOf(oc.UpdatedAt), instantOf(oc.RecordedAt)}
		return k, keyable(oc.UpdatedAt) && keyable(oc.RecordedAt)
	}
	k.times[0] = instantOf(oc.RecordedAt)
	return k, keyable(oc.RecordedAt)
}

package hub

import (
	"slices"
	"sync"
)

// A filter naming several keys of one dimension with many values
// (stakeholders, communities, objectives) and nothing else selects the
// union of those keys' kept lists. Its count marks each listed row in a
// scratch bit set, so that a row listed under two keys counts once: a few
// nanoseconds a listed row, without reading the rows.

// unionScratch holds bit sets of a row each, all zero between uses.
var unionScratch = sync.Pool{New: func() any { return new([]uint64) }}

// unionCount counts the commitments f selects when it names only keys of
// one of those dimensions; false otherwise. Call it under m.mu.
func (m *ReadModel) unionCount(f CommitmentFilter) (int, bool) {
	g := f
	g.StakeholderIDs, g.CommunityIDs, g.ObjectiveIDs = nil, nil, nil
	if !g.isZero() {
		return 0, false
	}
	var dim string
	var keys []string
	for _, d := range []struct {
		dim  string
		keys []string
	}{{"stakeholder", f.StakeholderIDs}, {"community", f.CommunityIDs}, {"objective", f.ObjectiveIDs}} {
		if len(d.keys) == 0 {
			continue
		}
		if dim != "" || slices.Contains(d.keys, "") {
			return 0, false
		}
		dim, keys = d.dim, d.keys
	}
	if dim == "" {
		return 0, false
	}
	ix := &m.commitmentIndex
	ix.ensureOrders()
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	var lists [][]int32
	for _, k := range keys {
		// A participant counts only while the model holds it (the matcher's rule).
		if dim == "stakeholder" && Stakeholders.get(m, k) == nil {
			continue
		}
		if l := ix.keyed[dim+"\x00"+k]; l != nil {
			lists = append(lists, l[0])
		}
	}
	switch len(lists) {
	case 0:
		return 0, true
	case 1:
		return len(lists[0]), true
	}
	p := unionScratch.Get().(*[]uint64)
	defer unionScratch.Put(p)
	if words := (len(ix.rows) + 63) / 64; len(*p) < words {
		*p = make([]uint64, words)
	}
	set := *p
	n := 0
	for _, l := range lists {
		for _, i := range l {
			w, b := i>>6, uint64(1)<<(i&63)
			n += int((^set[w] & b) >> (i & 63)) // 1 when not yet set
			set[w] |= b
		}
	}
	for _, l := range lists { // clear what was set, not the whole set
		for _, i := range l {
			set[i>>6] = 0
		}
	}
	return n, true
}

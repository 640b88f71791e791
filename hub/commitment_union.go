package hub

import (
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// A filter naming several keys of one dimension with many values
// (stakeholders, communities, objectives) and nothing else selects the
// union of those keys' kept lists, and a row listed under two of the keys
// counts once. A dense key (one listing at least a 128th of the rows)
// also keeps its rows as a bit set: the count ORs those word by word,
// marks the sparse keys' rows in the same words and counts the bits, 64
// rows a word. A bit set costs a bit a row, less than the key's lists in
// the kept orders (4 bytes a row in each), and OR-ing its words costs no
// more than marking its rows would; a sparse key's few rows are cheaper
// marked one by one, and cost no memory more.

// unionDims are the dimensions whose dense keys keep bit sets.
var unionDims = []string{"stakeholder", "community", "objective"}

// dense reports whether a key listing l of n rows keeps a bit set.
func dense(l, n int) bool { return l > 0 && 128*l >= n }

// keepBits makes the bit set of key k (a "dimension\x00key" of keyed)
// when it is dense and of a dimension a union counts; call it with the
// rows in place.
func (ix *commitmentIndex) keepBits(k string) {
	dim, _, _ := strings.Cut(k, "\x00")
	l := ix.keyed[k][0]
	if !slices.Contains(unionDims, dim) || !dense(len(l), len(ix.rows)) {
		return
	}
	b := make([]uint64, (len(ix.rows)+63)/64)
	for _, i := range l {
		b[i>>6] |= 1 << (i & 63)
	}
	ix.bits[k] = b
}

// setBit lists row i, now listed under k, in k's bit set, making the set
// when k has just become dense.
func (ix *commitmentIndex) setBit(k string, i int) {
	b := ix.bits[k]
	if b == nil {
		ix.keepBits(k)
		return
	}
	for len(b) <= i>>6 {
		b = append(b, 0)
	}
	b[i>>6] |= 1 << (i & 63)
	ix.bits[k] = b
}

// unionScratch holds bit sets of a row each, all zero between uses.
var unionScratch = sync.Pool{New: func() any { return new([]uint64) }}

// unionCount counts the commitments f selects when it names only keys of
// one of unionDims; false otherwise. Call it under m.mu.
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
	var sets [][]uint64 // the dense keys'
	var lists [][]int32 // the sparse keys'
	named, only := 0, 0 // keys with rows, and the last one's count
	for _, k := range keys {
		// A participant counts only while the model holds it (the matcher's rule).
		if dim == "stakeholder" && Stakeholders.get(m, k) == nil {
			continue
		}
		l := ix.keyed[dim+"\x00"+k]
		if l == nil || len(l[0]) == 0 {
			continue
		}
		named, only = named+1, len(l[0])
		if b := ix.bits[dim+"\x00"+k]; b != nil {
			sets = append(sets, b)
		} else {
			lists = append(lists, l[0])
		}
	}
	switch named {
	case 0:
		return 0, true
	case 1:
		return only, true
	}
	p := unionScratch.Get().(*[]uint64)
	defer unionScratch.Put(p)
	words := (len(ix.rows) + 63) / 64
	if len(*p) < words {
		*p = make([]uint64, words)
	}
	set := (*p)[:words]
	n := 0
	if len(sets) == 0 { // few rows: count them as they are marked, clear only theirs
		for _, l := range lists {
			for _, i := range l {
				w, b := i>>6, uint64(1)<<(i&63)
				n += int((^set[w] & b) >> (i & 63)) // 1 when not yet set
				set[w] |= b
			}
		}
		for _, l := range lists {
			for _, i := range l {
				set[i>>6] = 0
			}
		}
		return n, true
	}
	copy(set, sets[0])
	for _, b := range sets[1:] {
		s := set[:len(b)]
		for w, x := range b {
			s[w] |= x
		}
	}
	for _, l := range lists {
		for _, i := range l {
			set[i>>6] |= 1 << (i & 63)
		}
	}
	for w, x := range set {
		n += bits.OnesCount64(x)
		set[w] = 0
	}
	return n, true
}

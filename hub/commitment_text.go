package hub

import (
	"slices"
	"strings"
	"sync/atomic"
)

// The text index lists, for each trigram (three bytes) of the lowered
// reference, title and description that search reads, the rows holding it,
// ascending. Every commitment a search selects holds each trigram of the
// needle, so the needle's rarest trigram lists them all: a search costs its
// candidates rather than every row. It is built at the first search (a
// server that is never searched does not hold it) and kept as rows change.
type textIndex struct {
	built atomic.Bool
	grams map[uint32][]int32
}

// trigrams appends the distinct trigrams of the row's search text.
func (r *commitmentRow) trigrams(out []uint32) []uint32 {
	for _, s := range [...]string{r.lowerID, r.lowerTitle, r.lowerDesc} {
		out = appendTrigrams(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func appendTrigrams(out []uint32, s string) []uint32 {
	for i := 0; i+3 <= len(s); i++ {
		out = append(out, uint32(s[i])<<16|uint32(s[i+1])<<8|uint32(s[i+2]))
	}
	return out
}

// ensureText builds the text index if it is not kept yet; call it under
// m.mu, read or write.
func (ix *commitmentIndex) ensureText() {
	if ix.text.built.Load() {
		return
	}
	ix.sortMu.Lock()
	defer ix.sortMu.Unlock()
	if ix.text.built.Load() {
		return
	}
	ix.text.grams = map[uint32][]int32{}
	var scratch []uint32
	for i := range ix.rows {
		scratch = ix.rows[i].trigrams(scratch[:0])
		for _, g := range scratch {
			ix.text.grams[g] = append(ix.text.grams[g], int32(i))
		}
	}
	ix.text.built.Store(true)
}

// retext moves row i's trigrams from old's (nil: a new row) to its own;
// call it under m.mu's write lock.
func (ix *commitmentIndex) retext(i int, old *commitmentRow) {
	if !ix.text.built.Load() {
		return
	}
	r := &ix.rows[i]
	if old != nil && old.lowerID == r.lowerID && old.lowerTitle == r.lowerTitle && old.lowerDesc == r.lowerDesc {
		return
	}
	var was []uint32
	if old != nil {
		was = old.trigrams(nil)
	}
	now := r.trigrams(nil)
	for _, g := range was {
		if _, kept := slices.BinarySearch(now, g); kept {
			continue
		}
		l := ix.text.grams[g]
		if p, ok := slices.BinarySearch(l, int32(i)); ok {
			if l = slices.Delete(l, p, p+1); len(l) == 0 {
				delete(ix.text.grams, g)
			} else {
				ix.text.grams[g] = l
			}
		}
	}
	for _, g := range now {
		if _, had := slices.BinarySearch(was, g); had {
			continue
		}
		l := ix.text.grams[g]
		if p, ok := slices.BinarySearch(l, int32(i)); !ok {
			ix.text.grams[g] = slices.Insert(l, p, int32(i))
		}
	}
}

// searchCandidates is the intersection of the lists of the needle's
// trigrams (empty when one is held by no row); false for a needle shorter
// than a trigram. Lists are intersected rarest first; a list holding most
// rows, which removes few, is intersected only with few candidates.
func (ix *commitmentIndex) searchCandidates(needle string) (candidates, bool) {
	if len(needle) < 3 {
		return candidates{}, false
	}
	ix.ensureText()
	grams := appendTrigrams(nil, needle)
	slices.Sort(grams)
	grams = slices.Compact(grams)
	lists := make([][]int32, len(grams))
	for k, g := range grams {
		lists[k] = ix.text.grams[g]
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	rows, shared := lists[0], true // shared: the index's own list
	for _, l := range lists[1:] {
		if len(rows) == 0 {
			break
		}
		switch {
		case 8*len(rows) <= len(l):
			rows, shared = gallop(rows, l, shared), false
		case 2*len(l) <= len(ix.rows):
			rows, shared = merge(rows, l, shared), false
		}
	}
	return candidates{n: len(rows), each: func(yield func(int32)) {
		for _, i := range rows {
			yield(i)
		}
	}}, true
}

// searchCount counts the commitments f selects when it names only a
// search of one trigram: that trigram's list is exactly its matches.
// Call it under m.mu.
func (ix *commitmentIndex) searchCount(f CommitmentFilter) (int, bool) {
	needle := strings.ToLower(strings.TrimSpace(f.Search))
	rest := f
	rest.Search = ""
	if len(needle) != 3 || !rest.isZero() {
		return 0, false
	}
	ix.ensureText()
	return len(ix.text.grams[appendTrigrams(nil, needle)[0]]), true
}

// gallop returns the rows of a (short) also in b (long), both ascending,
// searching b; a is reused unless shared.
func gallop(a, b []int32, shared bool) []int32 {
	out := a[:0]
	if shared {
		out = make([]int32, 0, len(a))
	}
	for _, i := range a {
		j, ok := slices.BinarySearch(b, i)
		if ok {
			out = append(out, i)
		}
		b = b[j:]
	}
	return out
}

// merge returns the rows in both a and b, ascending, walking both; a is
// reused unless shared.
func merge(a, b []int32, shared bool) []int32 {
	out := a[:0]
	if shared {
		out = make([]int32, 0, min(len(a), len(b)))
	}
	j := 0
	for _, i := range a {
		for j < len(b) && b[j] < i {
			j++
		}
		if j < len(b) && b[j] == i {
			out = append(out, i)
		}
	}
	return out
}

// sortedRows returns the rows of c that match, in order o.
func (ix *commitmentIndex) sortedRows(c candidates, match func(*commitmentRow) bool, o CommitmentOrder) []*commitmentRow {
	var rows []*commitmentRow
	c.each(func(i int32) {
		if r := &ix.rows[i]; match(r) {
			rows = append(rows, r)
		}
	})
	slices.SortFunc(rows, o.compare)
	return rows
}

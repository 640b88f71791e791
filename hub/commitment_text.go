package hub

import (
	"slices"
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

// searchCandidates is the list of the needle's rarest trigram (empty when
// one is held by no row); false for a needle shorter than a trigram.
func (ix *commitmentIndex) searchCandidates(needle string) (candidates, bool) {
	if len(needle) < 3 {
		return candidates{}, false
	}
	ix.ensureText()
	grams := appendTrigrams(nil, needle)
	var rarest []int32
	for k, g := range grams {
		l := ix.text.grams[g]
		if k == 0 || len(l) < len(rarest) {
			rarest = l
		}
	}
	return candidates{n: len(rarest), each: func(yield func(int32)) {
		for _, i := range rarest {
			yield(i)
		}
	}}, true
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

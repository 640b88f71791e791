package hub

import (
	"maps"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The text index lists, for each word of the lowered reference, title and
// description that search reads (a word: a run of letters, digits and bytes
// beyond ASCII), the rows holding it, ascending, and finds the words holding
// a piece of text through their trigrams. A search with no separator (an
// ASCII byte that is neither letter nor digit) lies inside one word wherever
// it occurs, so the rows it selects are exactly the union of the lists of
// the words holding it. A search with separators selects only rows that
// hold each of its inner words, a word ending with its first piece and a
// word starting with its last: the shortest of those lists is checked
// against the text once.
//
// Each search asked is then kept, up to keptSearchLimit of them: its rows,
// kept as rows change, and, from its second roll-up on, its own cells
// (commitment_cells.go). A page under a search, its count and its roll-up
// then cost the page and the cells, not the matches: the first ask of a
// search costs its candidates, later ones do not. The index is built at the
// first search (a server that is never searched does not hold it).
type textIndex struct {
	built atomic.Bool
	words rowNumbers         // the vocabulary; a word no row holds any more stays, with no rows
	rows  [][]int32          // by word number: the rows holding it, ascending
	grams map[uint32][]int32 // by trigram: the numbers of the words holding it, ascending

	kept   atomic.Pointer[keptSearches]
	keptMu sync.Mutex // a reader adding a kept search or its cells
}

// keptSearchLimit bounds the searches kept; a new one replaces the one
// least recently asked.
const keptSearchLimit = 16

// keptSearches are the searches kept, replaced whole by a reader adding
// one (readers share the model's read lock); writers change the searches
// themselves under the write lock.
type keptSearches struct {
	by map[string]*keptSearch
}

// keptSearch is the rows a search (lowered and trimmed) selects.
type keptSearch struct {
	needle string
	rows   []int32               // ascending
	cells  atomic.Pointer[cells] // built at the second roll-up asked
	// orders holds the rows in each of orderFields' orders asked, so
	// that a page walks only the matches whatever their place in the
	// model's orders (a search for one objective's code selects one run
	// of the reference order).
	orders [len(orderFields)]atomic.Pointer[[]int32]
	rolled atomic.Int32 // roll-ups asked before
	asked  atomic.Int64 // when last asked, in searchClock's ticks
}

// searchClock orders the kept searches' uses.
var searchClock atomic.Int64

func isWordByte(b byte) bool {
	return b >= 0x80 || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || 'A' <= b && b <= 'Z'
}

// appendWords appends the words of s.
func appendWords(out []string, s string) []string {
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// words returns the distinct words of the row's search text, sorted.
func (r *commitmentRow) words() []string {
	var out []string
	for _, s := range [...]string{r.lowerID, r.lowerTitle, r.lowerDesc} {
		out = appendWords(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// holds reports whether the row's search text holds needle: what search
// selects.
func (r *commitmentRow) holds(needle string) bool {
	return strings.Contains(r.lowerID, needle) || strings.Contains(r.lowerTitle, needle) || strings.Contains(r.lowerDesc, needle)
}

func (r *commitmentRow) sameText(o *commitmentRow) bool {
	return o.lowerID == r.lowerID && o.lowerTitle == r.lowerTitle && o.lowerDesc == r.lowerDesc
}

// appendTrigrams appends the distinct trigrams of s, sorted.
func appendTrigrams(out []uint32, s string) []uint32 {
	for i := 0; i+3 <= len(s); i++ {
		out = append(out, uint32(s[i])<<16|uint32(s[i+1])<<8|uint32(s[i+2]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// word returns w's number, numbering it if new.
func (t *textIndex) word(w string) int32 {
	if n, ok := t.words.lookup(w); ok {
		return n
	}
	w = strings.Clone(w) // not the row's text, which may change
	n := t.words.add(w)
	t.rows = append(t.rows, nil)
	for _, g := range appendTrigrams(nil, w) {
		t.grams[g] = append(t.grams[g], n)
	}
	return n
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
	t := &ix.text
	t.words, t.rows, t.grams = newRowNumbers(0), nil, map[uint32][]int32{}
	for i := range ix.rows {
		for _, w := range ix.rows[i].words() {
			n := t.word(w)
			t.rows[n] = append(t.rows[n], int32(i))
		}
	}
	t.built.Store(true)
}

// retext moves row i from the lists of old's words (nil: a new row) to
// those of its own, and in or out of the kept searches; call it under
// m.mu's write lock.
func (ix *commitmentIndex) retext(i int, old *commitmentRow) {
	if !ix.text.built.Load() {
		return
	}
	t, r := &ix.text, &ix.rows[i]
	changed := old == nil || !r.sameText(old)
	if changed {
		var was []string
		if old != nil {
			was = old.words()
		}
		now := r.words()
		for _, w := range was {
			if _, kept := slices.BinarySearch(now, w); kept {
				continue
			}
			if n, ok := t.words.lookup(w); ok {
				if p, ok := slices.BinarySearch(t.rows[n], int32(i)); ok {
					t.rows[n] = slices.Delete(t.rows[n], p, p+1)
				}
			}
		}
		for _, w := range now {
			if _, had := slices.BinarySearch(was, w); had {
				continue
			}
			n := t.word(w)
			if p, ok := slices.BinarySearch(t.rows[n], int32(i)); !ok {
				t.rows[n] = slices.Insert(t.rows[n], p, int32(i))
			}
		}
	}
	ix.recountKept(i, old, changed)
}

// recountKept moves row i, which was old (nil: a new row), in or out of
// each kept search (testing its text again if it changed), and its figures
// in that search's cells; call it under m.mu's write lock.
func (ix *commitmentIndex) recountKept(i int, old *commitmentRow, textChanged bool) {
	k := ix.text.kept.Load()
	if k == nil {
		return
	}
	r := &ix.rows[i]
	for _, s := range k.by {
		p, was := slices.BinarySearch(s.rows, int32(i))
		is := was
		if textChanged {
			is = r.holds(s.needle)
		}
		switch {
		case was && !is:
			s.rows = slices.Delete(s.rows, p, p+1)
		case is && !was:
			s.rows = slices.Insert(s.rows, p, int32(i))
		}
		if c := s.cells.Load(); c != nil {
			if was {
				c.add(old, -1)
			}
			if is {
				c.add(r, 1)
			}
		}
		for slot, f := range orderFields {
			p := s.orders[slot].Load()
			o := CommitmentOrder{Field: f}
			if p == nil || (was && is && o.compare(old, r) == 0) {
				continue
			}
			if was && !ix.remove(p, i, old, o) {
				s.orders[slot].Store(nil) // not where it should be: built again when asked
				continue
			}
			if is {
				ix.insert(p, i, o)
			}
		}
	}
}

// searchOrder returns the rows needle (lowered and trimmed) selects in
// orderFields[slot]'s order, ascending, building the list from the model's
// order if not kept; false for an empty needle and for a search of few
// rows, which sorting them serves. Call it under m.mu, after ensureOrders.
func (ix *commitmentIndex) searchOrder(needle string, slot int) ([]int32, bool) {
	if needle == "" {
		return nil, false
	}
	s := ix.searchSet(needle)
	if len(s.rows) <= 64 {
		return nil, false
	}
	if p := s.orders[slot].Load(); p != nil {
		return *p, true
	}
	ix.text.keptMu.Lock()
	defer ix.text.keptMu.Unlock()
	if p := s.orders[slot].Load(); p != nil {
		return *p, true
	}
	set := make([]uint64, (len(ix.rows)+63)/64)
	for _, i := range s.rows {
		set[i>>6] |= 1 << (i & 63)
	}
	l := make([]int32, 0, len(s.rows))
	for _, i := range ix.orders[slot] {
		if set[i>>6]&(1<<(i&63)) != 0 {
			l = append(l, i)
		}
	}
	s.orders[slot].Store(&l)
	return l, true
}

// searchSet returns the kept search for needle (lowered and trimmed, not
// empty), finding its rows if it is not kept yet; call it under m.mu.
func (ix *commitmentIndex) searchSet(needle string) *keptSearch {
	ix.ensureText()
	if k := ix.text.kept.Load(); k != nil {
		if s := k.by[needle]; s != nil {
			s.asked.Store(searchClock.Add(1))
			return s
		}
	}
	rows := ix.findText(needle)
	t := &ix.text
	t.keptMu.Lock()
	defer t.keptMu.Unlock()
	k := t.kept.Load()
	if k == nil {
		k = &keptSearches{}
	}
	if s := k.by[needle]; s != nil {
		return s
	}
	next := &keptSearches{by: maps.Clone(k.by)}
	if next.by == nil {
		next.by = map[string]*keptSearch{}
	}
	if len(next.by) >= keptSearchLimit {
		var oldest *keptSearch
		for _, s := range next.by {
			if oldest == nil || s.asked.Load() < oldest.asked.Load() {
				oldest = s
			}
		}
		delete(next.by, oldest.needle)
	}
	s := &keptSearch{needle: needle, rows: rows}
	s.asked.Store(searchClock.Add(1))
	next.by[needle] = s
	t.kept.Store(next)
	return s
}

// searchCells returns the cells of s's rows, building them if not kept.
// Call it under m.mu.
func (ix *commitmentIndex) searchCells(s *keptSearch) *cells {
	if c := s.cells.Load(); c != nil {
		return c
	}
	ix.text.keptMu.Lock()
	defer ix.text.keptMu.Unlock()
	if c := s.cells.Load(); c != nil {
		return c
	}
	c := newCells()
	for _, i := range s.rows {
		c.add(&ix.rows[i], 1)
	}
	s.cells.Store(c)
	return c
}

// findText returns the rows holding needle, ascending, in a new slice.
func (ix *commitmentIndex) findText(needle string) []int32 {
	first, last := -1, -1 // the first and the last separator
	for j := range len(needle) {
		if !isWordByte(needle[j]) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if first < 0 { // inside one word
		return ix.unionOf(ix.wordsHolding(needle, strings.Contains))
	}
	// Each piece names the words one of the row's must be: the first ends
	// with it, the last starts with it, the inner ones are it. A piece
	// shorter than a trigram is read only when there is no other, as it
	// reads the whole vocabulary.
	type piece struct {
		words []int32
		n     int // the rows listed under them
	}
	var best *piece
	consider := func(p piece) {
		for _, w := range p.words {
			p.n += len(ix.text.rows[w])
		}
		if best == nil || p.n < best.n {
			best = &p
		}
	}
	for _, w := range appendWords(nil, needle[first:last]) {
		n, ok := ix.text.words.lookup(w)
		if !ok {
			return nil
		}
		consider(piece{words: []int32{n}})
	}
	head, tail := needle[:first], needle[last+1:]
	for _, end := range []struct {
		s    string
		test func(w, s string) bool
	}{{head, strings.HasSuffix}, {tail, strings.HasPrefix}} {
		switch {
		case end.s == "":
		case len(end.s) < 3:
			if best == nil {
				consider(piece{words: ix.wordsHolding(end.s, end.test)})
			}
		default:
			consider(piece{words: ix.wordsHolding(end.s, end.test)})
		}
	}
	var rows []int32
	if best == nil { // separators only: every row is a candidate
		rows = make([]int32, len(ix.rows))
		for i := range rows {
			rows[i] = int32(i)
		}
	} else {
		rows = ix.unionOf(best.words)
	}
	out := rows[:0]
	for _, i := range rows {
		if ix.rows[i].holds(needle) {
			out = append(out, i)
		}
	}
	return slices.Clip(out)
}

// wordsHolding returns the numbers of the words w (holding some rows) for
// which test(w, piece) holds; test implies that w contains piece.
func (ix *commitmentIndex) wordsHolding(piece string, test func(w, piece string) bool) []int32 {
	t := &ix.text
	var out []int32
	keep := func(n int32) {
		if len(t.rows[n]) > 0 && test(t.words.ids[n], piece) {
			out = append(out, n)
		}
	}
	if len(piece) < 3 {
		for n := range t.words.ids {
			keep(int32(n))
		}
		return out
	}
	var shortest []int32
	for k, g := range appendTrigrams(nil, piece) {
		l, ok := t.grams[g]
		if !ok {
			return nil
		}
		if k == 0 || len(l) < len(shortest) {
			shortest = l
		}
	}
	for _, n := range shortest {
		keep(n)
	}
	return out
}

// unionOf returns the rows listed under any of words, ascending, in a new
// slice.
func (ix *commitmentIndex) unionOf(words []int32) []int32 {
	t := &ix.text
	switch len(words) {
	case 0:
		return nil
	case 1:
		return slices.Clone(t.rows[words[0]])
	}
	set := make([]uint64, (len(ix.rows)+63)/64)
	n := 0
	for _, w := range words {
		for _, i := range t.rows[w] {
			set[i>>6] |= 1 << (i & 63)
		}
		n += len(t.rows[w])
	}
	out := make([]int32, 0, n)
	for k, b := range set {
		for ; b != 0; b &= b - 1 {
			out = append(out, int32(k<<6|bits.TrailingZeros64(b)))
		}
	}
	return slices.Clip(out)
}

// searchCandidates is the rows needle selects (exactly), from its kept
// search; false for an empty needle, which selects every row.
func (ix *commitmentIndex) searchCandidates(needle string) (candidates, bool) {
	if needle == "" {
		return candidates{}, false
	}
	rows := ix.searchSet(needle).rows
	return candidates{n: len(rows), each: func(yield func(int32)) {
		for _, i := range rows {
			yield(i)
		}
	}}, true
}

// searchCount counts the commitments f selects when it names only a
// search: its kept search's rows. Call it under m.mu.
func (ix *commitmentIndex) searchCount(f CommitmentFilter) (int, bool) {
	needle := strings.ToLower(strings.TrimSpace(f.Search))
	rest := f
	rest.Search = ""
	if needle == "" || !rest.isZero() {
		return 0, false
	}
	return len(ix.searchSet(needle).rows), true
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

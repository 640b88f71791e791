package hub

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The commitment index keeps its rows sorted in every list order, so that a
// page of `commitments` walks the order from its cursor and stops once the
// page is full, instead of filtering and sorting every commitment: a filter
// that selects a share of the commitments costs the page over that share,
// whatever their number. A filter whose narrowest index lists few
// commitments sorts those instead.

// orderFields are the orders kept, by slot; "" is the reference order.
var orderFields = [...]CommitmentOrderField{OrderByReference, OrderByTitle, OrderByDueDate, OrderByProgress, OrderByUpdatedAt}

func orderSlot(f CommitmentOrderField) int {
	for i, v := range orderFields {
		if v == f {
			return i
		}
	}
	return 0 // compare orders an unknown field by reference
}

// ensureOrders sorts the rows in every order if they are not kept yet
// (after a bulk load, which adds rows without placing them); call it under
// m.mu, read or write.
func (ix *commitmentIndex) ensureOrders() {
	if ix.sorted.Load() {
		return
	}
	ix.sortMu.Lock()
	defer ix.sortMu.Unlock()
	if ix.sorted.Load() {
		return
	}
	var wg sync.WaitGroup // the orders sort on every core there is
	for s, f := range orderFields {
		wg.Go(func() {
			ord := make([]int32, len(ix.rows))
			for i := range ord {
				ord[i] = int32(i)
			}
			o := CommitmentOrder{Field: f}
			slices.SortFunc(ord, func(a, b int32) int { return o.compare(&ix.rows[a], &ix.rows[b]) })
			ix.orders[s] = ord
		})
	}
	wg.Wait()
	// Each row's lists are looked up once, not once an order.
	ix.keyed = map[string]*keyedOrders{}
	listsOf := make([][]*keyedOrders, len(ix.rows))
	var keys []string
	for i := range ix.rows {
		keys = ix.rows[i].keys(keys[:0])
		listsOf[i] = make([]*keyedOrders, len(keys))
		for j, k := range keys {
			lists := ix.keyed[k]
			if lists == nil {
				lists = new(keyedOrders)
				ix.keyed[k] = lists
			}
			listsOf[i][j] = lists
		}
	}
	for s := range orderFields {
		for _, i := range ix.orders[s] {
			for _, lists := range listsOf[i] {
				lists[s] = append(lists[s], i)
			}
		}
	}
	ix.bits = map[string][]uint64{}
	for k := range ix.keyed {
		ix.keepBits(k)
	}
	ix.sorted.Store(true)
}

// keyedOrders are the rows listed under one key, in each of orderFields'
// orders.
type keyedOrders [len(orderFields)][]int32

// keys appends the keys the row is listed under in the keyed orders: its
// status, pillar, objective, participants, communities, participants'
// sectors and lead's sector, each as "dimension\x00key".
func (r *commitmentRow) keys(out []string) []string {
	c := r.c
	add := func(dim, key string) {
		if k := dim + "\x00" + key; key != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	add("status", string(c.Status))
	add("pillar", c.PillarID)
	add("objective", c.ObjectiveID)
	for _, p := range c.Participants {
		add("stakeholder", p.StakeholderID)
	}
	for _, id := range c.CommunityIDs {
		add("community", id)
	}
	for i, s := range AllSectors {
		if r.sectors&(1<<i) != 0 {
			add("sector", string(s))
		}
	}
	if r.leadSector >= 0 {
		add("leadSector", string(AllSectors[r.leadSector]))
	}
	return out
}

// reorder moves row i to its place in each kept order, and under each of
// its keys, after it changed from old (nil: a new row); call it under
// m.mu's write lock.
func (ix *commitmentIndex) reorder(i int, old *commitmentRow) {
	if !ix.sorted.Load() {
		return
	}
	r := &ix.rows[i]
	var oldKeys []string
	if old != nil {
		oldKeys = old.keys(nil)
	}
	newKeys := r.keys(nil)
	for s, f := range orderFields {
		o := CommitmentOrder{Field: f}
		moved := old == nil || o.compare(old, r) != 0
		ok := true
		if moved && old != nil {
			ok = ix.remove(&ix.orders[s], i, old, o)
		}
		if moved {
			ix.insert(&ix.orders[s], i, o)
		}
		for _, k := range oldKeys {
			if ok && (moved || !slices.Contains(newKeys, k)) {
				ok = ix.remove(&ix.keyed[k][s], i, old, o)
			}
		}
		if !ok {
			ix.sorted.Store(false) // not where it should be: sort again on the next read
			return
		}
		for _, k := range newKeys {
			if moved || !slices.Contains(oldKeys, k) {
				lists := ix.keyed[k]
				if lists == nil {
					lists = new(keyedOrders)
					ix.keyed[k] = lists
				}
				ix.insert(&lists[s], i, o)
			}
		}
	}
	for _, k := range oldKeys {
		if b := ix.bits[k]; b != nil && !slices.Contains(newKeys, k) {
			b[i>>6] &^= 1 << (i & 63)
		}
	}
	for _, k := range newKeys {
		if !slices.Contains(oldKeys, k) {
			ix.setBit(k, i)
		}
	}
}

// remove takes row i, which was old, out of ord (sorted in o), reporting
// whether it was there.
func (ix *commitmentIndex) remove(ord *[]int32, i int, old *commitmentRow, o CommitmentOrder) bool {
	l := *ord
	at := func(j int) *commitmentRow {
		if l[j] == int32(i) {
			return old
		}
		return &ix.rows[l[j]]
	}
	p := sort.Search(len(l), func(j int) bool { return o.compare(at(j), old) >= 0 })
	if p == len(l) || l[p] != int32(i) {
		return false
	}
	*ord = slices.Delete(l, p, p+1)
	return true
}

// insert puts row i in its place in ord (sorted in o).
func (ix *commitmentIndex) insert(ord *[]int32, i int, o CommitmentOrder) {
	l := *ord
	q := sort.Search(len(l), func(j int) bool { return o.compare(&ix.rows[l[j]], &ix.rows[i]) >= 0 })
	*ord = slices.Insert(l, q, int32(i))
}

// Window is part of an ordered list, as Relay paging selects it: the items
// after the key After and before the key Before (nil: from the start, to
// the end), the first First of them, else the last Last, else all.
type Window struct {
	After, Before *string
	First, Last   *int
	Count         bool // count every item of the list (Page.Total)
}

// CommitmentPage is one window of the commitments a filter selects.
type CommitmentPage struct {
	Items                []*Commitment
	HasPrevious, HasNext bool // items outside the window, before and after it
	Total                int  // the whole list's length, when the window asked
}

// ordered is a list of commitment rows: its length and its i-th row.
type ordered struct {
	n  int
	at func(int) *commitmentRow
}

// CommitmentPage returns the window w of the commitments f selects in
// order o; today decides which are overdue. It equals paging the list
// Commitments returns.
func (m *ReadModel) CommitmentPage(f CommitmentFilter, o CommitmentOrder, today Date, w Window) CommitmentPage {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var p CommitmentPage
	if w.Count {
		p.Total = m.countCommitments(f, today)
	}
	list, match, lo, hi, ok := m.commitmentList(f, o, today, w.First, w.Last)
	if !ok {
		return p
	}
	beyond := func(k, c string) bool { return (k > c) != o.Descending && k != c }
	from, to := lo, hi
	if w.After != nil {
		from = later(from, list.search(func(r *commitmentRow) bool { return beyond(o.Key(r.c), *w.After) }))
	}
	if w.Before != nil {
		to = earlier(to, list.search(func(r *commitmentRow) bool { k := o.Key(r.c); return k == *w.Before || beyond(k, *w.Before) }))
	}
	to = later(to, from)
	matchIn := func(a, b []int) bool { // a match between a and b
		found := false
		list.walk(a, b, false, func(r *commitmentRow) bool { found = match(r); return !found })
		return found
	}
	take := func(k int) func(*commitmentRow) bool {
		p.Items = make([]*Commitment, 0, min(k, 128)) // a page's room, as a client's first or last asks
		return func(r *commitmentRow) bool {
			if match(r) {
				p.Items = append(p.Items, r.c)
			}
			return len(p.Items) < k
		}
	}
	start, end := from, to
	switch {
	case w.First != nil || w.Last == nil:
		k := math.MaxInt
		if w.First != nil {
			k = *w.First
		}
		if k > 0 {
			end = list.walk(from, to, false, take(k))
		} else {
			end = from
		}
	default:
		if k := *w.Last; k > 0 {
			start = list.walk(to, from, true, take(k))
			slices.Reverse(p.Items)
		} else {
			start = to
		}
	}
	p.HasPrevious, p.HasNext = matchIn(lo, start), matchIn(end, hi)
	return p
}

// commitmentList returns a list that holds every commitment f selects in
// order o, and the matcher that picks them out of it, with the positions
// lo and hi of it outside which none is; false when f selects none. The
// list is the kept order, or the union of the lists of the keys f names
// of one dimension where those are fewer rows (merged), or its search's
// rows in that order, or, when f's candidates (commitmentCandidates) are
// few enough for a page of first or last, its matches sorted.
// Call it under m.mu.
func (m *ReadModel) commitmentList(f CommitmentFilter, o CommitmentOrder, today Date, first, last *int) (list merged, match func(*commitmentRow) bool, lo, hi []int, ok bool) {
	ix := &m.commitmentIndex
	match = m.commitmentMatcher(f, today)
	cands := m.commitmentCandidates(f, today)
	if cands.n == 0 {
		return merged{}, nil, nil, nil, false
	}
	if m.policy != nil { // a view of the past (asof.go) keeps no orders
		return m.viewList(f, o, today)
	}
	page := len(ix.rows)
	if first != nil {
		page = *first
	} else if last != nil {
		page = *last
	}
	slot := orderSlot(o.Field)
	lists := [][]int32{ix.orders[slot]}
	size := len(lists[0])
	// The union of the lists of the keys f names of one dimension holds
	// every match: the walk skips what that dimension does not select.
	for _, d := range []struct {
		dim  string
		keys []string
	}{{"status", strs(f.Statuses)}, {"pillar", f.PillarIDs}, {"objective", f.ObjectiveIDs},
		{"stakeholder", f.StakeholderIDs}, {"community", f.CommunityIDs}, {"sector", strs(f.Sectors)}, {"leadSector", strs(f.LeadSectors)}} {
		if len(d.keys) == 0 || slices.Contains(d.keys, "") {
			continue
		}
		var ls [][]int32
		n := 0
		for _, k := range slices.Compact(slices.Sorted(slices.Values(d.keys))) {
			if kept := ix.keyed[d.dim+"\x00"+k]; kept != nil && len(kept[slot]) > 0 {
				ls = append(ls, kept[slot])
				n += len(kept[slot])
			}
		}
		if n < size {
			lists, size = ls, n
		}
	}
	if l, ok := ix.searchOrder(strings.ToLower(strings.TrimSpace(f.Search)), slot); ok && len(l) < size {
		lists, size = [][]int32{l}, len(l)
	}
	// Sorting the candidates costs less than walking the lists to fill the page.
	if c := cands.n; !cands.all && 4*c*c <= (page+1)*size {
		rows := ix.sortedRows(cands, match, o)
		all := func(*commitmentRow) bool { return true }
		return merged{lists: []ordered{{n: len(rows), at: func(j int) *commitmentRow { return rows[j] }}}, cmp: o.compare}, all, []int{0}, []int{len(rows)}, true
	}
	list = merged{lists: make([]ordered, len(lists)), cmp: o.compare}
	for s, ord := range lists {
		n := len(ord)
		list.lists[s] = ordered{n: n, at: func(j int) *commitmentRow { return &ix.rows[ord[j]] }}
		if o.Descending {
			list.lists[s].at = func(j int) *commitmentRow { return &ix.rows[ord[n-1-j]] }
		}
	}
	lo, hi = make([]int, len(lists)), list.ends()
	if o.Field == OrderByDueDate { // due dates bound a range of this order
		// due returns the first position from which cond holds of the due
		// date (cond holds from some row on, in list order).
		due := func(cond func(Date) bool) []int {
			return list.search(func(r *commitmentRow) bool { return cond(r.c.DueDate) })
		}
		overdue := f.Overdue != nil && *f.Overdue
		if !o.Descending {
			if f.DueAfter != nil {
				lo = due(func(d Date) bool { return d >= *f.DueAfter })
			}
			if f.DueBefore != nil {
				hi = due(func(d Date) bool { return d > *f.DueBefore })
			}
			if overdue {
				hi = earlier(hi, due(func(d Date) bool { return d >= today }))
			}
		} else {
			if f.DueBefore != nil {
				lo = due(func(d Date) bool { return d <= *f.DueBefore })
			}
			if overdue {
				lo = later(lo, due(func(d Date) bool { return d < today }))
			}
			if f.DueAfter != nil {
				hi = due(func(d Date) bool { return d < *f.DueAfter })
			}
		}
		hi = later(hi, lo)
	}
	return list, match, lo, hi, true
}

// countCommitments counts the commitments f selects: from the kept counts
// when f names only statuses and sectors, from the kept cells
// (commitment_cells.go) when it names only their dimensions, from the
// union of the kept lists when it names only stakeholders, communities or
// objectives (commitment_union.go), from its kept search's rows when it
// names only a search (commitment_text.go), else by matching f's
// candidates; call it under m.mu.
func (m *ReadModel) countCommitments(f CommitmentFilter, today Date) int {
	ix := &m.commitmentIndex
	g := f
	g.Statuses, g.Sectors = nil, nil
	if g.isZero() {
		return ix.all.countBy(f.Statuses, f.Sectors)
	}
	if n, ok := m.cellCount(f, today); ok {
		return n
	}
	if n, ok := m.unionCount(f); ok {
		return n
	}
	if n, ok := ix.searchCount(f); ok {
		return n
	}
	n := 0
	m.eachMatchingCommitment(f, today, func(*commitmentRow) { n++ })
	return n
}

// countBy counts the commitments with any of statuses (none: any) that
// have a participant in any of sectors (none: any), from the kept counts.
func (u *rollup) countBy(statuses []CommitmentStatus, sectors []Sector) int {
	var want uint8
	for _, s := range sectors {
		want |= sectorBit(s)
	}
	n := 0
	for si, s := range AllCommitmentStatuses {
		if len(statuses) > 0 && !slices.Contains(statuses, s) {
			continue
		}
		for mask, k := range u.byStatusSectors[si] {
			if len(sectors) == 0 || uint8(mask)&want != 0 {
				n += k
			}
		}
	}
	return n
}

// highestReference returns the highest number n of a commitment whose
// reference is prefix followed by n's digits, or 0; prefix ends with a
// character that is not a digit, so those references are one run of the
// reference order.
func (m *ReadModel) highestReference(prefix string) int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	ix := &m.commitmentIndex
	ix.ensureOrders()
	ord, nk := ix.orders[orderSlot(OrderByReference)], naturalKey(prefix)
	highest := 0
	for j := sort.Search(len(ord), func(j int) bool { return ix.rows[ord[j]].refKey >= nk }); j < len(ord); j++ {
		r := &ix.rows[ord[j]]
		if !strings.HasPrefix(r.refKey, nk) {
			break
		}
		if rest, ok := strings.CutPrefix(r.c.ID, prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil && n > highest {
				highest = n
			}
		}
	}
	return highest
}

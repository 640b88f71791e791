package hub

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// The outcomes are kept, per kind and status, in the order of when they
// were recorded (the outcomes' default order), so that a page of
// `outcomes` filtered by kinds and statuses finds its cursor in each
// selected list by binary search, merges the lists from there and stops
// once the page is full, and counts by the lists' lengths: it costs the
// page and a search a list, not every matching outcome. Outcomes of a
// private meeting are kept apart, taken whole for those who see every
// private meeting and judged outcome by outcome for editors; those of a
// meeting not yet applied, which nobody sees, are kept out. Outcome puts keep the lists
// (keptAnswers.changed); a meeting put drops them, for the next reader to
// build again, since it may change which outcomes are private.

// outcomeCombo is one kind and status.
type outcomeCombo struct {
	kind   OutcomeKind
	status OutcomeStatus
}

// outcomeItem is an outcome with its key in the default order.
type outcomeItem struct {
	key string // OutcomeKey
	o   *MeetingOutcome
}

// outcomeLists are one combination's outcomes, each list ascending by key:
// of public meetings, of private ones, and of none yet applied.
type outcomeLists struct {
	public, private, orphans []outcomeItem
}

// outcomePlace is where an outcome is kept.
type outcomePlace struct {
	combo   outcomeCombo
	key     string
	private bool
	orphan  bool // its meeting is not applied
}

// outcomeOrders are the kept lists of a model without a policy; readers
// build them under the read lock, writers change them under the write
// lock.
type outcomeOrders struct {
	m  *ReadModel
	by map[outcomeCombo]*outcomeLists
	at map[string]outcomePlace // by outcome id
}

// keptOutcomes holds the kept lists while they are current.
type keptOutcomes struct {
	orders atomic.Pointer[outcomeOrders]
	mu     sync.Mutex // one reader builds them
}

// changed keeps the lists as s, an entity about to be put, changes them.
func (k *keptOutcomes) changed(s State) {
	o := k.orders.Load()
	switch {
	case o == nil:
	case s.k == Meetings.kind:
		k.orders.Store(nil)
	case s.k == Outcomes.kind:
		oc := any(s.e).(*MeetingOutcome)
		o.remove(oc.ID)
		if !oc.Deleted {
			o.add(oc)
		}
	}
}

// outcomeOrders returns the kept lists, building them if not kept; call
// it under m.mu, on a model without a policy.
func (m *ReadModel) outcomeOrders() *outcomeOrders {
	k := &m.commitmentIndex.kept.outcomes
	if o := k.orders.Load(); o != nil {
		return o
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if o := k.orders.Load(); o != nil {
		return o
	}
	o := &outcomeOrders{m: m, by: map[outcomeCombo]*outcomeLists{}, at: map[string]outcomePlace{}}
	for _, oc := range Outcomes.all(m) {
		p := o.place(oc)
		o.at[oc.ID] = p
		list := o.lists(p.combo).list(p)
		*list = append(*list, outcomeItem{p.key, oc})
	}
	byKey := func(a, b outcomeItem) int { return strings.Compare(a.key, b.key) }
	for _, l := range o.by {
		slices.SortFunc(l.public, byKey)
		slices.SortFunc(l.private, byKey)
		slices.SortFunc(l.orphans, byKey)
	}
	k.orders.Store(o)
	return o
}

func (o *outcomeOrders) place(oc *MeetingOutcome) outcomePlace {
	mt := Meetings.get(o.m, oc.MeetingID)
	return outcomePlace{combo: outcomeCombo{oc.Kind, oc.Status}, key: OutcomeKey(oc), private: mt != nil && mt.Private, orphan: mt == nil}
}

func (o *outcomeOrders) lists(c outcomeCombo) *outcomeLists {
	l := o.by[c]
	if l == nil {
		l = &outcomeLists{}
		o.by[c] = l
	}
	return l
}

// list returns the list of l an outcome placed at p is in.
func (l *outcomeLists) list(p outcomePlace) *[]outcomeItem {
	switch {
	case p.orphan:
		return &l.orphans
	case p.private:
		return &l.private
	}
	return &l.public
}

func (o *outcomeOrders) add(oc *MeetingOutcome) {
	p := o.place(oc)
	o.at[oc.ID] = p
	list := o.lists(p.combo).list(p)
	i, _ := slices.BinarySearchFunc(*list, p.key, func(it outcomeItem, key string) int { return strings.Compare(it.key, key) })
	*list = slices.Insert(*list, i, outcomeItem{p.key, oc})
}

func (o *outcomeOrders) remove(id string) {
	p, ok := o.at[id]
	if !ok {
		return
	}
	delete(o.at, id)
	list := o.by[p.combo].list(p)
	if i, found := slices.BinarySearchFunc(*list, p.key, func(it outcomeItem, key string) int { return strings.Compare(it.key, key) }); found {
		*list = slices.Delete(*list, i, i+1)
	}
}

// keptOutcomePage is OutcomePage from the kept lists, false when they
// cannot answer: f names more than kinds and statuses, o is not by when
// they were recorded, or the model judges by a policy. Call it under m.mu.
func (m *ReadModel) keptOutcomePage(f OutcomeFilter, o OutcomeOrder, w Window) (ListPage[MeetingOutcome], bool) {
	if m.policy != nil || o.Field != OutcomesByRecordedAt || len(f.MeetingIDs)+len(f.OwnerIDs)+len(f.PillarIDs) > 0 ||
		f.DueAfter != nil || f.DueBefore != nil || f.Overdue != nil || strings.TrimSpace(f.Search) != "" {
		return ListPage[MeetingOutcome]{}, false
	}
	kept := m.outcomeOrders()
	// The selected lists, each ascending: of private meetings whole for
	// those who see them all, else cut to what an editor may see.
	var room [32][]outcomeItem // the kinds' and statuses' lists, on the stack
	lists := room[:0]
	add := func(l []outcomeItem) {
		if len(l) > 0 {
			lists = append(lists, l)
		}
	}
	for c, l := range kept.by {
		if !among(f.Kinds, c.kind) || !among(f.Statuses, c.status) {
			continue
		}
		add(l.public)
		switch {
		case f.Viewer.seesPrivateMeetings():
			add(l.private)
		case f.Viewer.Role == RoleEditor:
			var seen []outcomeItem
			for _, it := range l.private {
				if Outcomes.visibleTo(m, f.Viewer, it.o) {
					seen = append(seen, it)
				}
			}
			add(seen)
		}
	}
	return windowOfLists(lists, o.Descending, w), true
}

// windowOfLists is sortedWindow of the merge of lists, each ascending by
// key (the list descending when desc): the cursors found by binary search
// in each list, then the window merged item by item from its end nearer
// the cursor.
func windowOfLists(lists [][]outcomeItem, desc bool, w Window) ListPage[MeetingOutcome] {
	// In each list, [from, to) are the indexes within the cursors.
	type span struct {
		items    []outcomeItem
		from, to int
	}
	var room [32]span
	spans := room[:0]
	if len(lists) > len(room) {
		spans = make([]span, 0, len(lists))
	}
	total, inside := 0, 0
	for _, l := range lists {
		s := span{items: l, from: 0, to: len(l)}
		search := func(c string) (lo, hi int) { // the first index with key >= c, and > c
			lo = sortSearch(l, func(k string) bool { return k >= c })
			hi = lo
			if hi < len(l) && l[hi].key == c {
				hi++
			}
			return lo, hi
		}
		// sortedWindow takes what is beyond After and short of Before in
		// the list's order.
		if w.After != nil {
			if lo, hi := search(*w.After); desc {
				s.to = lo
			} else {
				s.from = hi
			}
		}
		if w.Before != nil {
			if lo, hi := search(*w.Before); desc {
				s.from = max(s.from, hi)
			} else {
				s.to = min(s.to, lo)
			}
		}
		if s.to < s.from { // an empty window, where its start is
			if desc {
				s.from = s.to
			} else {
				s.to = s.from
			}
		}
		total += len(l)
		inside += s.to - s.from
		spans = append(spans, s)
	}
	// before counts the items ahead of the window in the list's order.
	before := 0
	for _, s := range spans {
		if desc {
			before += len(s.items) - s.to
		} else {
			before += s.from
		}
	}
	n, fromEnd := inside, false
	switch {
	case w.First != nil:
		n = min(n, max(*w.First, 0))
	case w.Last != nil:
		n, fromEnd = min(n, max(*w.Last, 0)), true
	}
	// Take n items from the window's start (or end): ascending from each
	// span's from (or descending from its to) when the list's order and
	// the direction of taking agree, else the other way round.
	up := desc == fromEnd
	items := make([]*MeetingOutcome, n)
	for j := range n {
		best := -1
		for i := range spans {
			s := &spans[i]
			if s.from >= s.to {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := &spans[best]
			if up && s.items[s.from].key < b.items[b.from].key || !up && s.items[s.to-1].key > b.items[b.to-1].key {
				best = i
			}
		}
		s := &spans[best]
		if up {
			items[j] = s.items[s.from].o
			s.from++
		} else {
			s.to--
			items[j] = s.items[s.to].o
		}
	}
	start := before
	if fromEnd {
		slices.Reverse(items)
		start = before + inside - n
	}
	return ListPage[MeetingOutcome]{Items: items, HasPrevious: start > 0, HasNext: start+n < total, Total: total}
}

// sortSearch is the first index of l whose key meets ok (false, then
// true, along l), or len(l).
func sortSearch(l []outcomeItem, ok func(string) bool) int {
	lo, hi := 0, len(l)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ok(l[mid].key) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

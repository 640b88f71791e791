package hub

import "slices"

// A page's list is the union of one or more lists in the order asked: the
// kept order itself, one key's list, or the lists of several keys of one
// dimension a filter names (stakeholders, communities, statuses ...). Each
// is kept in that order, so their union in it is their k-way merge, and a
// page walks the merge from the cursor's place in each list: it costs the
// rows it reads times log k, plus a binary search a list, whatever the
// number of commitments. A row listed under several of the keys heads each
// of those lists at once and is taken once.

// merged is the union of lists, each in order cmp and holding a row once.
type merged struct {
	lists []ordered
	cmp   func(a, b *commitmentRow) int
}

// A position in a merged list is, for each list, how many of its rows
// come before it.

// ends returns the position after every row.
func (l merged) ends() []int {
	p := make([]int, len(l.lists))
	for s, o := range l.lists {
		p[s] = o.n
	}
	return p
}

// search returns the first position from which cond holds (cond holds
// from some row on, in the lists' order).
func (l merged) search(cond func(*commitmentRow) bool) []int {
	p := make([]int, len(l.lists))
	for s, o := range l.lists {
		lo, hi := 0, o.n
		for lo < hi {
			if mid := int(uint(lo+hi) >> 1); cond(o.at(mid)) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		p[s] = lo
	}
	return p
}

// walk yields the rows between from and to in order (backwards when
// back, from stands after to; none in a list where it stands beyond to),
// each once, until yield returns false; it
// returns the position past the last row yielded, or to.
func (l merged) walk(from, to []int, back bool, yield func(*commitmentRow) bool) []int {
	pos := slices.Clone(from)
	head := func(s int) *commitmentRow {
		if back {
			return l.lists[s].at(pos[s] - 1)
		}
		return l.lists[s].at(pos[s])
	}
	left := func(s int) bool { return pos[s] > to[s] == back && pos[s] != to[s] }
	h := make([]int, 0, len(l.lists)) // the lists with rows left, a heap by their heads
	for s := range l.lists {
		if left(s) {
			h = append(h, s)
		}
	}
	first := func(a, b int) bool { // a's head comes before b's in the walk
		if c := l.cmp(head(a), head(b)); back {
			return c > 0
		} else {
			return c < 0
		}
	}
	down := func(i int) {
		for {
			c := 2*i + 1
			if c >= len(h) {
				return
			}
			if c+1 < len(h) && first(h[c+1], h[c]) {
				c++
			}
			if !first(h[c], h[i]) {
				return
			}
			h[i], h[c] = h[c], h[i]
			i = c
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(h) > 0 {
		r := head(h[0])
		for len(h) > 0 && head(h[0]) == r { // r in every list holding it
			s := h[0]
			if back {
				pos[s]--
			} else {
				pos[s]++
			}
			if !left(s) {
				h[0] = h[len(h)-1]
				h = h[:len(h)-1]
			}
			down(0)
		}
		if !yield(r) {
			break
		}
	}
	return pos
}

// later returns, list by list, the later of positions a and b; earlier
// the earlier.
func later(a, b []int) []int {
	p := slices.Clone(a)
	for s := range p {
		p[s] = max(p[s], b[s])
	}
	return p
}

func earlier(a, b []int) []int {
	p := slices.Clone(a)
	for s := range p {
		p[s] = min(p[s], b[s])
	}
	return p
}

package disclosure

import (
	"cmp"
	"math"
	"slices"
)

// suppress withholds every count below Threshold, then adds complementary
// cells until no withheld cell can be worked out: first by the rules of
// one equation (a total and its breakdown along one dimension), which are
// cheap; then by bounds (the shuttle algorithm: a withheld count is at
// least 1, and each equation narrows the range of its parts and total
// from the others'); then by an exact audit of every published cell at
// once, which catches what only several equations together reveal. Each
// round withholds at least one more cell, so it ends.
func (r *Release) suppress() {
	for _, id := range r.cellIDs() {
		if r.counts[id] < Threshold {
			r.withheld[id] = true
		}
	}
	for {
		for r.protectEquations() {
		}
		leaks := r.pinnedByBounds()
		if len(leaks) == 0 {
			leaks = r.audit()
		}
		if len(leaks) == 0 {
			return
		}
		for _, id := range leaks {
			r.withhold(r.complementFor(id))
		}
	}
}

// cellIDs are the non-zero cells, in order.
func (r *Release) cellIDs() []int { return r.ids }

func (r *Release) withhold(id int) {
	if id >= 0 {
		r.withheld[id] = true
	}
}

// equation is a cell and its breakdown along one dimension: total = Σ parts.
type equation struct {
	total int
	parts []int // the non-zero ones
}

// equations are every breakdown of every non-zero cell within the release.
func (r *Release) equations() []equation {
	var eqs []equation
	for _, id := range r.cellIDs() {
		values, mask := r.decode(id)
		for d, dim := range r.dims {
			if mask&(1<<d) != 0 || !r.lattice[mask|1<<d] {
				continue
			}
			eq := equation{total: id}
			for v := range dim.Size {
				part := id + (v-values[d])*r.radix[d]
				if r.counts[part] != 0 {
					eq.parts = append(eq.parts, part)
				}
			}
			eqs = append(eqs, eq)
		}
	}
	return eqs
}

// protectEquations applies the rules of one equation once, and reports
// whether it withheld anything. In a published total's breakdown, one
// withheld part would be the total less the others, and withheld parts
// that are all 1 would be known from their sum (every withheld count is at
// least 1, zeros being published): a second part is withheld, or, when
// every other part is zero or withheld, the total. A withheld total whose
// parts are all published would be their sum: one part is withheld.
func (r *Release) protectEquations() bool {
	changed := false
	for _, eq := range r.equations() {
		var withheld, published []int
		sum := 0
		for _, p := range eq.parts {
			if r.withheld[p] {
				withheld = append(withheld, p)
				sum += r.counts[p]
			} else {
				published = append(published, p)
			}
		}
		switch {
		case r.withheld[eq.total] && len(withheld) == 0:
			r.withhold(r.smallest(published))
		case r.withheld[eq.total]:
			continue
		case len(withheld) == 1 || (len(withheld) > 1 && sum == len(withheld)):
			if len(published) > 0 {
				r.withhold(r.smallest(published))
			} else {
				r.withhold(eq.total)
			}
		default:
			continue
		}
		changed = true
	}
	return changed
}

// smallest is the published cell with the smallest count, the first by id
// among equals: the deterministic choice of a complement, costing the
// fewest records; -1 when there is none.
func (r *Release) smallest(ids []int) int {
	best := -1
	for _, id := range ids {
		if r.withheld[id] || r.counts[id] == 0 {
			continue
		}
		if best < 0 || cmp.Or(cmp.Compare(r.counts[id], r.counts[best]), cmp.Compare(id, best)) < 0 {
			best = id
		}
	}
	return best
}

// complementFor picks a cell to withhold so that a leaked cell stops being
// recoverable: the smallest published neighbour in its own table (a cell
// differing in one value), else in a finer table (its parts), else in a
// coarser one (its totals), else anywhere.
func (r *Release) complementFor(leak int) int {
	values, mask := r.decode(leak)
	var siblings, parts, totals []int
	for d, dim := range r.dims {
		if mask&(1<<d) != 0 {
			for v := range dim.Size {
				if v != values[d] {
					siblings = append(siblings, leak+(v-values[d])*r.radix[d])
				}
			}
			totals = append(totals, leak+(dim.Size-values[d])*r.radix[d])
		} else if r.lattice[mask|1<<d] {
			for v := range dim.Size {
				parts = append(parts, leak+(v-dim.Size)*r.radix[d])
			}
		}
	}
	for _, group := range [][]int{siblings, parts, totals} {
		if c := r.smallest(group); c >= 0 {
			return c
		}
	}
	return r.smallest(r.ids)
}

// audit returns the withheld cells that the published ones reveal, by any
// linear combination, over the unknowns a reader faces: the cells of the
// full cross-classification that no published zero rules out.
func (r *Release) audit() []int {
	if r.members == nil {
		r.members = map[int][]int{}
		unknowns := r.unknowns()
		r.unknownCount, r.combinations = len(unknowns), unknowns
		masks := r.masks()
		for i, u := range unknowns {
			for _, m := range masks {
				id := r.id(u, m)
				r.members[id] = append(r.members[id], i)
			}
		}
	}
	members := r.members
	a := NewAttack(r.unknownCount)
	ids := r.cellIDs()
	for _, id := range ids {
		if !r.withheld[id] {
			a.Know(members[id])
		}
	}
	var leaks []int
	for _, id := range ids {
		if r.withheld[id] && a.Recovers(members[id]) {
			leaks = append(leaks, id)
		}
	}
	return leaks
}

// unknowns are the combinations of values, in every dimension, whose
// projection on each finest table is a non-zero cell: the only places
// records can be, as far as a reader of the release knows.
func (r *Release) unknowns() [][]int {
	partial := [][]int{make([]int, len(r.dims))}
	for d := range partial[0] {
		partial[0][d] = -1
	}
	var assigned uint32
	for _, f := range r.finest {
		common := assigned & f
		byKey := map[int][][]int{}
		for _, id := range r.cellIDs() {
			values, mask := r.decode(id)
			if mask == f {
				k := r.id(values, common)
				byKey[k] = append(byKey[k], values)
			}
		}
		var next [][]int
		for _, p := range partial {
			for _, q := range byKey[r.id(p, common)] {
				merged := slices.Clone(p)
				for d := range merged {
					if f&(1<<d) != 0 {
						merged[d] = q[d]
					}
				}
				next = append(next, merged)
			}
		}
		partial, assigned = next, assigned|f
	}
	return partial
}

// pinnedByBounds returns the withheld cells whose range, narrowed by every
// equation in turn until nothing moves, is a single value. A withheld cell
// starts at [1, ∞): zeros are published, so a reader knows it is not 0.
func (r *Release) pinnedByBounds() []int {
	const unbounded = math.MaxInt / 4
	lo, hi := map[int]int{}, map[int]int{}
	for _, id := range r.ids {
		if r.withheld[id] {
			lo[id], hi[id] = 1, unbounded
		} else {
			lo[id], hi[id] = r.counts[id], r.counts[id]
		}
	}
	eqs := r.equations()
	for round := 0; round < 64; round++ {
		moved := false
		narrow := func(id, l, h int) {
			if l > lo[id] {
				lo[id], moved = l, true
			}
			if h < hi[id] {
				hi[id], moved = h, true
			}
		}
		for _, eq := range eqs {
			// Σ lo and Σ hi of the parts; hi sums only the bounded ones,
			// and open counts the others.
			sumLo, sumHi, open := 0, 0, 0
			for _, p := range eq.parts {
				sumLo += lo[p]
				if hi[p] == unbounded {
					open++
				} else {
					sumHi += hi[p]
				}
			}
			if open == 0 {
				narrow(eq.total, sumLo, sumHi)
			} else {
				narrow(eq.total, sumLo, unbounded)
			}
			for _, p := range eq.parts {
				othersOpen := open
				othersHi := sumHi
				if hi[p] == unbounded {
					othersOpen--
				} else {
					othersHi -= hi[p]
				}
				l := 1 // a part no other bounds is at least what the total leaves
				if othersOpen == 0 {
					l = lo[eq.total] - othersHi
				}
				h := unbounded
				if hi[eq.total] < unbounded {
					h = hi[eq.total] - (sumLo - lo[p])
				}
				narrow(p, l, h)
			}
		}
		if !moved {
			break
		}
	}
	var pinned []int
	for _, id := range r.ids {
		if r.withheld[id] && lo[id] == hi[id] {
			pinned = append(pinned, id)
		}
	}
	return pinned
}

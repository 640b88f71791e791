package disclosure

import (
	"cmp"
	"math"
	"math/rand/v2"
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
			if via := r.derivations[id]; len(via) > 0 {
				r.withhold(r.smallest(via)) // breaks the derivation the audit found
			} else {
				r.withhold(r.complementFor(id))
			}
		}
		clear(r.derivations)
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
//
// A withheld cell t is revealed when its row is in the span of the
// published rows P. With the unknowns weighted at random (D), that is when
// the Gram system P·D·Pᵀ·y = P·D·t has a solution and t·D·t = (P·D·t)·y:
// a system as large as the published cells, not the unknowns. A cell in
// the span always passes; one outside passes only if the random weights
// fall on a root, about one chance in a hundred million per cell, and
// then it is withheld with one more complement than needed: the error can
// only cost a figure, never reveal one.
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
		r.derivations = map[int][]int{}
		rng := rand.New(rand.NewPCG(0x5eed, uint64(len(unknowns))))
		r.weights = make([]uint64, len(unknowns))
		for i := range r.weights {
			r.weights[i] = 1 + rng.Uint64N(prime-1)
		}
	}
	index := map[int]int{}
	var published []int
	for _, id := range r.ids {
		if !r.withheld[id] {
			index[id] = len(published)
			published = append(published, id)
		}
	}
	k := len(published)
	in := make([][]int, r.unknownCount) // the published cells each unknown is in
	for i, id := range published {
		for _, u := range r.members[id] {
			in[u] = append(in[u], i)
		}
	}
	// [G | I], reduced: rows below rank have a zero G part.
	m := make([][]uint64, k)
	for i := range m {
		m[i] = make([]uint64, 2*k)
		m[i][k+i] = 1
	}
	for u, cells := range in {
		w := r.weights[u]
		for _, i := range cells {
			for _, j := range cells {
				m[i][j] = (m[i][j] + w) % prime
			}
		}
	}
	pivots := gaussJordan(m, k)
	r.gram = &gramSystem{published: published, in: in, m: m, pivots: pivots}
	var leaks []int
	b := make([]uint64, k)
	for _, id := range r.ids {
		if !r.withheld[id] {
			continue
		}
		clear(b)
		var tt uint64
		for _, u := range r.members[id] {
			w := r.weights[u]
			tt = (tt + w) % prime
			for _, i := range in[u] {
				b[i] = (b[i] + w) % prime
			}
		}
		if y := solvedBy(m, pivots, k, b, tt); y != nil {
			leaks = append(leaks, id)
			for i := range y {
				r.derivations[id] = append(r.derivations[id], published[i])
			}
			slices.Sort(r.derivations[id])
		}
	}
	return leaks
}

// gramSystem is the last audit's reduced Gram system, over the cells
// published then: after the last round, those of the release.
type gramSystem struct {
	published []int   // the cells, by row
	in        [][]int // each unknown's published cells, by row
	m         [][]uint64
	pivots    []int
}

// gaussJordan reduces m, k rows of a k-column left part and k-column right
// part, on its left part; it returns the pivot column of each of the first
// rank rows.
func gaussJordan(m [][]uint64, k int) []int {
	var pivots []int
	for col := 0; col < k && len(pivots) < k; col++ {
		r := len(pivots)
		p := -1
		for i := r; i < k; i++ {
			if m[i][col] != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		inv := uint64(inverse(uint32(m[r][col])))
		for j := col; j < len(m[r]); j++ {
			m[r][j] = m[r][j] * inv % prime
		}
		for i := range m {
			f := m[i][col]
			if i == r || f == 0 {
				continue
			}
			neg := prime - f
			row, pr := m[i], m[r]
			for j := col; j < len(row); j++ {
				if x := pr[j]; x != 0 {
					row[j] = (row[j] + neg*x) % prime
				}
			}
		}
		pivots = append(pivots, col)
	}
	return pivots
}

// solvedBy returns, when G·y = b has a solution with b·y = tt (m being
// [G | I] reduced by gaussJordan), the solution's non-zero entries by
// published cell (the derivation of the withheld cell); nil when it has
// none.
func solvedBy(m [][]uint64, pivots []int, k int, b []uint64, tt uint64) map[int]uint64 {
	var nz []int
	for j, x := range b {
		if x != 0 {
			nz = append(nz, j)
		}
	}
	eb := func(i int) uint64 { // (E·b)[i]
		var s uint64
		row := m[i][k:]
		for _, j := range nz {
			s = (s + row[j]*b[j]) % prime
		}
		return s
	}
	for i := len(pivots); i < k; i++ {
		if eb(i) != 0 {
			return nil
		}
	}
	var by uint64
	y := map[int]uint64{}
	for i, col := range pivots {
		if v := eb(i); v != 0 {
			y[col] = v
			by = (by + v*b[col]) % prime
		}
	}
	if by != tt {
		return nil
	}
	return y
}

// derive is the count of the records in the selection when the published
// cells determine it: the combination the audit's Gram system finds,
// applied to their counts.
func (r *Release) derive(values [][]int) (int, bool) {
	g := r.gram
	if g == nil {
		return 0, false
	}
	b := make([]uint64, len(g.published))
	var tt uint64
	for u, c := range r.combinations {
		in := true
		for d, vs := range values {
			in = in && (vs == nil || slices.Contains(vs, c[d]))
		}
		if in {
			w := r.weights[u]
			tt = (tt + w) % prime
			for _, i := range g.in[u] {
				b[i] = (b[i] + w) % prime
			}
		}
	}
	y := solvedBy(g.m, g.pivots, len(g.published), b, tt)
	if y == nil {
		return 0, false
	}
	var n uint64
	for i, v := range y {
		n = (n + v*uint64(r.counts[g.published[i]])) % prime
	}
	if total := r.counts[r.id(nil, 0)]; int(n) > total {
		return 0, false // the rare false pass of a random weighting: nothing derived
	}
	return int(n), true
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

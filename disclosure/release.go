// Package disclosure publishes frequency tables the way statistics offices
// do, so that small counts do not identify anyone: every count below
// Threshold is withheld (primary suppression), and so is a second cell
// wherever a withheld one could be worked out from a total and the others
// (secondary suppression), across every table of the release at once.
//
// A Release is a set of linked tables: every marginal table of the finest
// tables it is given (a table over dimensions {a, b, c} brings {a, b},
// {a}, the grand total and the rest). The same cell has one fate in all of
// them, and any figure a caller asks for is a sum of cells of one table,
// published only when every cell it sums is: so whatever a reader puts
// together from many answers, they know no more than the published cells,
// and the release is built so that no withheld cell follows from those.
//
// What "follows" means: a withheld cell is not a linear combination of
// published ones (exact arithmetic over every combination of values a
// record could have, given the published zeros), and its range is not a
// single value when each equation is used in turn to narrow the ranges of
// its cells, knowing that a withheld count is at least 1 (the shuttle
// algorithm). A reader solving a linear programme over all equations at
// once could narrow some sparse patterns of withheld ones further; the
// tables to release are chosen coarse enough (two-way) to keep those rare.
package disclosure

import (
	"cmp"
	"fmt"
	"slices"
)

// Threshold is the smallest count published: 1 to Threshold−1 are
// withheld. A zero is published: it describes no one, and secondary
// suppression never picks one (a withheld zero protects nothing).
const Threshold = 5

// Dim is a dimension of the tables: records take a value 0…Size−1 in it.
type Dim struct {
	Name string
	Size int
}

// Release is the published cells of a set of linked tables.
type Release struct {
	dims     []Dim
	radix    []int // a cell's id is Σ value·radix, with value Size meaning "every value"
	lattice  map[uint32]bool
	finest   []uint32
	counts   map[int]int // non-zero cells
	ids      []int       // the keys of counts, in order
	withheld map[int]bool

	members      map[int][]int // for the audit: each cell's unknowns
	unknownCount int
	combinations [][]int       // the unknowns: where records may be, as a reader knows
	weights      []uint64      // the audit's random weight of each unknown
	derivations  map[int][]int // the published cells the last audit derived each leaked cell from
	gram         *gramSystem   // the last audit's system, to derive figures from
}

// New classifies the records (each a value per dimension) into the finest
// tables (each a list of dimension indexes) and all their marginal tables,
// and suppresses.
func New(dims []Dim, finest [][]int, records [][]int) (*Release, error) {
	r := &Release{dims: dims, radix: make([]int, len(dims)), lattice: map[uint32]bool{}, counts: map[int]int{}, withheld: map[int]bool{}}
	if len(dims) > 31 {
		return nil, fmt.Errorf("disclosure: %d dimensions, at most 31", len(dims))
	}
	step := 1
	for i, d := range dims {
		if d.Size < 1 {
			return nil, fmt.Errorf("disclosure: dimension %s has no values", d.Name)
		}
		r.radix[i] = step
		step *= d.Size + 1
	}
	var used uint32
	for _, t := range finest {
		var mask uint32
		for _, d := range t {
			if d < 0 || d >= len(dims) {
				return nil, fmt.Errorf("disclosure: no dimension %d", d)
			}
			mask |= 1 << d
		}
		used |= mask
		r.finest = append(r.finest, mask)
		for sub := mask; ; sub = (sub - 1) & mask { // every subset of mask
			r.lattice[sub] = true
			if sub == 0 {
				break
			}
		}
	}
	if used != 1<<len(dims)-1 {
		return nil, fmt.Errorf("disclosure: a dimension is in no table")
	}
	masks := r.masks()
	for _, rec := range records {
		if len(rec) != len(dims) {
			return nil, fmt.Errorf("disclosure: a record with %d values for %d dimensions", len(rec), len(dims))
		}
		for i, v := range rec {
			if v < 0 || v >= dims[i].Size {
				return nil, fmt.Errorf("disclosure: value %d out of dimension %s", v, dims[i].Name)
			}
		}
		for _, m := range masks {
			r.counts[r.id(rec, m)]++
		}
	}
	for id := range r.counts {
		r.ids = append(r.ids, id)
	}
	slices.Sort(r.ids)
	r.suppress()
	return r, nil
}

// Count is the figure that counts the records whose value in each
// dimension d is among sel[d] (every value when sel[d] is nil; sel may be
// shorter than the dimensions): its count, and whether it is published.
// It is published when it follows from published cells: the sum of the
// cells it covers in one table, or, along one dimension, the coarser
// cells less those of the values it leaves out, or any other combination
// of published cells (the audit's system finds it); otherwise it is
// withheld.
func (r *Release) Count(sel [][]int) (count int, published bool) {
	var mask uint32
	values := make([][]int, len(r.dims))
	for d := range r.dims {
		if d >= len(sel) || sel[d] == nil {
			continue
		}
		vs := slices.Compact(slices.Sorted(slices.Values(sel[d])))
		vs = slices.DeleteFunc(vs, func(v int) bool { return v < 0 || v >= r.dims[d].Size })
		if len(vs) == 0 {
			return 0, true // selects no record
		}
		if len(vs) < r.dims[d].Size {
			mask |= 1 << d
			values[d] = vs
		}
	}
	mask = r.dropVacuous(mask, values)
	if !r.lattice[mask] {
		if r.selectsNowhere(values) {
			return 0, true
		}
		return r.derive(values)
	}
	if n, ok := r.sum(values); ok {
		return n, true
	}
	for d, vs := range values {
		if vs == nil {
			continue
		}
		coarser := slices.Clone(values)
		coarser[d] = nil
		left := slices.Clone(values)
		left[d] = nil
		for v := range r.dims[d].Size {
			if !slices.Contains(vs, v) {
				left[d] = append(left[d], v)
			}
		}
		all, ok1 := r.sum(coarser)
		out, ok2 := r.sum(left)
		if ok1 && ok2 {
			return all - out, true
		}
	}
	return r.derive(values)
}

// dropVacuous lifts the restriction of a dimension that published zeros
// show to select nothing out: when, with another dimension's values, the
// values a dimension leaves out count 0, the figure is the same without
// it (so a figure of three dimensions may be one of a two-way table).
func (r *Release) dropVacuous(mask uint32, values [][]int) uint32 {
	for changed := true; changed; {
		changed = false
		for d, vs := range values {
			if vs == nil {
				continue
			}
			left := make([][]int, len(values))
			for v := range r.dims[d].Size {
				if !slices.Contains(vs, v) {
					left[d] = append(left[d], v)
				}
			}
			for e, ws := range values {
				if e == d || ws == nil || !r.lattice[1<<d|1<<e] {
					continue
				}
				left[e] = ws
				if n, ok := r.sum(left); ok && n == 0 {
					values[d], mask, changed = nil, mask&^(1<<d), true
					break
				}
				left[e] = nil
			}
		}
	}
	return mask
}

// selectsNowhere reports whether no combination of values where records
// may be, as the published zeros show a reader, is selected: the figure
// is then a published 0.
func (r *Release) selectsNowhere(values [][]int) bool {
	for _, c := range r.combinations {
		in := true
		for d, vs := range values {
			in = in && (vs == nil || slices.Contains(vs, c[d]))
		}
		if in {
			return false
		}
	}
	return true
}

// sum adds the cells of the table of the dimensions values restricts,
// over the values (nil: every value); false when a cell is withheld.
func (r *Release) sum(values [][]int) (int, bool) {
	ids := []int{r.id(nil, 0)}
	for d, vs := range values {
		if vs == nil {
			continue
		}
		next := make([]int, 0, len(ids)*len(vs))
		for _, id := range ids {
			for _, v := range vs {
				next = append(next, id+(v-r.dims[d].Size)*r.radix[d])
			}
		}
		ids = next
	}
	n := 0
	for _, id := range ids {
		if r.withheld[id] {
			return 0, false
		}
		n += r.counts[id]
	}
	return n, true
}

// Withheld is the number of cells withheld, over every table.
func (r *Release) Withheld() int { return len(r.withheld) }

// masks are the tables of the release, coarsest first.
func (r *Release) masks() []uint32 {
	ms := make([]uint32, 0, len(r.lattice))
	for m := range r.lattice {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(popcount(a), popcount(b)), cmp.Compare(a, b))
	})
	return ms
}

func popcount(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// id is the cell of table mask that values (a full record) falls in.
func (r *Release) id(values []int, mask uint32) int {
	id := 0
	for d, dim := range r.dims {
		v := dim.Size
		if mask&(1<<d) != 0 {
			v = values[d]
		}
		id += v * r.radix[d]
	}
	return id
}

// decode is a cell's value in each dimension (Size: every value) and its table.
func (r *Release) decode(id int) ([]int, uint32) {
	values := make([]int, len(r.dims))
	var mask uint32
	for d, dim := range r.dims {
		values[d] = id / r.radix[d] % (dim.Size + 1)
		if values[d] != dim.Size {
			mask |= 1 << d
		}
	}
	return values, mask
}

package disclosure

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// records makes count records for each cell of a table over dims (the
// table's cells in row-major order).
func records(sizes []int, counts []int) [][]int {
	var recs [][]int
	for cell, n := range counts {
		values := make([]int, len(sizes))
		rest := cell
		for d := len(sizes) - 1; d >= 0; d-- {
			values[d] = rest % sizes[d]
			rest /= sizes[d]
		}
		for range n {
			recs = append(recs, values)
		}
	}
	return recs
}

func dims(sizes ...int) []Dim {
	ds := make([]Dim, len(sizes))
	for i, s := range sizes {
		ds[i] = Dim{Name: string(rune('a' + i)), Size: s}
	}
	return ds
}

func mustNew(t *testing.T, ds []Dim, finest [][]int, recs [][]int) *Release {
	t.Helper()
	r, err := New(ds, finest, recs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// row is the published breakdown of a one-dimensional table (-1: withheld)
// and its total.
func row(r *Release, size int) ([]int, int) {
	out := make([]int, size)
	for v := range size {
		n, ok := r.Count([][]int{{v}})
		if !ok {
			n = -1
		}
		out[v] = n
	}
	total, ok := r.Count(nil)
	if !ok {
		total = -1
	}
	return out, total
}

// TestOneDimension: counts below 5 are withheld, and the smallest non-zero
// published count beside a lone withheld one goes with it; zeros are
// published and never complements; withheld ones whose sum would give them
// away take another.
func TestOneDimension(t *testing.T) {
	for _, c := range []struct {
		name   string
		counts []int
		want   []int
		total  int
	}{
		{"nothing small", []int{5, 6, 40}, []int{5, 6, 40}, 51},
		{"one small, the smallest other goes with it", []int{12, 3, 10, 7}, []int{12, -1, 10, -1}, 32},
		{"zeros are published and no complement", []int{3, 0, 0, 9, 20}, []int{-1, 0, 0, -1, 20}, 32},
		{"two small need no complement", []int{2, 3, 9}, []int{-1, -1, 9}, 14},
		{"two ones would be known from their sum", []int{1, 1, 48}, []int{-1, -1, -1}, 50},
		{"ties go to the first", []int{4, 8, 8, 8}, []int{-1, -1, 8, 8}, 28},
		{"a small total is withheld with its parts", []int{1, 0, 2}, []int{-1, 0, -1}, -1},
		{"empty", []int{0, 0}, []int{0, 0}, 0},
	} {
		r := mustNew(t, dims(len(c.counts)), [][]int{{0}}, records([]int{len(c.counts)}, c.counts))
		got, total := row(r, len(c.counts))
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%s: %v published as %v total %d, want %v total %d", c.name, c.counts, got, total, c.want, c.total)
		}
	}
}

// TestTwoDimensions: a table with both margins; each withheld cell has a
// withheld partner in its row and its column, and the pattern is the one
// the rule gives (smallest non-zero cells first).
func TestTwoDimensions(t *testing.T) {
	counts := []int{
		20, 3, 15,
		12, 9, 30,
		8, 25, 6,
	}
	r := mustNew(t, dims(3, 3), [][]int{{0, 1}}, records([]int{3, 3}, counts))
	var got []int
	for a := range 3 {
		for b := range 3 {
			n, ok := r.Count([][]int{{a}, {b}})
			if !ok {
				n = -1
			}
			got = append(got, n)
		}
	}
	// 3 is withheld; its row's smallest other (15) and its column's (9)
	// go with it; then 15's column takes 6 and 9's row 12; then 6's row
	// and 12's column both take 8: the cycle 3-15-6-8-12-9, 53 records,
	// fewer than the square through 30 would withhold.
	want := []int{
		20, -1, -1,
		-1, -1, 30,
		-1, 25, -1,
	}
	if !slices.Equal(got, want) {
		t.Errorf("published %v, want %v", got, want)
	}
	for a := range 3 {
		if _, ok := r.Count([][]int{{a}}); !ok {
			t.Errorf("row total %d withheld", a)
		}
		if _, ok := r.Count([][]int{nil, {a}}); !ok {
			t.Errorf("column total %d withheld", a)
		}
	}
	if n, ok := r.Count(nil); !ok || n != 128 {
		t.Errorf("grand total %d %v", n, ok)
	}
	assertSafe(t, r)
}

// TestCount: a figure over several values is the sum of published cells,
// withheld when any of them is; every value is the coarser table's cell;
// an empty selection counts nothing.
func TestCount(t *testing.T) {
	r := mustNew(t, dims(4), [][]int{{0}}, records([]int{4}, []int{3, 10, 12, 7}))
	for _, c := range []struct {
		sel  []int
		n    int
		pubd bool
	}{
		{[]int{1, 2}, 22, true},
		{[]int{0, 2}, 0, false},
		{[]int{0, 3}, 10, true}, // the two withheld: the total less the published others
		{[]int{0, 1, 2, 3}, 32, true},
		{[]int{3, 3, 1, 2, 0}, 32, true},
		{[]int{}, 0, true},
		{[]int{9}, 0, true},
	} {
		n, ok := r.Count([][]int{c.sel})
		if n != c.n || ok != c.pubd {
			t.Errorf("Count(%v) = %d, %v; want %d, %v", c.sel, n, ok, c.n, c.pubd)
		}
	}
}

// TestDeterministic: the same records in another order give the same
// release.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	recs := randomRecords(rng, []int{3, 4, 5}, 120)
	a := mustNew(t, dims(3, 4, 5), [][]int{{0, 1}, {0, 2}}, recs)
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	b := mustNew(t, dims(3, 4, 5), [][]int{{0, 1}, {0, 2}}, recs)
	if len(a.withheld) != len(b.withheld) {
		t.Fatalf("%d and %d withheld", len(a.withheld), len(b.withheld))
	}
	for id := range a.withheld {
		if !b.withheld[id] {
			t.Fatalf("cell %d withheld in one order only", id)
		}
	}
}

// TestBadInput: tables and records that do not fit are errors.
func TestBadInput(t *testing.T) {
	for name, f := range map[string]func() error{
		"no values":        func() error { _, err := New([]Dim{{"a", 0}}, [][]int{{0}}, nil); return err },
		"unused dimension": func() error { _, err := New(dims(2, 2), [][]int{{0}}, nil); return err },
		"unknown dim":      func() error { _, err := New(dims(2), [][]int{{1}}, nil); return err },
		"short record":     func() error { _, err := New(dims(2, 2), [][]int{{0, 1}}, [][]int{{1}}); return err },
		"value out":        func() error { _, err := New(dims(2), [][]int{{0}}, [][]int{{2}}); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func randomRecords(rng *rand.Rand, sizes []int, n int) [][]int {
	recs := make([][]int, n)
	for i := range recs {
		recs[i] = make([]int, len(sizes))
		for d, s := range sizes {
			// Skewed, so that some cells are large and many small.
			recs[i][d] = min(s-1, int(rng.ExpFloat64()*float64(s)/3))
		}
	}
	return recs
}

// TestAttacksOnRandomTables: over random linked tables, no withheld cell
// of any table can be recovered from the published cells, by an attacker
// built independently of the release's own audit (exact rationals, over
// the full cross-classification less what published zeros rule out).
func TestAttacksOnRandomTables(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	shapes := []struct {
		sizes  []int
		finest [][]int
		n      int
	}{
		{[]int{6}, [][]int{{0}}, 30},
		{[]int{3, 4}, [][]int{{0, 1}}, 60},
		{[]int{4, 4}, [][]int{{0, 1}}, 40},
		{[]int{2, 3, 3}, [][]int{{0, 1, 2}}, 70},
		{[]int{3, 3, 2}, [][]int{{0, 1}, {0, 2}}, 50},
		{[]int{2, 3, 2, 2}, [][]int{{0, 1, 2}, {0, 1, 3}}, 80},
	}
	for i, s := range shapes {
		for trial := range 6 {
			r := mustNew(t, dims(s.sizes...), s.finest, randomRecords(rng, s.sizes, s.n+trial*7))
			if r.Withheld() == 0 {
				continue
			}
			if !assertSafe(t, r) {
				t.Fatalf("shape %d trial %d", i, trial)
			}
		}
	}
}

// assertSafe attacks every withheld cell with exact rational arithmetic
// over the cells of the full cross-classification that no published zero
// rules out; for two-dimensional releases it also finds another table,
// consistent with every published figure, in which the cell differs.
func assertSafe(t *testing.T, r *Release) bool {
	t.Helper()
	joint := fullProduct(r.dims)
	var open [][]int
	for _, u := range joint {
		if !r.ruledOut(u) {
			open = append(open, u)
		}
	}
	members := func(id int) []int {
		_, mask := r.decode(id)
		var m []int
		for i, u := range open {
			if r.id(u, mask) == id {
				m = append(m, i)
			}
		}
		return m
	}
	var known [][]*big.Rat
	vec := func(cells []int) []*big.Rat {
		v := make([]*big.Rat, len(open))
		for i := range v {
			v[i] = new(big.Rat)
		}
		for _, c := range cells {
			v[c].SetInt64(1)
		}
		return v
	}
	all := r.allCells()
	for _, id := range all {
		if !r.withheld[id] && r.counts[id] != 0 {
			known = append(known, vec(members(id)))
		}
	}
	base := ratRank(known)
	ok := true
	for _, id := range all {
		if !r.withheld[id] {
			continue
		}
		if ratRank(append(slices.Clone(known), vec(members(id)))) == base {
			values, _ := r.decode(id)
			t.Errorf("withheld cell %v (count %d) is recovered by differencing", values, r.counts[id])
			ok = false
		}
	}
	if len(r.dims) == 2 && len(r.finest) == 1 {
		ok = assertAlternative(t, r, 0) && ok
	}
	return ok
}

// allCells is every cell of every table, zeros included.
func (r *Release) allCells() []int {
	var ids []int
	for _, m := range r.masks() {
		for _, u := range fullProduct(r.dims) {
			ids = append(ids, r.id(u, m))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// ruledOut: some published cell containing u is zero.
func (r *Release) ruledOut(u []int) bool {
	for _, m := range r.masks() {
		if r.counts[r.id(u, m)] == 0 {
			return true
		}
	}
	return false
}

func fullProduct(ds []Dim) [][]int {
	out := [][]int{{}}
	for _, d := range ds {
		var next [][]int
		for _, p := range out {
			for v := range d.Size {
				next = append(next, append(slices.Clone(p), v))
			}
		}
		out = next
	}
	return out
}

// ratRank is the rank of the rows, by Gaussian elimination over the rationals.
func ratRank(rows [][]*big.Rat) int {
	m := make([][]*big.Rat, len(rows))
	for i, r := range rows {
		m[i] = make([]*big.Rat, len(r))
		for j, x := range r {
			m[i][j] = new(big.Rat).Set(x)
		}
	}
	rank := 0
	for col := 0; len(m) > 0 && col < len(m[0]) && rank < len(m); col++ {
		p := -1
		for i := rank; i < len(m); i++ {
			if m[i][col].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[rank], m[p] = m[p], m[rank]
		for i := range m {
			if i == rank || m[i][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Quo(m[i][col], m[rank][col])
			for j := col; j < len(m[i]); j++ {
				m[i][j].Sub(m[i][j], new(big.Rat).Mul(f, m[rank][j]))
			}
		}
		rank++
	}
	return rank
}

// assertAlternative: for a two-dimensional table, each withheld cell takes
// another value in some table that has the same published cells and
// margins and no withheld count below floor: not even bounds give it away,
// to a reader who knows counts are not negative (floor 0) or, since zeros
// are shown, that a withheld count is at least 1 (floor 1).
func assertAlternative(t *testing.T, r *Release, floor int) bool {
	t.Helper()
	rows, cols := r.dims[0].Size, r.dims[1].Size
	cell := func(a, b int) int { return r.id([]int{a, b}, 3) }
	var free []int // withheld interior cells
	for a := range rows {
		for b := range cols {
			if r.withheld[cell(a, b)] {
				free = append(free, cell(a, b))
			}
		}
	}
	if len(free) > 11 {
		return true // too many to enumerate; the rational attack covers it
	}
	// Every δ ∈ {-1,0,1} on the withheld interior cells that keeps each
	// published margin and the total and keeps withheld cells ≥ 1.
	changes := map[int]bool{} // cells some alternative changes
	delta := make([]int, len(free))
	var walk func(i int)
	walk = func(i int) {
		if i < len(free) {
			for _, x := range []int{-1, 0, 1} {
				delta[i] = x
				walk(i + 1)
			}
			return
		}
		sums := map[int]int{}
		for k, id := range free {
			if r.counts[id]+delta[k] < floor {
				return
			}
			values, _ := r.decode(id)
			sums[r.id(values, 1)] += delta[k]
			sums[r.id(values, 2)] += delta[k]
			sums[r.id(values, 0)] += delta[k]
		}
		for id, s := range sums {
			if s != 0 && !r.withheld[id] {
				return
			}
		}
		for k, id := range free {
			if delta[k] != 0 {
				changes[id] = true
			}
		}
		for id, s := range sums {
			if s != 0 {
				changes[id] = true
			}
		}
	}
	walk(0)
	ok := true
	for id := range r.withheld {
		if !changes[id] {
			values, _ := r.decode(id)
			t.Errorf("withheld cell %v (count %d) has one value in every table consistent with what is published", values, r.counts[id])
			ok = false
		}
	}
	return ok
}

// TestAttack: the attacker itself finds what differencing reveals.
func TestAttack(t *testing.T) {
	a := NewAttack(4)
	a.Know([]int{0, 1, 2, 3}) // the total
	a.Know([]int{0, 1})       // a row
	if a.Recovers([]int{0}) || a.Recovers([]int{2}) {
		t.Error("a cell recovered from a total and a row")
	}
	if !a.Recovers([]int{2, 3}) {
		t.Error("the other row is not the total less the first")
	}
	a.Know([]int{1})
	if !a.Recovers([]int{0}) {
		t.Error("a row less its other cell is not recovered")
	}
	// A bridge: two 2×2 cycles linked by one cell, every other line known.
	b := NewAttack(3)
	b.Know([]int{0, 1})
	b.Know([]int{1, 2})
	b.Know([]int{0, 2})
	if !b.Recovers([]int{0}) || b.Rank() != 3 {
		t.Error("three independent sums of three unknowns do not give each")
	}
}

// TestBoundsAcrossEquations: a sparse table where a reader who knows that
// withheld counts are at least 1 would pin cells by chaining rows and
// columns (the shuttle algorithm); the release withholds more until no
// range is a single value.
func TestBoundsAcrossEquations(t *testing.T) {
	counts := []int{
		34, 14, 5, 1,
		8, 2, 1, 0,
		5, 2, 1, 1,
	}
	r := mustNew(t, dims(3, 4), [][]int{{0, 1}}, records([]int{3, 4}, counts))
	if pinned := r.pinnedByBounds(); len(pinned) > 0 {
		t.Errorf("%d withheld cells pinned by bounds", len(pinned))
	}
	assertAlternative(t, r, 1)
	assertSafe(t, r)
}

// TestVacuousRestriction: a restriction that published zeros show to
// select nothing out is lifted, so a figure of three dimensions is that of
// a two-way table.
func TestVacuousRestriction(t *testing.T) {
	// a: provider (0 offers only category 0), b: category, c: age.
	var recs [][]int
	for _, c := range []struct {
		rec []int
		n   int
	}{
		{[]int{0, 0, 0}, 12}, {[]int{0, 0, 1}, 6},
		{[]int{1, 1, 0}, 8}, {[]int{1, 1, 1}, 7}, {[]int{1, 0, 0}, 6}, {[]int{1, 0, 1}, 5},
	} {
		for range c.n {
			recs = append(recs, c.rec)
		}
	}
	r := mustNew(t, dims(2, 2, 2), [][]int{{0, 1}, {0, 2}, {1, 2}}, recs)
	if n, ok := r.Count([][]int{{0}, {0}, {0}}); !ok || n != 12 {
		t.Errorf("provider 0, category 0, age 0: %d, %v; want 12 (provider 0 and age 0)", n, ok)
	}
	// In no table of the release, but the published zeros of provider 0
	// make it provider 1's part of category 0 at age 0: 18 − 12.
	if n, ok := r.Count([][]int{{1}, {0}, {0}}); !ok || n != 6 {
		t.Errorf("provider 1, category 0, age 0: %d, %v; want 6, derived", n, ok)
	}
	if n, ok := r.Count([][]int{{0}, {1}, {1}}); !ok || n != 0 {
		t.Errorf("provider 0, category 1 (none), age 1: %d, %v; want a published 0", n, ok)
	}
}

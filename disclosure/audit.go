package disclosure

// An Attack is what a reader of published figures can work out from them:
// each published figure is a linear equation over unknown counts (its sum
// of them is known), and a withheld figure is recovered when its sum is a
// linear combination of the known ones. Arithmetic is exact, modulo a
// prime: a combination over the rationals stays one modulo the prime
// unless the prime divides a denominator, which for 0/1 equations of this
// size does not happen.
//
// The known equations are kept in reduced row echelon form, so that a
// target is tested against only the rows whose pivot it touches.
type Attack struct {
	unknowns int
	rows     [][]uint32 // reduced row echelon form
	pivots   []int      // pivots[i] is the pivot column of rows[i]
	pivotRow map[int]int
}

// prime is 2³¹−1: products of two residues fit in a uint64.
const prime = 2147483647

// NewAttack returns an attack on a table of n unknown counts, knowing nothing.
func NewAttack(n int) *Attack { return &Attack{unknowns: n, pivotRow: map[int]int{}} }

// Know adds a published figure: the sum of the unknowns with these indexes.
func (a *Attack) Know(cells []int) { a.know(a.indicator(cells)) }

func (a *Attack) know(row []uint32) {
	for i, pc := range a.pivots {
		if f := row[pc]; f != 0 {
			subtractScaled(row, a.rows[i], f)
		}
	}
	pc := -1
	for j, x := range row {
		if x != 0 {
			pc = j
			break
		}
	}
	if pc < 0 {
		return // follows from what is known already
	}
	scale(row, inverse(row[pc]))
	for _, other := range a.rows {
		if f := other[pc]; f != 0 {
			subtractScaled(other, row, f)
		}
	}
	a.pivotRow[pc] = len(a.rows)
	a.rows = append(a.rows, row)
	a.pivots = append(a.pivots, pc)
}

// Recovers reports whether the sum of the unknowns with these indexes
// follows from the known figures.
func (a *Attack) Recovers(cells []int) bool { return a.recovers(a.indicator(cells)) }

func (a *Attack) recovers(t []uint32) bool {
	// Rows in reduced form have zeros in every other pivot column, so the
	// coefficient of each row is the target's own entry at its pivot.
	coef := make([]uint32, len(a.rows))
	for i, pc := range a.pivots {
		coef[i] = t[pc]
	}
	for i, f := range coef {
		if f != 0 {
			subtractScaled(t, a.rows[i], f)
		}
	}
	for _, x := range t {
		if x != 0 {
			return false
		}
	}
	return true
}

// Rank is the number of independent figures known.
func (a *Attack) Rank() int { return len(a.rows) }

func (a *Attack) indicator(cells []int) []uint32 {
	row := make([]uint32, a.unknowns)
	for _, c := range cells {
		row[c] = uint32((uint64(row[c]) + 1) % prime)
	}
	return row
}

// subtractScaled sets row to row − f·other.
func subtractScaled(row, other []uint32, f uint32) {
	neg := uint64(prime - f)
	for j, x := range other {
		if x != 0 {
			row[j] = uint32((uint64(row[j]) + neg*uint64(x)) % prime)
		}
	}
}

func scale(row []uint32, f uint32) {
	for j, x := range row {
		if x != 0 {
			row[j] = uint32(uint64(x) * uint64(f) % prime)
		}
	}
}

// inverse is x⁻¹ modulo the prime (Fermat: x^(p−2)).
func inverse(x uint32) uint32 {
	result, base, e := uint64(1), uint64(x), uint64(prime-2)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			result = result * base % prime
		}
		base = base * base % prime
	}
	return uint32(result)
}

package hub

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The commitment index keeps, for each commitment, what filters, orders and
// roll-ups read, so that `commitments` and `commitmentStats` scan a compact
// slice instead of chasing each commitment's stakeholders through maps and
// rebuilding sort keys per request; and it keeps the unfiltered roll-up
// current as events apply.

// commitmentRow is one commitment's precomputed facts.
type commitmentRow struct {
	c          *Commitment
	refKey     string // naturalKey(c.ID): the reference order and every order's tie-break
	lowerTitle string
	lowerID    string // with lowerTitle and lowerDesc, what search reads
	lowerDesc  string
	sectors    uint8 // bit set of the participants' sectors (sectorBit)
	leadSector int8  // index in AllSectors of the lead's sector, -1 when unknown
}

// sectorIndex returns s's index in AllSectors, or -1.
func sectorIndex(s Sector) int {
	for i, v := range AllSectors {
		if v == s {
			return i
		}
	}
	return -1
}

func sectorBit(s Sector) uint8 {
	if i := sectorIndex(s); i >= 0 {
		return 1 << i
	}
	return 0
}

// commitmentIndex holds the rows, in no particular order, and the roll-up of
// all of them. Commitments are never deleted, so rows only grow.
type commitmentIndex struct {
	rows []commitmentRow
	// rowOf holds, by the commitments table's row number, 1 + the row of
	// that commitment here (0: none); integers, for the garbage collector.
	rowOf []int32
	all   rollup

	// orders holds the row numbers in each of orderFields' orders,
	// ascending, while sorted (commitment_order.go); sortMu lets a reader
	// sort them under the read lock.
	orders [len(orderFields)][]int32
	keyed  map[string]*keyedOrders // the same under each key (commitmentRow.keys)
	// bits holds the rows of the dense keys of the dimensions a count of
	// a union reads (commitment_union.go), a bit a row, while sorted.
	bits   map[string][]uint64
	sorted atomic.Bool
	sortMu sync.Mutex

	text textIndex // rows by word, and the searches kept (commitment_text.go)
	// byStakeholder keeps cells of one stakeholder's rows
	// (stakeholder_cells.go).
	byStakeholder stakeholderCells

	kept keptAnswers // answers kept until the next change (stats_kept.go)
}

// rollup is the stats over a set of commitments, kept by adding and
// removing rows.
type rollup struct {
	total    acc
	byStatus map[CommitmentStatus]int
	// byStatusSectors counts by AllCommitmentStatuses index and the bit
	// set of the participants' sectors.
	byStatusSectors [][1 << 4]int
	bySector        [4]acc // by AllSectors index
	byPillar        map[string]*acc
	openDue         map[Date]int // open commitments by due date, for overdue
	dueGen          uint64       // counts changes to openDue
	// overdue's last answer: readers share the model's read lock, and
	// counting over every due date on each request was a quarter of an
	// unfiltered commitmentStats.
	memo *atomic.Pointer[overdueMemo]
	// tally is the breakdowns by more dimensions (breakdown.go): every
	// one for the roll-up of all commitments, those Stats reads for a
	// filtered one.
	tally *tally
	cells *cells // the roll-up of all commitments only (commitment_cells.go)
}

// overdueMemo is overdue's answer for a day at a state of openDue.
type overdueMemo struct {
	today Date
	gen   uint64
	n     int
}

// acc sums the claimed progress and the verified progress (see
// Commitment.VerifiedProgress) of count commitments.
type acc struct{ count, progress, verified int }

func (a acc) average() float64 {
	if a.count == 0 {
		return 0
	}
	return float64(a.progress) / float64(a.count)
}

// averageVerified is the mean verified progress: what others have
// confirmed, a commitment with no verified report counting as 0.
func (a acc) averageVerified() float64 {
	if a.count == 0 {
		return 0
	}
	return float64(a.verified) / float64(a.count)
}

func (a *acc) add(c *Commitment, sign int) {
	a.count += sign
	a.progress += sign * c.Progress
	a.verified += sign * c.VerifiedProgress
}

func newRollup() rollup {
	return rollup{byStatus: map[CommitmentStatus]int{}, byStatusSectors: make([][1 << 4]int, len(AllCommitmentStatuses)), byPillar: map[string]*acc{}, openDue: map[Date]int{}, memo: new(atomic.Pointer[overdueMemo])}
}

func isOpen(s CommitmentStatus) bool { return s != Completed && s != Cancelled }

// add counts r in (sign 1) or out (sign -1).
func (u *rollup) add(r *commitmentRow, sign int) {
	c := r.c
	u.total.add(c, sign)
	u.byStatus[c.Status] += sign
	if si := slices.Index(AllCommitmentStatuses, c.Status); si >= 0 {
		u.byStatusSectors[si][r.sectors] += sign
	}
	if r.leadSector >= 0 {
		u.bySector[r.leadSector].add(c, sign)
	}
	a := u.byPillar[c.PillarID]
	if a == nil {
		a = &acc{}
		u.byPillar[c.PillarID] = a
	}
	a.add(c, sign)
	if u.tally != nil {
		u.tally.add(r, sign)
	}
	if u.cells != nil {
		u.cells.add(r, sign)
	}
	if isOpen(c.Status) {
		u.dueGen++
		if u.openDue[c.DueDate] += sign; u.openDue[c.DueDate] == 0 {
			delete(u.openDue, c.DueDate)
		}
	}
}

// overdue counts the open commitments due before today.
func (u *rollup) overdue(today Date) int {
	if m := u.memo.Load(); m != nil && m.today == today && m.gen == u.dueGen {
		return m.n
	}
	n := 0
	for d, k := range u.openDue {
		if d < today {
			n += k
		}
	}
	u.memo.Store(&overdueMemo{today: today, gen: u.dueGen, n: n})
	return n
}

// row returns the row of the commitment of table row number n.
func (ix *commitmentIndex) row(n int32) (int, bool) {
	if int(n) < len(ix.rowOf) && ix.rowOf[n] > 0 {
		return int(ix.rowOf[n]) - 1, true
	}
	return 0, false
}

// setRow records that the commitment of table row number n has row i.
func (ix *commitmentIndex) setRow(n int32, i int) {
	if grow := int(n) + 1 - len(ix.rowOf); grow > 0 {
		ix.rowOf = append(ix.rowOf, make([]int32, grow)...)
	}
	ix.rowOf[n] = int32(i + 1)
}

// rowOfID returns the row of the commitment id; call it under m.mu.
func (m *ReadModel) rowOfID(id string) (int, bool) {
	if n, ok := m.tables[Commitments.n].num.lookup(id); ok {
		return m.commitmentIndex.row(n)
	}
	return 0, false
}

// putCommitment stores c's row, replacing the previous state's; the
// table holds c already.
func (m *ReadModel) putCommitment(c *Commitment) {
	ix := &m.commitmentIndex
	n := m.tables[Commitments.n].number(c.ID)
	i, ok := ix.row(n)
	var old *commitmentRow
	if !ok {
		i = len(ix.rows)
		ix.rows = append(ix.rows, commitmentRow{refKey: naturalKey(c.ID)})
		ix.setRow(n, i)
	} else {
		prev := ix.rows[i]
		old = &prev
		ix.all.add(&ix.rows[i], -1)
		ix.recountStakeholders(&ix.rows[i], -1)
	}
	r := &ix.rows[i]
	r.c = c
	r.lowerTitle, r.lowerID, r.lowerDesc = lowerCopy(c.Title), lowerCopy(c.ID), lowerCopy(c.Description)
	m.fillSectors(r)
	ix.all.add(r, 1)
	ix.recountStakeholders(r, 1)
	ix.reorder(i, old)
	ix.retext(i, old)
	m.reshareSeries(i)
}

// lowerCopy is s in lower case, never s itself: a row outlives the
// arena chunk its commitment was in when the row was made.
func lowerCopy(s string) string {
	lower := strings.ToLower(s)
	if unsafe.StringData(lower) == unsafe.StringData(s) {
		return strings.Clone(s)
	}
	return lower
}

// moved points the row of the commitment of table row number n at c,
// its copy after its arena chunk was emptied.
func (ix *commitmentIndex) moved(n int32, c *Commitment) {
	if i, ok := ix.row(n); ok {
		ix.rows[i].c = c
	}
}

// stakeholderPut is the stakeholder row's afterPut: commitment rows hold
// their participants' sectors.
func stakeholderPut(m *ReadModel, old, v *Stakeholder) {
	if old == nil || old.Sector != v.Sector {
		m.stakeholderSectorChanged(v.ID)
	}
}

// stakeholderSectorChanged refreshes the rows of the commitments a
// stakeholder takes part in (the lead is always a participant), after its
// sector changed or it appeared (snapshots restore in any order).
func (m *ReadModel) stakeholderSectorChanged(id string) {
	ix := &m.commitmentIndex
	t := m.tables[Commitments.n]
	for _, n := range t.listed("stakeholder", id) {
		i, ok := ix.row(n)
		if !ok {
			continue
		}
		r := &ix.rows[i]
		old := *r
		ix.all.add(r, -1)
		ix.recountStakeholders(r, -1)
		m.fillSectors(r)
		ix.all.add(r, 1)
		ix.recountStakeholders(r, 1)
		ix.reorder(i, &old)
		ix.recountKept(i, &old, false)
		m.reshareSeries(i)
	}
}

func (m *ReadModel) fillSectors(r *commitmentRow) {
	r.sectors, r.leadSector = 0, -1
	for _, p := range r.c.Participants {
		if s := Stakeholders.get(m, p.StakeholderID); s != nil {
			r.sectors |= sectorBit(s.Sector)
		}
	}
	if s := Stakeholders.get(m, r.c.LeadID); s != nil {
		r.leadSector = int8(sectorIndex(s.Sector))
	}
}

// compare orders rows as o.Key's strings would, without building them.
func (o CommitmentOrder) compare(a, b *commitmentRow) int {
	var c int
	switch o.Field {
	case OrderByTitle:
		c = strings.Compare(a.lowerTitle, b.lowerTitle)
	case OrderByDueDate:
		c = strings.Compare(string(a.c.DueDate), string(b.c.DueDate))
	case OrderByProgress:
		c = a.c.Progress - b.c.Progress
	case OrderByUpdatedAt:
		c = cmp.Compare(a.c.UpdatedAt.UnixNano(), b.c.UpdatedAt.UnixNano())
	}
	if c == 0 {
		c = strings.Compare(a.refKey, b.refKey)
	}
	if o.Descending {
		return -c
	}
	return c
}

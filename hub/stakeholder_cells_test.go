package hub

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeptCellsAgreeWithRows: the cells kept as rows change (every
// commitment's, their coarse twin, each stakeholder's asked for) hold
// what cells built afresh from the rows hold, sums and odd rows included,
// after changes of status, due date (some not a plain date), progress,
// participants and sectors; and Stats still agrees with a scan while odd
// rows keep the cells from answering.
func TestKeptCellsAgreeWithRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 13))
	m := NewReadModel()
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan", Version: 1}})
	for p := range 3 {
		apply(&Pillar{Meta: Meta{ID: fmt.Sprintf("p%d", p), Version: 1}, PlanID: "plan", Code: fmt.Sprint(p)})
	}
	for s := range 8 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s%4]})
	}
	version := map[string]int{}
	commitment := func(c int, odd bool) *Commitment {
		id := fmt.Sprintf("C-%03d", c)
		version[id]++
		var parts []Participant
		for k := range 1 + rng.IntN(3) {
			parts = append(parts, Participant{StakeholderID: fmt.Sprintf("s%d", rng.IntN(8)), Role: []ParticipantRole{RoleLead, RoleFunding}[min(k, 1)]})
		}
		cm := &Commitment{Meta: Meta{ID: id, Version: version[id]}, PillarID: fmt.Sprintf("p%d", rng.IntN(3)), LeadID: parts[0].StakeholderID, Participants: parts,
			Status: AllCommitmentStatuses[rng.IntN(len(AllCommitmentStatuses))], Progress: rng.IntN(101),
			DueDate: Date(fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))}
		if rng.IntN(3) == 0 {
			cm.Verification, cm.VerifiedProgress = Verified, rng.IntN(101)
		}
		if odd {
			if rng.IntN(2) == 0 {
				cm.DueDate = "2024-6-1"
			} else {
				cm.Status = "LOST"
			}
		}
		return cm
	}
	for c := range 300 {
		apply(commitment(c, false))
	}
	today := Date("2024-06-15")
	m.Stats(CommitmentFilter{PillarIDs: []string{"p1"}}, today) // builds the coarse twin
	for s := range 9 {
		m.Stats(CommitmentFilter{StakeholderIDs: []string{fmt.Sprintf("s%d", s)}}, today)
	}
	check := func(when string) {
		t.Helper()
		ix := &m.commitmentIndex
		fresh := func(coarse bool, keep func(*commitmentRow) bool) *cells {
			k := newCells()
			k.coarse = coarse
			for i := range ix.rows {
				if keep(&ix.rows[i]) {
					k.add(&ix.rows[i], 1)
				}
			}
			return k
		}
		every := func(*commitmentRow) bool { return true }
		same := func(what string, got, want *cells) {
			t.Helper()
			if got == nil {
				t.Fatalf("%s: %s: not kept", when, what)
			}
			if !maps.EqualFunc(cellsByKey(got), cellsByKey(want), slices.Equal) || got.odd != want.odd {
				t.Fatalf("%s: %s differ from the rows' (%d cells, %d odd; afresh %d, %d)", when, what, len(cellsByKey(got)), got.odd, len(cellsByKey(want)), want.odd)
			}
			for _, c := range got.list {
				var total cellSum
				for _, b := range c.buckets {
					total.plus(b.sum(), 1)
				}
				if c.total != total || got.pillars[c.pillar] != c.key.pillar {
					t.Fatalf("%s: %s: cell %+v sums %+v, its buckets %+v (pillar %q)", when, what, c.key, c.total, total, got.pillars[c.pillar])
				}
			}
		}
		same("the cells", ix.all.cells, fresh(false, every))
		same("the coarse cells", ix.all.cells.twin.Load(), fresh(true, every))
		for s := range 9 {
			id := fmt.Sprintf("s%d", s)
			k, kept := ix.byStakeholder.by.Load(id)
			if Stakeholders.get(m, id) == nil {
				if kept {
					t.Fatalf("%s: %s is unknown and has cells kept", when, id)
				}
				continue
			}
			if !kept { // known since it was last asked: its first ask builds them
				m.mu.RLock()
				k = m.stakeholderCellsOf(id)
				m.mu.RUnlock()
			}
			got, _ := k.(*cells)
			same(id+"'s cells", got, fresh(true, func(r *commitmentRow) bool {
				return slices.ContainsFunc(r.c.Participants, func(p Participant) bool { return p.StakeholderID == id })
			}))
		}
		for _, f := range []CommitmentFilter{{StakeholderIDs: []string{"s2"}}, {PillarIDs: []string{"p0"}}, {Sectors: []Sector{Government}}} {
			m.mu.RLock()
			match := m.commitmentMatcher(f, today)
			scan := newRollup()
			scan.tally = newTally(statsDims, &today)
			for i := range ix.rows {
				if r := &ix.rows[i]; match(r) {
					scan.add(r, 1)
				}
			}
			want := m.statsOf(&scan, f, today)
			m.mu.RUnlock()
			if d := statsDiff(m.Stats(f, today), want); d != "" {
				t.Fatalf("%s: Stats(%+v) differs from a scan's: %s", when, f, d)
			}
		}
	}
	check("after creation")
	for c := range 300 {
		if rng.IntN(2) == 0 {
			apply(commitment(c, c%10 == 0))
		}
	}
	apply(&Stakeholder{Meta: Meta{ID: "s3", Version: 2}, Sector: Government})
	apply(&Stakeholder{Meta: Meta{ID: "s8", Version: 1}, Sector: CivilSociety}) // asked for before it was known: no cells kept then
	check("with odd rows")
	for c := range 300 {
		if c%10 == 0 {
			apply(commitment(c, false))
		}
	}
	check("after the odd rows are plain again")
}

// TestKeptCellsConcurrentReaders: readers that build the coarse cells and
// stakeholders' cells at once, on the same day and on days that change,
// while a writer applies events, all end with the figures a scan gives
// (run it with -race).
func TestKeptCellsConcurrentReaders(t *testing.T) {
	m := NewReadModel()
	var seq int64
	apply := func(e entity) {
		seq++
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: seq, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, State: st}); err != nil {
			t.Error(err)
		}
	}
	apply(&Pillar{Meta: Meta{ID: "p", Version: 1}})
	for s := range 4 {
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 1}, Sector: AllSectors[s]})
	}
	commitment := func(c, v int) *Commitment {
		s := fmt.Sprintf("s%d", c%4)
		return &Commitment{Meta: Meta{ID: fmt.Sprintf("C-%03d", c), Version: v}, PillarID: "p", LeadID: s,
			Participants: []Participant{{StakeholderID: s, Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%d", (c+v)%4), Role: RoleFunding}},
			Status:       AllCommitmentStatuses[(c+v)%6], Progress: (c * v) % 101, DueDate: Date(fmt.Sprintf("2024-%02d-%02d", 1+c%12, 1+(c+v)%28))}
	}
	for c := range 200 {
		apply(commitment(c, 1))
	}
	done := make(chan struct{})
	for r := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 100 {
				today := Date(fmt.Sprintf("2024-%02d-15", 1+(r+i)%12))
				m.Stats(CommitmentFilter{StakeholderIDs: []string{fmt.Sprintf("s%d", i%4)}}, today)
				m.Stats(CommitmentFilter{PillarIDs: []string{"p"}}, today)
			}
		}()
	}
	for v := 2; v <= 4; v++ {
		for c := range 200 {
			apply(commitment(c, v))
		}
	}
	for range 4 {
		<-done
	}
	for s := range 4 {
		f := CommitmentFilter{StakeholderIDs: []string{fmt.Sprintf("s%d", s)}, Overdue: new(bool)}
		today := Date("2024-07-01")
		m.mu.RLock()
		match := m.commitmentMatcher(f, today)
		scan := newRollup()
		scan.tally = newTally(statsDims, &today)
		for i := range m.commitmentIndex.rows {
			if r := &m.commitmentIndex.rows[i]; match(r) {
				scan.add(r, 1)
			}
		}
		want := m.statsOf(&scan, f, today)
		m.mu.RUnlock()
		if d := statsDiff(m.Stats(f, today), want); d != "" {
			t.Fatalf("Stats(%+v) differs from a scan's: %s", f, d)
		}
	}
}

// TestUnknownStakeholderKeepsNoCells: commitmentStats under an id no
// stakeholder has counts nothing and keeps nothing, however many such ids
// are asked.
func TestUnknownStakeholderKeepsNoCells(t *testing.T) {
	m := NewReadModel()
	st := StateOf(&Stakeholder{Meta: Meta{ID: "s1", Version: 1}, Sector: AllSectors[0]})
	if err := m.Apply(&Event{Seq: 1, Type: st.Type(), EntityID: "s1", Version: 1, State: st}); err != nil {
		t.Fatal(err)
	}
	cm := StateOf(&Commitment{Meta: Meta{ID: "C-1", Version: 1}, LeadID: "s1", Participants: []Participant{{StakeholderID: "s1", Role: RoleLead}}, Status: AllCommitmentStatuses[0]})
	if err := m.Apply(&Event{Seq: 2, Type: cm.Type(), EntityID: "C-1", Version: 1, State: cm}); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if got := m.Stats(CommitmentFilter{StakeholderIDs: []string{fmt.Sprintf("nobody-%d", i)}}, "2025-01-01"); got.Total != 0 {
			t.Fatalf("an unknown stakeholder's stats: total %d, want 0", got.Total)
		}
	}
	if got := m.Stats(CommitmentFilter{StakeholderIDs: []string{"s1"}}, "2025-01-01"); got.Total != 1 {
		t.Fatalf("s1's stats: total %d, want 1", got.Total)
	}
	kept := 0
	m.commitmentIndex.byStakeholder.by.Range(func(any, any) bool { kept++; return true })
	if kept != 1 {
		t.Fatalf("%d stakeholders' cells kept after asking 100 unknown ids and s1, want 1", kept)
	}
}

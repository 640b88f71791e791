package hub

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCandidatesAgreeWithScan: on generated commitments, random filters
// (every dimension with none, one or several values, unknown ones, due
// ranges, overdue on varying days, searches cut from the commitments' text
// or made up; a third only of the dimensions the kept cells answer, half
// of those with one stakeholder, whose own kept cells answer) count,
// roll up (every figure of Stats) and page exactly as matching every row
// does, also after changes of text, status, due date, participants,
// parents and sectors move rows between lists and cells, and after
// progress, verdicts and statuses alone change (reports, a parent's
// roll-up); the text index included. Pages also start after and end
// before a cursor, and a union of keys counts and pages through dense
// keys' bit sets, sparse keys' lists and both (rare stakeholders and
// communities, one of which becomes dense), whose bit sets hold exactly
// their keys' rows throughout.
func TestCandidatesAgreeWithScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	m := NewReadModel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan1", Version: 1}})
	apply(&StrategicPlan{Meta: Meta{ID: "plan2", Version: 1}})
	for p := range 4 {
		apply(&Pillar{Meta: Meta{ID: fmt.Sprintf("p%d", p), Version: 1}, PlanID: fmt.Sprintf("plan%d", p%2+1), Code: fmt.Sprint(p)})
	}
	sectorOf := map[string]Sector{}
	for s := range 15 { // s12 to s14 are rare
		id := fmt.Sprintf("s%d", s)
		sectorOf[id] = AllSectors[rng.IntN(4)]
		if s != 11 { // s11 takes part without being in the model
			apply(&Stakeholder{Meta: Meta{ID: id, Version: 1}, Sector: sectorOf[id]})
		}
	}
	rare := 150 // one commitment in rare is in a rare community, one in 150 has a rare stakeholder
	words := []string{"water", "roads", "schools", "clinics", "open data", "Sanitation", "évaluation", "budget", "youth"}
	version := map[string]int{}
	commitment := func(c int) *Commitment {
		id := fmt.Sprintf("C-%d.%d-%03d", c%4+1, c%3+1, c)
		version[id]++
		p := rng.IntN(4)
		var parts []Participant
		for k := range 1 + rng.IntN(3) {
			role := RoleImplementing
			if k == 0 {
				role = RoleLead
			}
			parts = append(parts, Participant{StakeholderID: fmt.Sprintf("s%d", rng.IntN(12)), Role: role})
		}
		var communities []string
		for range rng.IntN(3) {
			communities = append(communities, fmt.Sprintf("k%d", rng.IntN(5)))
		}
		if rng.IntN(rare) == 0 {
			communities = append(communities, fmt.Sprintf("r%d", rng.IntN(3)))
		}
		if rng.IntN(150) == 0 {
			parts = append(parts, Participant{StakeholderID: fmt.Sprintf("s%d", 12+rng.IntN(3)), Role: RoleImplementing})
		}
		due := Date(fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))
		if rng.IntN(40) == 0 {
			due = "" // no due date: overdue while open
		}
		verdict := []Verdict{"", Verified, Disputed}[rng.IntN(3)]
		verified := 0
		if verdict == Verified {
			verified = rng.IntN(101)
		}
		parent := ""
		if c > 0 && rng.IntN(5) == 0 {
			parent = fmt.Sprintf("C-%d.%d-%03d", (c-1)%4+1, (c-1)%3+1, c-1)
		}
		return &Commitment{Meta: Meta{ID: id, Version: version[id], UpdatedAt: at.Add(time.Duration(rng.IntN(500)) * time.Hour)},
			Verification: verdict, VerifiedProgress: verified, ParentID: parent,
			Title:       words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))],
			Description: strings.Repeat(words[rng.IntN(len(words))]+" and ", rng.IntN(3)) + words[rng.IntN(len(words))],
			Progress:    rng.IntN(101), PillarID: fmt.Sprintf("p%d", p), ObjectiveID: fmt.Sprintf("o%d.%d", p, rng.IntN(3)),
			LeadID: parts[0].StakeholderID, Participants: parts, CommunityIDs: communities,
			Status:  AllCommitmentStatuses[rng.IntN(len(AllCommitmentStatuses))],
			DueDate: due}
	}
	const n = 400
	for c := range n {
		apply(commitment(c))
	}

	keptNeedles := []string{"water", "Open Data", "é", "c-1.", "and ", "-00", "s", "tion and"}
	pick := func(all []string) []string {
		var out []string
		for range rng.IntN(4) - 1 { // none most often, else one to two, repeats allowed
			out = append(out, all[rng.IntN(len(all))])
		}
		return out
	}
	ids := func(prefix string, k int, extra ...string) []string {
		out := extra
		for i := range k {
			out = append(out, fmt.Sprintf("%s%d", prefix, i))
		}
		return out
	}
	date := func() *Date {
		if rng.IntN(3) > 0 {
			return nil
		}
		d := Date(fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))
		return &d
	}
	texts := func() []string {
		var out []string
		for _, c := range Commitments.all(m) {
			out = append(out, c.ID, c.Title, c.Description)
		}
		return out
	}
	randomFilter := func(texts []string) CommitmentFilter {
		f := CommitmentFilter{
			PlanIDs:        pick([]string{"plan1", "plan2", "plan9"}),
			Sectors:        []Sector(nil),
			StakeholderIDs: pick(ids("s", 15, "nobody")),
			PillarIDs:      pick(ids("p", 4, "p9", "")),
			ObjectiveIDs:   pick([]string{"o0.0", "o1.2", "o2.1", "o3.0", "o3.2", "none"}),
			CommunityIDs:   pick(append(ids("k", 5, "k9"), "r0", "r1")),
			DueBefore:      date(), DueAfter: date(),
		}
		for _, s := range pick([]string{string(Government), string(CivilSociety), string(PrivateSector), string(InternationalPartner), "NONE"}) {
			f.Sectors = append(f.Sectors, Sector(s))
		}
		for _, s := range pick(append(strs(AllCommitmentStatuses), "LOST")) {
			f.Statuses = append(f.Statuses, CommitmentStatus(s))
		}
		if k := rng.IntN(4); k < 2 {
			b := k == 0
			f.Overdue = &b
		}
		switch rng.IntN(5) {
		case 0: // a piece of a commitment's text, in any case, padded
			s := texts[rng.IntN(len(texts))]
			i := rng.IntN(len(s))
			j := min(len(s), i+1+rng.IntN(8))
			f.Search = " " + strings.ToUpper(s[i:j]) + " "
		case 1:
			f.Search = string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26))) + string(rune('a'+rng.IntN(26)))
		case 2: // searches asked again and again, kept as rows change
			f.Search = keptNeedles[rng.IntN(len(keptNeedles))]
		}
		switch rng.IntN(6) {
		case 0: // only stakeholders, communities or objectives: the union of their lists
			keys := [][]string{ids("s", 15, "nobody"), append(ids("k", 5, "k9"), "r0", "r1", "r2"), {"o0.0", "o1.2", "o2.1", "o3.0", "o3.2", "none"}}
			d := rng.IntN(3)
			var chosen []string
			for range 1 + rng.IntN(4) {
				chosen = append(chosen, keys[d][rng.IntN(len(keys[d]))])
			}
			f = CommitmentFilter{}
			switch d {
			case 0:
				f.StakeholderIDs = chosen
			case 1:
				f.CommunityIDs = chosen
			default:
				f.ObjectiveIDs = chosen
			}
			return f
		case 1: // only a search, in any case: its kept rows are the answer
			s := texts[rng.IntN(len(texts))]
			i := rng.IntN(max(1, len(s)-2))
			return CommitmentFilter{Search: " " + strings.ToUpper(s[i:min(len(s), i+3)])}
		}
		if rng.IntN(3) == 0 { // only the dimensions the kept cells answer
			f.StakeholderIDs, f.ObjectiveIDs, f.CommunityIDs, f.Search = nil, nil, nil, ""
			for range rng.IntN(2) {
				f.LeadSectors = append(f.LeadSectors, AllSectors[rng.IntN(4)])
			}
			if rng.IntN(2) == 0 { // and one stakeholder, maybe twice: its kept cells answer
				id := fmt.Sprintf("s%d", rng.IntN(13)) // s12 never takes part
				f.StakeholderIDs = []string{id}
				if rng.IntN(4) == 0 {
					f.StakeholderIDs = append(f.StakeholderIDs, id)
				}
			}
		}
		return f
	}
	var today Date
	orders := []CommitmentOrder{{}, {Field: OrderByTitle, Descending: true}, {Field: OrderByDueDate}, {Field: OrderByProgress}, {Field: OrderByUpdatedAt, Descending: true}}
	check := func(when string, filters int) {
		t.Helper()
		tx := texts()
		all := Commitments.all(m)
		for range filters {
			f := randomFilter(tx)
			today = "2024-06-15"
			if rng.IntN(2) == 0 { // a day some commitment is due: overdue's bound is exact
				today = all[rng.IntN(len(all))].DueDate
			}
			m.mu.RLock()
			match := m.commitmentMatcher(f, today)
			scan := newRollup()
			var rows []commitmentRow
			for i := range m.commitmentIndex.rows {
				if r := &m.commitmentIndex.rows[i]; match(r) {
					scan.add(r, 1)
					rows = append(rows, *r)
				}
			}
			m.mu.RUnlock()
			m.mu.RLock()
			scan.tally = newTally(statsDims, &today)
			for _, r := range rows {
				scan.tally.add(&r, 1)
			}
			want := m.statsOf(&scan, f, today)
			m.mu.RUnlock()
			got := m.Stats(f, today)
			if d := statsDiff(got, want); d != "" {
				t.Fatalf("%s: Stats(%+v) differs from a scan's: %s", when, f, d)
			}
			o := orders[rng.IntN(len(orders))]
			sorted := sortedCommitments(rows, o)
			first, last := 1+rng.IntN(60), 1+rng.IntN(20)
			// Cursors: the keys of any two commitments, selected or not.
			after, before := o.Key(all[rng.IntN(len(all))]), o.Key(all[rng.IntN(len(all))])
			for _, w := range []Window{{First: &first, Count: true}, {Last: &last, Count: true},
				{After: &after, First: &first}, {Before: &before, Last: &last}, {After: &after, Before: &before, First: &first}} {
				page, exp := m.CommitmentPage(f, o, today, w), windowOf(sorted, o, w)
				if w.Count && page.Total != len(rows) || !slices.Equal(page.Items, exp.Items) || page.HasNext != exp.HasNext || page.HasPrevious != exp.HasPrevious {
					t.Fatalf("%s: CommitmentPage(%+v, %+v, first %v last %v): total %d, %d items, next %v, previous %v; a scan %d, %d, %v, %v",
						when, f, o, derefInt(w.First), derefInt(w.Last), page.Total, len(page.Items), page.HasNext, page.HasPrevious,
						len(rows), len(exp.Items), exp.HasNext, exp.HasPrevious)
				}
			}
		}
	}
	bitsHoldTheirRows := func(when string) {
		t.Helper()
		ix := &m.commitmentIndex
		sparse := 0
		for k, lists := range ix.keyed {
			dim, _, _ := strings.Cut(k, "\x00")
			b := ix.bits[k]
			if !slices.Contains(unionDims, dim) {
				if b != nil {
					t.Fatalf("%s: %q keeps a bit set", when, k)
				}
				continue
			}
			if b == nil {
				if dense(len(lists[0]), len(ix.rows)) {
					t.Fatalf("%s: %q lists %d of %d rows and keeps no bit set", when, k, len(lists[0]), len(ix.rows))
				}
				sparse += min(len(lists[0]), 1)
				continue
			}
			var rows []int32
			for i := range len(ix.rows) {
				if i>>6 < len(b) && b[i>>6]&(1<<(i&63)) != 0 {
					rows = append(rows, int32(i))
				}
			}
			if want := slices.Sorted(slices.Values(lists[0])); !slices.Equal(rows, want) {
				t.Fatalf("%s: %q's bit set holds rows %v, its list %v", when, k, rows, want)
			}
		}
		if sparse == 0 {
			t.Fatalf("%s: no key of %v is sparse", when, unionDims)
		}
	}
	check("after creation", 1000)
	askKept := func() { // the fixed searches are kept, with their cells and orders, through the changes that follow
		for s := range 13 { // and the stakeholders' cells
			m.Stats(CommitmentFilter{StakeholderIDs: []string{fmt.Sprintf("s%d", s)}}, today)
		}
		for _, s := range keptNeedles {
			m.Stats(CommitmentFilter{Search: s}, today)
			m.Stats(CommitmentFilter{Search: s}, today) // the second builds its cells
			for _, o := range orders {
				m.CommitmentPage(CommitmentFilter{Search: s}, o, today, Window{})
			}
		}
	}
	askKept()
	bitsHoldTheirRows("after creation")
	if !m.commitmentIndex.text.built.Load() {
		t.Fatal("no search built the text index")
	}
	rare = 3           // the rare communities grow dense
	for c := range n { // new text, statuses, due dates, participants and communities
		if c%3 != 0 {
			apply(commitment(c))
		}
		if c == n/3 {
			rare = 150
		}
	}
	for s := range 11 { // and sectors
		sectorOf[fmt.Sprintf("s%d", s)] = AllSectors[(s+1)%4]
		apply(&Stakeholder{Meta: Meta{ID: fmt.Sprintf("s%d", s), Version: 2}, Sector: sectorOf[fmt.Sprintf("s%d", s)]})
	}
	apply(&Stakeholder{Meta: Meta{ID: "s11", Version: 1}, Sector: CivilSociety}) // the missing participant arrives
	for c := n; c < n+50; c++ {
		apply(commitment(c))
	}
	checkTextIndex(t, m)
	check("after changes", 1000)
	askKept()
	bitsHoldTheirRows("after changes")
	if !slices.ContainsFunc(slices.Collect(maps.Keys(m.commitmentIndex.bits)), func(k string) bool { return strings.HasPrefix(k, "community\x00r") }) {
		t.Fatal("no rare community grew dense")
	}
	// Progress, verdicts and statuses alone, as reports and a parent's
	// roll-up (ProgressRolledUp: a new state of the parent) change them.
	for _, c := range Commitments.all(m) {
		if rng.IntN(2) == 0 {
			continue
		}
		next := *c
		next.Version++
		next.Progress = rng.IntN(101)
		if rng.IntN(3) == 0 {
			next.Verification, next.VerifiedProgress = Verified, rng.IntN(101)
		}
		if rng.IntN(4) == 0 {
			next.Status = AllCommitmentStatuses[rng.IntN(len(AllCommitmentStatuses))]
		}
		apply(&next)
	}
	checkTextIndex(t, m)
	check("after reports and roll-ups", 1000)
	bitsHoldTheirRows("after reports and roll-ups")

	checkTextIndex(t, m)
}

// statsDiff names the first figure in which a and b differ, or "".
func statsDiff(a, b CommitmentStats) string {
	a.model, a.filter, a.today = nil, CommitmentFilter{}, ""
	b.model, b.filter, b.today = nil, CommitmentFilter{}, ""
	if !reflect.DeepEqual(a.ByStatus, b.ByStatus) {
		return fmt.Sprintf("by status %+v, a scan %+v", a.ByStatus, b.ByStatus)
	}
	if !reflect.DeepEqual(a.BySector, b.BySector) {
		return fmt.Sprintf("by sector %+v, a scan %+v", a.BySector, b.BySector)
	}
	if len(a.ByPillar) != len(b.ByPillar) {
		return fmt.Sprintf("%d pillars, a scan %d", len(a.ByPillar), len(b.ByPillar))
	}
	for i := range a.ByPillar {
		if a.ByPillar[i] != b.ByPillar[i] {
			return fmt.Sprintf("pillar %+v, a scan %+v", a.ByPillar[i], b.ByPillar[i])
		}
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%+v, a scan %+v", a, b)
	}
	return ""
}

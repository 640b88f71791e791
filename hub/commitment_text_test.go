package hub

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkTextIndex fails t unless m's text index lists each row under
// exactly its words, finds each word through each of its trigrams, and
// keeps each kept search's rows, and its cells, as finding them afresh
// would.
func checkTextIndex(t *testing.T, m *ReadModel) {
	t.Helper()
	m.mu.RLock()
	defer m.mu.RUnlock()
	ix := &m.commitmentIndex
	tx := &ix.text
	if !tx.built.Load() {
		t.Fatal("no search built the text index")
	}
	listed := 0
	for n, l := range tx.rows {
		w := tx.words.ids[n]
		if !slices.IsSorted(l) || len(slices.Compact(slices.Clone(l))) != len(l) {
			t.Fatalf("word %q: rows out of order or repeated", w)
		}
		for _, i := range l {
			if _, ok := slices.BinarySearch(ix.rows[i].words(), w); !ok {
				t.Fatalf("word %q lists row %d (%q), which does not hold it", w, i, ix.rows[i].lowerTitle)
			}
		}
		for _, g := range appendTrigrams(nil, w) {
			if _, ok := slices.BinarySearch(tx.grams[g], int32(n)); !ok {
				t.Fatalf("word %q is not found through its trigram %06x", w, g)
			}
		}
		listed += len(l)
	}
	want := 0
	for i := range ix.rows {
		want += len(ix.rows[i].words())
	}
	if listed != want {
		t.Fatalf("the text index lists %d row words, the rows hold %d", listed, want)
	}
	k := tx.kept.Load()
	if k == nil {
		return
	}
	for needle, s := range k.by {
		var scan []int32
		for i := range ix.rows {
			if ix.rows[i].holds(needle) {
				scan = append(scan, int32(i))
			}
		}
		if !slices.Equal(s.rows, scan) {
			t.Fatalf("the kept search %q lists %d rows, a scan finds %d", needle, len(s.rows), len(scan))
		}
		if got := ix.findText(needle); !slices.Equal(got, scan) {
			t.Fatalf("finding %q through the words gives %d rows, a scan %d", needle, len(got), len(scan))
		}
		for slot, f := range orderFields {
			p := s.orders[slot].Load()
			if p == nil {
				continue
			}
			o := CommitmentOrder{Field: f}
			want := slices.Clone(scan)
			slices.SortFunc(want, func(a, b int32) int { return o.compare(&ix.rows[a], &ix.rows[b]) })
			if !slices.Equal(*p, want) {
				t.Fatalf("the kept search %q's rows in order %s differ from its rows sorted", needle, f)
			}
		}
		c := s.cells.Load()
		if c == nil {
			continue
		}
		fresh := newCells()
		for _, i := range scan {
			fresh.add(&ix.rows[i], 1)
		}
		if got, want := cellsByKey(c), cellsByKey(fresh); !maps.EqualFunc(got, want, slices.Equal) || c.odd != fresh.odd {
			t.Fatalf("the kept search %q's cells differ from its rows' (%d cells, %d odd; afresh %d, %d)", needle, len(got), c.odd, len(want), fresh.odd)
		}
	}
}

// cellsByKey is the non-empty cells' buckets by key.
func cellsByKey(k *cells) map[cellKey][]dueBucket {
	out := map[cellKey][]dueBucket{}
	for _, c := range k.list {
		if len(c.buckets) > 0 {
			out[c.key] = c.buckets
		}
	}
	return out
}

// TestSearchWords: what search selects (the needle lowered, trimmed and
// found in the lowered reference, title or description) through the word
// index and the kept searches, against a scan of the commitments' own
// text, for words joined by punctuation, case, text beyond ASCII, needles
// shorter than a trigram, needles with spaces and separators only, and
// after titles change (the old words leave the index, the kept searches
// follow).
func TestSearchWords(t *testing.T) {
	m := NewReadModel()
	apply := applier(t, m)
	apply(&StrategicPlan{Meta: Meta{ID: "plan", Version: 1}})
	apply(&Pillar{Meta: Meta{ID: "p1", Version: 1}, PlanID: "plan", Code: "1"})
	apply(&Stakeholder{Meta: Meta{ID: "s1", Version: 1}, Sector: Government})
	titles := []string{
		"Open-data portal", "OPEN DATA for all", "Évaluation des écoles", "évaluation, suivi", "Straße und Brücke",
		"Water & sanitation", "water and sanitation", "roads/bridges (phase 2)", "Phase 12 roads", "C.A.T. scan",
		"日本語のテキスト", "a-b-c", "  leading and trailing  ", "x", "",
	}
	version := map[string]int{}
	put := func(k int, title, desc string) {
		id := fmt.Sprintf("C-%d.%d-%03d", k%3+1, k%2+1, k)
		version[id]++
		apply(&Commitment{Meta: Meta{ID: id, Version: version[id], UpdatedAt: time.Date(2025, 1, 1, 0, 0, k, 0, time.UTC)},
			Title: title, Description: desc, PillarID: "p1", LeadID: "s1", Participants: []Participant{{StakeholderID: "s1", Role: RoleLead}},
			Status: AllCommitmentStatuses[k%len(AllCommitmentStatuses)], Progress: k * 7 % 101, DueDate: Date(fmt.Sprintf("2025-%02d-01", k%12+1))})
	}
	for k, title := range titles {
		put(k, title, strings.Repeat("Deliver the agreed activities. ", k%3))
	}
	needles := []string{
		"data", "open-data", "open data", "n-d", "pen-da", "OPEN", "Open Data For", "évaluation", "ÉVALUATION", "valu", "é", "écoles",
		"straße", "STRASSE", "ß", "water &", "& sanitation", " and ", "and", "ads/br", "/", "(phase 2)", "phase 1", "e 2", "2", "12",
		"c.a.t", ".a.", "c-1", "c-1.2-0", "-00", "日本", "本語のテ", "a-b", "b-c", "-b-", "x", "  x  ", "leading and trailing", "-", "  -  ", "..",
		"deliver the agreed", "activities. deliver", "s. d", "nowhere", "zzz", "q",
	}
	today := Date("2025-06-01")
	expect := func(needle string) []string {
		want := strings.ToLower(strings.TrimSpace(needle))
		var ids []string
		for _, c := range Commitments.all(m) {
			if strings.Contains(strings.ToLower(c.ID), want) || strings.Contains(strings.ToLower(c.Title), want) || strings.Contains(strings.ToLower(c.Description), want) {
				ids = append(ids, c.ID)
			}
		}
		slices.SortFunc(ids, func(a, b string) int { return strings.Compare(naturalKey(a), naturalKey(b)) })
		return ids
	}
	check := func(when string) {
		t.Helper()
		for _, needle := range needles {
			want := expect(needle)
			f := CommitmentFilter{Search: needle}
			p := m.CommitmentPage(f, CommitmentOrder{}, today, Window{Count: true})
			var got []string
			for _, c := range p.Items {
				got = append(got, c.ID)
			}
			if p.Total != len(want) || !slices.Equal(got, want) {
				t.Fatalf("%s: search %q: total %d, %v; the text holds it in %v", when, needle, p.Total, got, want)
			}
			if s := m.Stats(f, today); s.Total != len(want) {
				t.Fatalf("%s: commitmentStats(search %q): total %d, want %d", when, needle, s.Total, len(want))
			}
			// With another dimension: the kept search's rows are candidates.
			g := CommitmentFilter{Search: needle, Statuses: []CommitmentStatus{AllCommitmentStatuses[0], AllCommitmentStatuses[2]}}
			n := 0
			for _, id := range want {
				if c := Commitments.get(m, id); c.Status == AllCommitmentStatuses[0] || c.Status == AllCommitmentStatuses[2] {
					n++
				}
			}
			if got := m.CommitmentPage(g, CommitmentOrder{Field: OrderByTitle}, today, Window{Count: true}).Total; got != n {
				t.Fatalf("%s: search %q with two statuses: total %d, want %d", when, needle, got, n)
			}
			if s := m.Stats(g, today); s.Total != n {
				t.Fatalf("%s: commitmentStats(search %q, two statuses): total %d, want %d", when, needle, s.Total, n)
			}
		}
		checkTextIndex(t, m)
	}
	check("created")

	ix := &m.commitmentIndex
	rowsOf := func(w string) int {
		m.mu.RLock()
		defer m.mu.RUnlock()
		if n, ok := ix.text.words.lookup(w); ok {
			return len(ix.text.rows[n])
		}
		return 0
	}
	if rowsOf("straße") != 1 || rowsOf("portal") != 1 {
		t.Fatalf("before the change: %d rows hold straße, %d portal", rowsOf("straße"), rowsOf("portal"))
	}
	// New titles: old words leave, new ones come, kept searches follow.
	put(0, "Closed registry", "")
	put(4, "Water AND sanitation, phase 2", "Évaluation")
	put(9, "Open-data CAT", "")
	put(len(titles), "New commitment: open data", "")
	if rowsOf("straße") != 0 || rowsOf("portal") != 0 || rowsOf("registry") != 1 {
		t.Fatalf("after the change: %d rows hold straße, %d portal, %d registry", rowsOf("straße"), rowsOf("portal"), rowsOf("registry"))
	}
	needles = append(needles, "registry", "closed", "portal")
	check("retitled")

	// More searches than are kept: those evicted are found again.
	for k := range 3 * keptSearchLimit {
		m.CommitmentPage(CommitmentFilter{Search: fmt.Sprintf("c-%d", k)}, CommitmentOrder{}, today, Window{Count: true})
	}
	if n := len(ix.text.kept.Load().by); n != keptSearchLimit {
		t.Fatalf("%d searches kept, want %d", n, keptSearchLimit)
	}
	put(2, "évaluation finale", "")
	check("after evictions")
}

// TestSearchConcurrent: readers sharing the read lock find, keep, evict
// and roll up searches while a writer retitles commitments (run with
// -race); afterwards the index and the kept searches agree with a scan.
func TestSearchConcurrent(t *testing.T) {
	m := NewReadModel()
	var seq atomic.Int64
	apply := func(e entity) {
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: seq.Add(1), Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, State: st}); err != nil {
			t.Error(err)
		}
	}
	apply(&Stakeholder{Meta: Meta{ID: "s1", Version: 1}, Sector: CivilSociety})
	words := []string{"water", "roads", "open data", "schools", "évaluation"}
	put := func(k, v int) {
		id := fmt.Sprintf("C-%03d", k)
		apply(&Commitment{Meta: Meta{ID: id, Version: v}, Title: words[(k+v)%len(words)] + " " + words[k%len(words)], LeadID: "s1",
			Participants: []Participant{{StakeholderID: "s1", Role: RoleLead}}, Status: AllCommitmentStatuses[(k+v)%len(AllCommitmentStatuses)], DueDate: "2025-03-01"})
	}
	for k := range 200 {
		put(k, 1)
	}
	needles := []string{"water", "wat", "roads", "open data", "n d", "schools", "é", "valu", "c-0", "c-1", "-19", "s", "a", "oo", "ter r", "data ", "rs", "ds o"}
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			first := 5
			for k := range 300 {
				f := CommitmentFilter{Search: needles[(r*7+k)%len(needles)]}
				if k%2 == 0 {
					m.Stats(f, "2025-06-01")
				} else {
					m.CommitmentPage(f, CommitmentOrder{Field: OrderByTitle}, "2025-06-01", Window{First: &first, Count: true})
				}
			}
		})
	}
	for v := 2; v < 6; v++ {
		for k := range 200 {
			put(k, v)
		}
	}
	wg.Wait()
	for _, needle := range needles {
		m.Stats(CommitmentFilter{Search: needle}, "2025-06-01")
	}
	checkTextIndex(t, m)
}

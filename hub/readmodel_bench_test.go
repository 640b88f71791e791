package hub_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// Micro-benchmarks of the read model: the commitment filter and sort behind
// `commitments`, the roll-up behind `commitmentStats`, and ReadModel.Apply,
// the path every event takes. They run on a synthetic model the size of
// the harness's default dataset (bench/README.md): 200 stakeholders and
// 10,000 commitments. `go test -run '^$' -bench . -benchtime 100x ./hub`
// runs them briefly.

const (
	benchStakeholders = 200
	benchCommitments  = 10_000
)

var (
	benchOnce  sync.Once
	benchModel *hub.ReadModel
	benchToday = hub.Date("2026-01-01")
)

// benchEvents builds the events of a synthetic hub: one plan with 4 pillars
// of 5 objectives, stakeholders spread over the sectors, and commitments
// with a lead and up to two other participants.
func benchEvents() []*hub.Event { return benchEventsOf(benchCommitments) }

// benchEventsOf is benchEvents with n commitments.
func benchEventsOf(n int) []*hub.Event {
	at := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	var out []*hub.Event
	add := func(t hub.EntityType, id string, st hub.State) {
		out = append(out, &hub.Event{Seq: int64(len(out) + 1), Type: t, EntityID: id, Version: 1,
			Kind: string(t) + "Created", Actor: hub.SystemActor, At: at, State: st})
	}
	meta := func(id string) hub.Meta { return hub.Meta{ID: id, Version: 1, CreatedAt: at, UpdatedAt: at} }
	add(hub.TypePlan, "plan", hub.StateOf(&hub.StrategicPlan{Meta: meta("plan"), Title: "Plan", PeriodStart: "2024-01-01", PeriodEnd: "2030-12-31"}))
	for p := 1; p <= 4; p++ {
		pid := fmt.Sprintf("p%d", p)
		add(hub.TypePillar, pid, hub.StateOf(&hub.Pillar{Meta: meta(pid), PlanID: "plan", Code: fmt.Sprint(p), Title: "Pillar " + pid}))
		for o := 1; o <= 5; o++ {
			oid := fmt.Sprintf("o%d.%d", p, o)
			add(hub.TypeObjective, oid, hub.StateOf(&hub.Objective{Meta: meta(oid), PillarID: pid, Code: fmt.Sprintf("%d.%d", p, o), Title: "Objective " + oid}))
		}
	}
	for s := 0; s < benchStakeholders; s++ {
		sid := fmt.Sprintf("s%03d", s)
		add(hub.TypeStakeholder, sid, hub.StateOf(&hub.Stakeholder{Meta: meta(sid),
			Name: "Stakeholder " + sid, Sector: hub.AllSectors[s%len(hub.AllSectors)]}))
	}
	for c := 0; c < n; c++ {
		p, o := c%4+1, c/4%5+1
		ref := fmt.Sprintf("C-%d.%d-%03d", p, o, c/20+1)
		lead := fmt.Sprintf("s%03d", c%benchStakeholders)
		parts := []hub.Participant{{StakeholderID: lead, Role: hub.RoleLead}}
		for k := 1; k <= c%3; k++ {
			parts = append(parts, hub.Participant{StakeholderID: fmt.Sprintf("s%03d", (c*7+k*13)%benchStakeholders), Role: hub.RoleImplementing})
		}
		add(hub.TypeCommitment, ref, hub.StateOf(&hub.Commitment{Meta: meta(ref), CommunityIDs: []string{fmt.Sprintf("k%02d", c%30)},
			Title: "Commitment " + ref, ObjectiveID: fmt.Sprintf("o%d.%d", p, o), PillarID: fmt.Sprintf("p%d", p),
			LeadID: lead, Participants: parts, Status: hub.AllCommitmentStatuses[c%len(hub.AllCommitmentStatuses)],
			Description: []string{"water and sanitation", "roads", "open data portal"}[c%3],
			Progress:    c % 101, StartDate: "2024-01-01", DueDate: hub.Date(fmt.Sprintf("20%02d-%02d-%02d", 24+c%6, c%12+1, c%28+1))}))
	}
	return out
}

func model(b *testing.B) *hub.ReadModel {
	b.Helper()
	benchOnce.Do(func() {
		benchModel = hub.NewReadModel()
		if err := benchModel.Apply(benchEvents()...); err != nil {
			panic(err)
		}
	})
	return benchModel
}

// BenchmarkCommitmentsFilterSort is the read-model half of the harness's
// W2: commitments filtered by a sector (of any participant) and a status,
// in reference order.
func BenchmarkCommitmentsFilterSort(b *testing.B) {
	m := model(b)
	f := hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}, Statuses: []hub.CommitmentStatus{hub.OnTrack}}
	b.ReportAllocs()
	for b.Loop() {
		if len(m.Commitments(f, hub.CommitmentOrder{}, benchToday)) == 0 {
			b.Fatal("nothing matched")
		}
	}
}

// BenchmarkCommitmentsAllByDueDate sorts every commitment by due date.
func BenchmarkCommitmentsAllByDueDate(b *testing.B) {
	m := model(b)
	o := hub.CommitmentOrder{Field: hub.OrderByDueDate, Descending: true}
	b.ReportAllocs()
	for b.Loop() {
		if len(m.Commitments(hub.CommitmentFilter{}, o, benchToday)) != benchCommitments {
			b.Fatal("lost commitments")
		}
	}
}

// BenchmarkStats is `commitmentStats` over every commitment (W3).
func BenchmarkStats(b *testing.B) {
	m := model(b)
	b.ReportAllocs()
	for b.Loop() {
		if s := m.Stats(hub.CommitmentFilter{}, benchToday); s.Total != benchCommitments {
			b.Fatalf("total %d", s.Total)
		}
	}
}

// BenchmarkStatsFiltered is `commitmentStats` with a sector filter: a scan
// of the index rather than the kept roll-up.
func BenchmarkStatsFiltered(b *testing.B) {
	m := model(b)
	f := hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}}
	b.ReportAllocs()
	for b.Loop() {
		if s := m.Stats(f, benchToday); s.Total == 0 {
			b.Fatal("nothing matched")
		}
	}
}

// BenchmarkApply applies one progress report to a commitment: the path of
// every event, from a writer or from the tailer.
func BenchmarkApply(b *testing.B) {
	m := hub.NewReadModel()
	if err := m.Apply(benchEvents()...); err != nil {
		b.Fatal(err)
	}
	base := hub.Commitments.Get(m, "C-1.1-001")
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		cur := hub.Commitments.Get(m, base.ID)
		next := *cur
		next.Version = cur.Version + 1
		next.Progress = next.Version % 100
		e := &hub.Event{Seq: m.Seq() + 1, Type: hub.TypeCommitment, EntityID: base.ID, Version: next.Version,
			Kind: "ProgressReported", Actor: hub.SystemActor, At: at, State: hub.StateOf(&next)}
		if err := m.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
}

var scaled sync.Map // commitments → *hub.ReadModel

// scaledModel is the synthetic model with n commitments, built once.
func scaledModel(b *testing.B, n int) *hub.ReadModel {
	b.Helper()
	if m, ok := scaled.Load(n); ok {
		return m.(*hub.ReadModel)
	}
	m := hub.NewReadModel()
	if err := m.Apply(benchEventsOf(n)...); err != nil {
		b.Fatal(err)
	}
	one := 1
	m.CommitmentPage(hub.CommitmentFilter{Search: "water"}, hub.CommitmentOrder{}, benchToday, hub.Window{First: &one}) // sorts the kept orders, builds the text index
	scaled.Store(n, m)
	return m
}

// BenchmarkCommitmentPage is the read model's half of a page of 50, at
// 1,000, 10,000 and 100,000 commitments: the rows of the harness's scaling
// table (bench/scaling.go), each order both ways and each filter (in
// reference order), counting the matches as totalCount does. Each page
// holds 50 at 1,000 but "search/one-title", which selects one commitment.
// Its cost should not grow with the commitments.
func BenchmarkCommitmentPage(b *testing.B) {
	yes := true
	from, to := hub.Date("2025-01-01"), hub.Date("2025-12-31")
	ids := func(s ...string) []string { return s }
	type pageCase struct {
		name string
		f    hub.CommitmentFilter
		o    hub.CommitmentOrder
	}
	cases := []pageCase{
		{"W2", hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}, Statuses: []hub.CommitmentStatus{hub.OnTrack}}, hub.CommitmentOrder{}},
	}
	for _, field := range []hub.CommitmentOrderField{hub.OrderByReference, hub.OrderByTitle, hub.OrderByDueDate, hub.OrderByProgress, hub.OrderByUpdatedAt} {
		for _, desc := range []bool{false, true} {
			dir := "asc"
			if desc {
				dir = "desc"
			}
			cases = append(cases, pageCase{fmt.Sprintf("orderBy/%s-%s", field, dir), hub.CommitmentFilter{}, hub.CommitmentOrder{Field: field, Descending: desc}})
		}
	}
	cases = append(cases, []pageCase{
		{"sectors", hub.CommitmentFilter{Sectors: []hub.Sector{hub.Government}}, hub.CommitmentOrder{}},
		{"statuses", hub.CommitmentFilter{Statuses: []hub.CommitmentStatus{hub.AtRisk, hub.Delayed}}, hub.CommitmentOrder{}},
		{"pillar", hub.CommitmentFilter{PillarIDs: ids("p2")}, hub.CommitmentOrder{}},
		{"objective", hub.CommitmentFilter{ObjectiveIDs: ids("o3.2")}, hub.CommitmentOrder{}},
		{"stakeholders", hub.CommitmentFilter{StakeholderIDs: ids("s001", "s002", "s003", "s004", "s005", "s006")}, hub.CommitmentOrder{}},
		{"communities", hub.CommitmentFilter{CommunityIDs: ids("k01", "k02")}, hub.CommitmentOrder{}},
		{"overdue", hub.CommitmentFilter{Overdue: &yes}, hub.CommitmentOrder{}},
		{"dueRange", hub.CommitmentFilter{DueAfter: &from, DueBefore: &to}, hub.CommitmentOrder{}},
		{"search/broad", hub.CommitmentFilter{Search: "water"}, hub.CommitmentOrder{}},
		{"search/every", hub.CommitmentFilter{Search: "commitment"}, hub.CommitmentOrder{}},
		{"search/phrase", hub.CommitmentFilter{Search: "water and"}, hub.CommitmentOrder{}},
		{"search/every-phrase", hub.CommitmentFilter{Search: "commitment c-"}, hub.CommitmentOrder{Field: hub.OrderByDueDate}},
		{"search/one-run", hub.CommitmentFilter{Search: "c-3."}, hub.CommitmentOrder{}}, // a pillar's references: a run of the reference order
		{"search/one-title", hub.CommitmentFilter{Search: "commitment c-3.2-007"}, hub.CommitmentOrder{}},
	}...)
	first := 50
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				m := scaledModel(b, n)
				// The first ask keeps what the timed ones read (a search's
				// rows); BenchmarkSearchFirstAsked times it.
				m.CommitmentPage(c.f, c.o, benchToday, hub.Window{First: &first, Count: true})
				b.ReportAllocs()
				for b.Loop() {
					if p := m.CommitmentPage(c.f, c.o, benchToday, hub.Window{First: &first, Count: true}); len(p.Items) == 0 {
						b.Fatal("nothing matched")
					}
				}
			})
		}
	}
}

// BenchmarkStatsAtScale is `commitmentStats` (W3) unfiltered and with
// each kind of filter, at 1,000, 10,000 and 100,000 commitments: a
// filtered roll-up costs the filter's candidates (the shortest list it
// names), not every commitment.
func BenchmarkStatsAtScale(b *testing.B) {
	yes := true
	from, to := hub.Date("2025-01-01"), hub.Date("2025-03-31")
	for _, n := range []int{1_000, 10_000, 100_000} {
		for _, c := range []struct {
			name string
			f    hub.CommitmentFilter
		}{
			{"all", hub.CommitmentFilter{}},
			{"sector", hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}}},
			{"sector+status", hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety, hub.Government}, Statuses: []hub.CommitmentStatus{hub.OnTrack}}},
			{"pillar", hub.CommitmentFilter{PillarIDs: []string{"p2"}}},
			{"stakeholder", hub.CommitmentFilter{StakeholderIDs: []string{"s007"}}},
			{"overdue", hub.CommitmentFilter{Overdue: &yes, Statuses: []hub.CommitmentStatus{hub.OnTrack}}},
			{"dueRange", hub.CommitmentFilter{DueAfter: &from, DueBefore: &to}},
			{"search", hub.CommitmentFilter{Search: "C-2.3-04"}},
			{"search/broad", hub.CommitmentFilter{Search: "water"}},
			{"search/every", hub.CommitmentFilter{Search: "commitment"}},
			{"search/phrase", hub.CommitmentFilter{Search: "water and"}},
			{"search+status", hub.CommitmentFilter{Search: "commitment c-", Statuses: []hub.CommitmentStatus{hub.AtRisk}}},
			{"lead-sector+pillar", hub.CommitmentFilter{LeadSectors: []hub.Sector{hub.Government}, PillarIDs: []string{"p1", "p3"}}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				m := scaledModel(b, n)
				// The first two asks keep what the timed ones read (a
				// search's rows, then its cells); BenchmarkSearchFirstAsked
				// times the first.
				m.Stats(c.f, benchToday)
				m.Stats(c.f, benchToday)
				b.ReportAllocs()
				for b.Loop() {
					if s := m.Stats(c.f, benchToday); s.Total == 0 {
						b.Fatal("nothing counted")
					}
				}
			})
		}
	}
}

// BenchmarkSearchFirstAsked is a page of 50 with its count, and the
// roll-up, under searches asked for the first time (more of them, in
// turn, than are kept): what finding a search's rows through the words
// costs, at 1,000 and 100,000 commitments. Broad searches' first ask grows
// with their matches; later asks cost what BenchmarkCommitmentPage's and
// BenchmarkStatsAtScale's search rows show.
func BenchmarkSearchFirstAsked(b *testing.B) {
	needles := []string{"water", "wate", "ater", "sanit", "tation", "road", "roads", "oads", "open", "data", "portal",
		"open data", "data portal", "ommitment", "commitment c-", "mmitm", "water and", "and sanitation", "c-1.", "c-2.3-0"}
	first := 50
	for _, n := range []int{1_000, 100_000} {
		for _, what := range []string{"page", "stats"} {
			b.Run(fmt.Sprintf("%s/n=%d", what, n), func(b *testing.B) {
				m := scaledModel(b, n)
				k := 0
				b.ReportAllocs()
				for b.Loop() {
					f := hub.CommitmentFilter{Search: needles[k%len(needles)]}
					k++
					if what == "page" {
						if p := m.CommitmentPage(f, hub.CommitmentOrder{}, benchToday, hub.Window{First: &first, Count: true}); len(p.Items) == 0 {
							b.Fatal("nothing matched")
						}
					} else if s := m.Stats(f, benchToday); s.Total == 0 {
						b.Fatal("nothing counted")
					}
				}
			})
		}
	}
}

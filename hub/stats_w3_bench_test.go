package hub_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"convene/hub"
)

// w3Events builds n commitments shaped as the harness's generator makes
// them (bench/gen.go): 200 stakeholders in uneven sectors, a random lead
// and up to three other participants in random roles, due dates spread
// over years, most commitments with a final status and progress, titles
// "Commitment N towards objective X".
func w3Events(n int) []*hub.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2019, 12, 1, 9, 0, 0, 0, time.UTC)
	var out []*hub.Event
	add := func(t hub.EntityType, id string, st hub.State) {
		out = append(out, &hub.Event{Seq: int64(len(out) + 1), Type: t, EntityID: id, Version: 1,
			Kind: string(t) + "Created", Actor: hub.SystemActor, At: at, State: st})
	}
	meta := func(id string) hub.Meta { return hub.Meta{ID: id, Version: 1, CreatedAt: at, UpdatedAt: at} }
	add(hub.TypePlan, "plan", hub.StateOf(&hub.StrategicPlan{Meta: meta("plan"), Title: "Plan", PeriodStart: "2020-01-01", PeriodEnd: "2030-12-31"}))
	var objectives []*hub.Objective
	for p := 1; p <= 4; p++ {
		pid := fmt.Sprintf("pillar-%d", p)
		add(hub.TypePillar, pid, hub.StateOf(&hub.Pillar{Meta: meta(pid), PlanID: "plan", Code: fmt.Sprint(p), Title: "Pillar " + pid}))
		for o := 1; o <= 5; o++ {
			ob := &hub.Objective{Meta: meta(fmt.Sprintf("objective-%d-%d", p, o)), PillarID: pid, Code: fmt.Sprintf("%d.%d", p, o)}
			add(hub.TypeObjective, ob.ID, hub.StateOf(ob))
			objectives = append(objectives, ob)
		}
	}
	const stakeholders = 200
	for i := range stakeholders {
		sector := hub.Government
		switch r := rng.IntN(100); {
		case i < stakeholders/10, r < 35:
		case r < 70:
			sector = hub.CivilSociety
		case r < 90:
			sector = hub.PrivateSector
		default:
			sector = hub.InternationalPartner
		}
		id := fmt.Sprintf("sh-%04d", i)
		add(hub.TypeStakeholder, id, hub.StateOf(&hub.Stakeholder{Meta: meta(id), Name: "Stakeholder " + id, Sector: sector}))
	}
	roles := []hub.ParticipantRole{hub.RoleImplementing, hub.RoleFunding, hub.RoleSupporting}
	finals := []hub.CommitmentStatus{hub.OnTrack, hub.OnTrack, hub.OnTrack, hub.AtRisk, hub.Delayed, hub.Completed, hub.Completed, hub.Cancelled}
	epoch := time.Date(2020, 1, 6, 15, 0, 0, 0, time.UTC)
	per := map[string]int{}
	for i := range n {
		o := objectives[i%len(objectives)]
		per[o.ID]++
		lead := fmt.Sprintf("sh-%04d", rng.IntN(stakeholders))
		parts := []hub.Participant{{StakeholderID: lead, Role: hub.RoleLead}}
		seen := map[string]bool{lead: true}
		for range rng.IntN(4) {
			if s := fmt.Sprintf("sh-%04d", rng.IntN(stakeholders)); !seen[s] {
				seen[s] = true
				parts = append(parts, hub.Participant{StakeholderID: s, Role: roles[rng.IntN(len(roles))]})
			}
		}
		start := epoch.AddDate(0, 0, rng.IntN(6*365))
		due := start.AddDate(0, 6+rng.IntN(42), 0)
		status, progress := hub.NotStarted, 0
		if rng.IntN(5) > 0 { // reported on
			status, progress = finals[rng.IntN(len(finals))], 10+rng.IntN(85)
			if status == hub.Completed {
				progress = 100
			}
		}
		ref := fmt.Sprintf("C-%s-%03d", o.Code, per[o.ID])
		add(hub.TypeCommitment, ref, hub.StateOf(&hub.Commitment{Meta: meta(ref), Title: fmt.Sprintf("Commitment %d towards objective %s", i+1, o.Code),
			Description: "A synthetic commitment: deliver the agreed activities in the target communities and report on them.",
			ObjectiveID: o.ID, PillarID: o.PillarID, LeadID: lead, Participants: parts, Status: status, Progress: progress,
			StartDate: hub.DateOf(start), DueDate: hub.DateOf(due)}))
	}
	return out
}

var w3Models sync.Map // commitments → *hub.ReadModel

func w3Model(b *testing.B, n int) *hub.ReadModel {
	b.Helper()
	if m, ok := w3Models.Load(n); ok {
		return m.(*hub.ReadModel)
	}
	m := hub.NewReadModel()
	if err := m.Apply(w3Events(n)...); err != nil {
		b.Fatal(err)
	}
	w3Models.Store(n, m)
	return m
}

// BenchmarkStatsW3 is the harness's "W3 commitmentStats, filtered" row
// (bench/scaling.go) in process: its seven filters, each on its own, at
// 1,000 and 100,000 commitments shaped as the harness generates them.
// Each should cost the same at both sizes.
func BenchmarkStatsW3(b *testing.B) {
	yes := true
	from, to := hub.Date("2025-01-01"), hub.Date("2025-03-31")
	today := hub.Date("2026-12-01")
	for _, n := range []int{1_000, 100_000} {
		for _, c := range []struct {
			name string
			f    hub.CommitmentFilter
		}{
			{"sectors", hub.CommitmentFilter{Sectors: []hub.Sector{hub.CivilSociety}}},
			{"status+sectors", hub.CommitmentFilter{Statuses: []hub.CommitmentStatus{hub.AtRisk}, Sectors: []hub.Sector{hub.Government}}},
			{"pillar", hub.CommitmentFilter{PillarIDs: []string{"pillar-2"}}},
			{"stakeholder", hub.CommitmentFilter{StakeholderIDs: []string{"sh-0003"}}},
			{"overdue", hub.CommitmentFilter{Overdue: &yes}},
			{"dueRange", hub.CommitmentFilter{DueAfter: &from, DueBefore: &to}},
			{"search", hub.CommitmentFilter{Search: "towards"}},
		} {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				m := w3Model(b, n)
				m.Stats(c.f, today) // the first two asks keep what the timed ones read (a search's rows, then its cells)
				m.Stats(c.f, today)
				b.ReportAllocs()
				for b.Loop() {
					if s := m.Stats(c.f, today); s.Total == 0 {
						b.Fatal("nothing counted")
					}
				}
			})
		}
	}
}

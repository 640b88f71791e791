package hub

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The garbage collector marks every pointer of the live heap each cycle,
// and the read model is almost all of it: the fewer pointers it holds, the
// shorter each mark, and the fewer requests a mark slows. These measure
// what the marker pays for one read model of the harness's default shape
// (bench/README.md: 200 stakeholders, 10,000 commitments, 2,000 meetings,
// 20,000 outcomes, 100,000 events), restored from its checkpoint as a
// start-up does.

// defaultShapeSnapshots is the full checkpoint of a model of the default
// shape, built by applying its 100,000 events.
func defaultShapeSnapshots() []Snapshot {
	{
		m := NewReadModel()
		at := time.Date(2020, 1, 6, 15, 0, 0, 0, time.UTC)
		var seq int64
		apply := func(e entity, report *ProgressReport) {
			seq++
			st := StateOf(e)
			ev := &Event{Seq: seq, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, Kind: "Changed",
				Actor: SystemActor, At: at, State: st, Report: report}
			if err := m.Apply(ev); err != nil {
				panic(err)
			}
		}
		meta := func(id string) Meta { return Meta{ID: id, Version: 1, CreatedAt: at, UpdatedAt: at} }
		apply(&StrategicPlan{Meta: meta("bench-plan"), Title: "Synthetic Strategic Plan", PeriodStart: "2020-01-01", PeriodEnd: "2030-12-31"}, nil)
		for p := 1; p <= 4; p++ {
			pid := fmt.Sprintf("pillar-%d", p)
			apply(&Pillar{Meta: meta(pid), PlanID: "bench-plan", Code: fmt.Sprint(p), Title: "Pillar " + pid}, nil)
			for o := 1; o <= 5; o++ {
				apply(&Objective{Meta: meta(fmt.Sprintf("objective-%d-%d", p, o)), PillarID: pid, Code: fmt.Sprintf("%d.%d", p, o),
					Title: fmt.Sprintf("Objective %d.%d", p, o)}, nil)
			}
		}
		for c := 1; c <= 30; c++ {
			apply(&Community{Meta: meta(fmt.Sprintf("community-%02d", c)), Name: fmt.Sprintf("Community %02d", c)}, nil)
		}
		const stakeholders, commitments, meetings, outcomes, events = 200, 10_000, 2_000, 20_000, 100_000
		sh := func(i int) string { return fmt.Sprintf("sh-%04d", i%stakeholders) }
		for s := range stakeholders {
			apply(&Stakeholder{Meta: meta(sh(s)), Name: fmt.Sprintf("Stakeholder %04d", s), Acronym: fmt.Sprintf("S%04d", s),
				Sector: AllSectors[s%len(AllSectors)], Website: fmt.Sprintf("https://example.org/s%04d", s)}, nil)
		}
		ids := make([]string, commitments)
		for c := range commitments {
			p, o := c%4+1, c/4%5+1
			ids[c] = fmt.Sprintf("C-%d.%d-%03d", p, o, c/20+1)
			parts := []Participant{{StakeholderID: sh(c), Role: RoleLead}}
			for k := range c % 4 {
				parts = append(parts, Participant{StakeholderID: sh(c*7 + k*13 + 1), Role: RoleImplementing})
			}
			var comms []string
			for k := range c % 3 {
				comms = append(comms, fmt.Sprintf("community-%02d", (c+k*11)%30+1))
			}
			apply(&Commitment{Meta: meta(ids[c]), Title: fmt.Sprintf("Commitment %d towards objective %d.%d", c+1, p, o),
				Description: "A synthetic commitment: deliver the agreed activities in the target communities and report on them.",
				ObjectiveID: fmt.Sprintf("objective-%d-%d", p, o), PillarID: fmt.Sprintf("pillar-%d", p), LeadID: sh(c),
				Participants: parts, Status: OnTrack, StartDate: "2021-01-01",
				DueDate: Date(fmt.Sprintf("20%02d-%02d-%02d", 22+c%6, c%12+1, c%28+1)), CommunityIDs: comms,
				Indicators: []Indicator{{Name: "People reached", Unit: "people", Target: float64(100 * (1 + c%50))}}}, nil)
		}
		for i := range meetings {
			starts := at.AddDate(0, 0, i)
			var parts []MeetingParticipant
			for k := range 3 + i%6 {
				parts = append(parts, MeetingParticipant{StakeholderID: sh(i*3 + k*17 + 1), Attendance: Invited})
			}
			apply(&Meeting{Meta: meta(fmt.Sprintf("meeting-%05d", i)), Title: fmt.Sprintf("Coordination meeting %d", i+1),
				Description: "A synthetic coordination meeting.", StartsAt: starts, EndsAt: starts.Add(2 * time.Hour),
				Location: fmt.Sprintf("Room %d", 1+i%20), ConvenerID: sh(i), Participants: parts, Status: Scheduled,
				Agenda: []AgendaItem{{Title: "Progress review", DurationMinutes: 45}, {Title: "Next steps", DurationMinutes: 30}}}, nil)
		}
		for i := range outcomes {
			o := &MeetingOutcome{Meta: meta(fmt.Sprintf("outcome-%06d", i)), MeetingID: fmt.Sprintf("meeting-%05d", i%meetings),
				Kind: Decision, Summary: fmt.Sprintf("Outcome %d of Coordination meeting %d", i+1, i%meetings+1),
				Details: "A synthetic outcome recorded by the benchmark harness.", OwnerID: sh(i * 3),
				Status: OutcomeOpen, RecordedAt: at, RecordedBy: SystemActor}
			if i%3 == 0 {
				d := Date("2024-03-01")
				o.DueDate = &d
			}
			for k := range i % 3 {
				o.CommitmentIDs = append(o.CommitmentIDs, ids[(i*31+k*7)%commitments])
			}
			apply(o, nil)
		}
		for i := 0; seq < events; i++ {
			cur := Commitments.get(m, ids[(i*7919)%commitments])
			next := *cur
			next.Version++
			next.Progress = (cur.Progress + 3) % 101
			next.Status = AllCommitmentStatuses[(i/3)%len(AllCommitmentStatuses)]
			next.ReportCount++
			next.UpdatedAt = at.Add(time.Duration(i) * time.Minute)
			apply(&next, &ProgressReport{Progress: next.Progress, Status: next.Status, Note: fmt.Sprintf("Report %d", i),
				ReportedBy: SystemActor, ReportedAt: next.UpdatedAt})
		}
		snaps, _ := m.takeAll()
		return snaps
	}
}

// markCost is what one forced collection costs with the heap as it is:
// the scannable heap, the live heap, and the median over runs collections
// of the CPU they took (the process's user and system time, marking and
// sweeping on every core).
type markCost struct {
	scan, live uint64
	cpu        time.Duration
}

func measureMark(runs int) markCost {
	runtime.GC()
	var c gcCosts
	for range runs {
		c.collect()
	}
	return c.median()
}

// gcCosts gathers forced collections' costs.
type gcCosts struct{ cpus []time.Duration }

// collect forces one collection and records its cost.
func (c *gcCosts) collect() {
	cpu := processCPU()
	runtime.GC()
	c.cpus = append(c.cpus, processCPU()-cpu)
}

// median is the median cost, with the heap as the last collection left it.
func (c *gcCosts) median() markCost {
	samples := []metrics.Sample{{Name: "/gc/scan/heap:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(samples)
	slices.Sort(c.cpus)
	return markCost{scan: samples[0].Value.Uint64(), live: samples[1].Value.Uint64(), cpu: c.cpus[len(c.cpus)/2]}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGCMark restores a model of the default shape, then reports
// what the collector marks with it live beyond the heap without it: the
// scannable heap (the bytes the marker reads), the live heap, and the
// median CPU time of a forced collection. Each
// iteration is one collection with the model live: -benchtime 5x or more
// gives a steadier median.
func BenchmarkGCMark(b *testing.B) {
	base := measureMark(5)
	m := NewReadModel()
	m.restore(defaultShapeSnapshots(), 100_000)              // nothing but m holds the entities
	m.Stats(CommitmentFilter{Search: "water"}, "2026-01-01") // the kept orders and the text index, as a server holds them after its first search
	var c gcCosts
	for b.Loop() {
		c.collect()
	}
	with := c.median()
	runtime.KeepAlive(m)
	b.ReportMetric(float64(with.scan-base.scan)/(1<<20), "MB-scan")
	b.ReportMetric(float64(with.live-base.live)/(1<<20), "MB-live")
	b.ReportMetric(float64(with.cpu-base.cpu)/float64(time.Millisecond), "ms-gc-cpu")
}

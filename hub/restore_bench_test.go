package hub

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRestore is the read model's half of a start-up: restoring the
// checkpoint's snapshots of 200 stakeholders and 1,000 to 100,000
// commitments (with a history and a report each) and sorting the kept
// orders, decoded snapshots given (the store's decoding is not in it).
func BenchmarkRestore(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			snaps := restoreSnapshots(b, n)
			b.ReportAllocs()
			for b.Loop() {
				NewReadModel().restore(snaps, int64(len(snaps)))
			}
		})
	}
}

// restoreSnapshots is a model's full checkpoint, as takeAll returns it.
func restoreSnapshots(b *testing.B, n int) []Snapshot {
	b.Helper()
	at := time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	m := NewReadModel()
	var seq int64
	apply := func(e entity, report *ProgressReport) {
		seq++
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: seq, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, Kind: "Created", At: at, State: st, Report: report}); err != nil {
			b.Fatal(err)
		}
	}
	meta := func(id string) Meta { return Meta{ID: id, Version: 1, CreatedAt: at, UpdatedAt: at} }
	apply(&StrategicPlan{Meta: meta("plan")}, nil)
	for p := 1; p <= 4; p++ {
		apply(&Pillar{Meta: meta(fmt.Sprintf("p%d", p)), PlanID: "plan", Code: fmt.Sprint(p)}, nil)
		for o := 1; o <= 5; o++ {
			apply(&Objective{Meta: meta(fmt.Sprintf("o%d.%d", p, o)), PillarID: fmt.Sprintf("p%d", p), Code: fmt.Sprintf("%d.%d", p, o)}, nil)
		}
	}
	for s := range 200 {
		apply(&Stakeholder{Meta: meta(fmt.Sprintf("s%03d", s)), Name: fmt.Sprintf("Stakeholder %d", s), Sector: AllSectors[s%4]}, nil)
	}
	for c := range n {
		p, o := c%4+1, c/4%5+1
		ref := fmt.Sprintf("C-%d.%d-%03d", p, o, c/20+1)
		lead := fmt.Sprintf("s%03d", c%200)
		cm := &Commitment{Meta: meta(ref), Title: "Commitment " + ref, Description: "A synthetic commitment: deliver the agreed activities.",
			ObjectiveID: fmt.Sprintf("o%d.%d", p, o), PillarID: fmt.Sprintf("p%d", p), LeadID: lead,
			Participants: []Participant{{StakeholderID: lead, Role: RoleLead}, {StakeholderID: fmt.Sprintf("s%03d", (c*7+13)%200), Role: RoleImplementing}},
			Status:       AllCommitmentStatuses[c%len(AllCommitmentStatuses)], Progress: c % 101, DueDate: Date(fmt.Sprintf("20%02d-%02d-%02d", 24+c%6, c%12+1, c%28+1))}
		apply(cm, nil)
		next := *cm
		next.Version, next.Progress, next.ReportCount = 2, (c+10)%101, 1
		apply(&next, &ProgressReport{Progress: next.Progress, Status: next.Status, Note: "on its way", ReportedAt: at})
	}
	snaps, _ := m.takeAll()
	return snaps
}

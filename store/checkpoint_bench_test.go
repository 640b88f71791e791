package store

import (
	"fmt"
	"testing"
	"time"

	"convene/hub"
)

// benchSnapshots is n commitments with ten history entries each, about
// the default benchmark dataset's shape.
func benchSnapshots(n int) []hub.Snapshot {
	at := time.Date(2013, 1, 2, 3, 4, 5, 0, time.UTC)
	text := func(s string) *string { return &s }
	out := make([]hub.Snapshot, n)
	for i := range out {
		var hist []hub.Change
		for v := 1; v <= 10; v++ {
			hist = append(hist, hub.Change{Seq: int64(i*10 + v), Kind: "ProgressReported", Actor: hub.SystemActor, At: at, Version: v,
				Fields: []hub.FieldChange{{Field: "progress", Before: text(fmt.Sprint(v * 9)), After: text(fmt.Sprint(v * 10))},
					{Field: "progressReports", After: text(`[{"progress":10,"note":"on track","at":"2013-01-02T03:04:05Z"}]`)}}})
		}
		out[i] = hub.Snapshot{State: hub.StateOf(&hub.Commitment{
			Meta:  hub.Meta{ID: fmt.Sprintf("C-1.1-%05d", i), Version: 10, CreatedAt: at, UpdatedAt: at},
			Title: "Strengthen community policing", Description: "A commitment of the benchmark's shape.",
			ObjectiveID: "o1-1", PillarID: "p1", LeadID: "s1", Status: hub.OnTrack, Progress: 40,
			Participants: []hub.Participant{{StakeholderID: "s1", Role: hub.RoleLead}, {StakeholderID: "s2", Role: hub.RoleSupporting}},
			StartDate:    "2013-01-01", DueDate: "2014-12-31",
		}), History: hub.HistoryOf(hist)}
	}
	return out
}

func BenchmarkCheckpointEncode(b *testing.B) {
	snaps := benchSnapshots(1000)
	var size int
	for b.Loop() {
		blobs, _, _, err := encodeParts(snaps)
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		for _, blob := range blobs {
			size += len(blob)
		}
	}
	b.ReportMetric(float64(size)/1000, "bytes/entity")
}

func BenchmarkCheckpointDecode(b *testing.B) {
	blobs, counts, sizes, err := encodeParts(benchSnapshots(1000))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for i, blob := range blobs {
			if _, err := decodePart(checkpointDoc{States: blob, Count: counts[i], Size: sizes[i]}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

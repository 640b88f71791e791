package hub

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestKeyOrderIsTheKeysOrder holds the meetings' and outcomes' orders
// sorted by the parts of their keys to the order of the keys themselves,
// in both directions, with ties on every part, and with a time outside
// the years a timeKey sorts (where the keys decide).
func TestKeyOrderIsTheKeysOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	base := time.Date(2014, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func() time.Time { // few distinct instants, in several zones
		t := base.Add(time.Duration(rng.IntN(5)) * time.Hour).Add(time.Duration(rng.IntN(3)) * time.Nanosecond)
		return t.In(time.FixedZone("", 3600*(rng.IntN(5)-2)))
	}
	for round := range 40 {
		var meetings []*Meeting
		var outcomes []*MeetingOutcome
		for i := range 60 {
			id := fmt.Sprintf("x-%03d", rng.IntN(40)) + fmt.Sprint(i%2)
			meetings = append(meetings, &Meeting{Meta: Meta{ID: id, UpdatedAt: at()}, StartsAt: at(), Title: "T"})
			o := &MeetingOutcome{Meta: Meta{ID: id, UpdatedAt: at()}, RecordedAt: at()}
			if rng.IntN(3) > 0 {
				d := Date(fmt.Sprintf("2015-0%d-1%d", 1+rng.IntN(3), rng.IntN(3)))
				o.DueDate = &d
			}
			outcomes = append(outcomes, o)
		}
		if round%10 == 9 { // a year no timeKey of four digits holds
			meetings[0].StartsAt, outcomes[0].RecordedAt = base.AddDate(9000, 0, 0), base.AddDate(9000, 0, 0)
		}
		for _, desc := range []bool{false, true} {
			for _, field := range []MeetingOrderField{MeetingsByStartsAt, MeetingsByUpdatedAt, MeetingsByTitle} {
				o := MeetingOrder{Field: field, Descending: desc}
				got := inKeyOrder(slices.Clone(meetings), o.parts, o.Key, desc)
				want := inOrder(slices.Clone(meetings), o.Key, desc)
				if !slices.Equal(got, want) {
					t.Fatalf("meetings by %s (descending %v): the parts' order differs from the keys'", field, desc)
				}
			}
			for _, field := range []OutcomeOrderField{OutcomesByRecordedAt, OutcomesByUpdatedAt, OutcomesByDueDate} {
				o := OutcomeOrder{Field: field, Descending: desc}
				got := inKeyOrder(slices.Clone(outcomes), o.parts, o.Key, desc)
				want := inOrder(slices.Clone(outcomes), o.Key, desc)
				if !slices.Equal(got, want) {
					t.Fatalf("outcomes by %s (descending %v): the parts' order differs from the keys'", field, desc)
				}
			}
		}
	}
}

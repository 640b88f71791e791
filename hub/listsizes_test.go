package hub

import (
	"testing"
	"time"
)

func TestListSizesAreHighWaterMarks(t *testing.T) {
	m := NewReadModel()
	parts := func(n int) []Participant {
		out := make([]Participant, n)
		for i := range out {
			out[i] = Participant{StakeholderID: string(rune('a' + i))}
		}
		return out
	}
	m.put(StateOf(&Commitment{Meta: Meta{ID: "c1"}, Participants: parts(3), CommunityIDs: []string{"x", "y"}}))
	m.put(StateOf(&Commitment{Meta: Meta{ID: "c2"}, Participants: parts(5)}))
	m.put(StateOf(&Commitment{Meta: Meta{ID: "c2"}, Participants: parts(1)})) // shrinks: the mark stays
	for i, id := range []string{"o1", "o2", "o3"} {
		m.put(StateOf(&MeetingOutcome{Meta: Meta{ID: id}, MeetingID: "m", CommitmentIDs: []string{"c1", "c2"}[:1+i%2]}))
	}
	z := m.ListSizes()
	for name, c := range map[string][2]int{
		"commitment participants": {z.CommitmentParticipants, 5},
		"commitment communities":  {z.CommitmentCommunities, 2},
		"commitment outcomes":     {z.CommitmentOutcomes, 3}, // c1 is linked from all three
		"outcome commitments":     {z.OutcomeCommitments, 2},
		"meeting outcomes":        {z.MeetingOutcomes, 3},
	} {
		if c[0] != c[1] {
			t.Errorf("%s: %d, want %d", name, c[0], c[1])
		}
	}
	// A change lists at most the JSON fields of its entity, and a note.
	for _, e := range []any{&StrategicPlan{}, &Pillar{}, &Objective{}, &Community{}, &Stakeholder{}, &Commitment{}, &Meeting{}, &MeetingOutcome{}, &Token{}} {
		if n := len(fieldsOf(e)); n+1 > z.ChangeFields {
			t.Errorf("%T has %d JSON fields; ChangeFields %d is below that and a note", e, n, z.ChangeFields)
		}
	}
}

func TestReferralMonthsCountsMonthsBetween(t *testing.T) {
	dates := []Date{"2019-12-31", "2020-01-01", "2020-01-31", "2020-02-15", "2020-12-01", "2021-01-10", "2024-02-29", "2026-12-01"}
	for _, first := range dates {
		for _, last := range dates {
			if last < first {
				continue
			}
			for _, today := range dates {
				now, _ := time.ParseInLocation(time.DateOnly, string(today), time.Local)
				now = now.Add(13 * time.Hour)
				if got, want := referralMonths(first, last, now), len(monthsBetween(first, max(DateOf(now), last))); got != want {
					t.Errorf("referralMonths(%s, %s, %s) = %d, want %d", first, last, today, got, want)
				}
			}
		}
	}
}

package hub

import (
	"math/rand/v2"
	"testing"
)

// TestSeriesRunningSums holds the series' running sums to the figures
// read period by period (the version standing at each period's end,
// capped by until), on random timelines, periods and instants.
func TestSeriesRunningSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2))
	for round := range 2000 {
		periods := make([]period, 1+rng.IntN(12))
		start := int64(rng.IntN(50))
		for i := range periods {
			end := start + 1 + int64(rng.IntN(20))
			periods[i], start = period{start, end}, end
		}
		var lines []*timeline
		for range 1 + rng.IntN(6) {
			tl := &timeline{}
			at := int64(rng.IntN(60)) - 10
			for k := range rng.IntN(9) {
				at += int64(rng.IntN(25))
				tl.points = append(tl.points, point{at: at, own: at - int64(rng.IntN(5)), progress: int16(rng.IntN(101)), reports: int32(k)})
			}
			lines = append(lines, tl)
		}
		var until int64
		if round%3 == 0 {
			until = int64(rng.IntN(int(start) + 20))
		}
		got := make([]ProgressPoint, len(periods))
		adds, deltas := make([]int, len(periods)), make([]int, len(periods))
		for _, tl := range lines {
			tl.series(periods, until, got, adds, deltas)
		}
		count, sum := 0, 0
		for i := range got {
			count, sum = count+adds[i], sum+deltas[i]
			got[i].Commitments = count
			if got[i].Commitments != 0 {
				got[i].Progress = float64(sum)
			}
		}
		want := make([]ProgressPoint, len(periods))
		for i, p := range periods {
			end := p.to - 1
			if until != 0 && until < end {
				end = until
			}
			for _, tl := range lines {
				j := -1
				for j+1 < len(tl.points) && tl.points[j+1].at <= end {
					j++
				}
				if j >= 0 {
					want[i].Commitments++
					want[i].Progress += float64(tl.points[j].progress)
				}
			}
			want[i].Reports = got[i].Reports // the reports' count is not what changed
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("round %d, period %d of %v (until %d): got %+v, want %+v", round, i, periods, until, got[i], want[i])
			}
		}
	}
}

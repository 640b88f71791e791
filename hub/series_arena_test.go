package hub

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSeriesArenaKeepsEveryShare puts shares of random lengths, longer
// and longer, into the series groups' arena many times over (so that slots
// move and the arena is compacted again and again) and holds every share
// to the months last kept for it.
func TestSeriesArenaKeepsEveryShare(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var g seriesGroups
	const rows = 300
	g.shares = make([]seriesShare, rows)
	want := make([][]monthSums, rows)
	compactions := 0
	for step := range 20000 {
		i := rng.IntN(rows)
		months := make([]monthSums, rng.IntN(2+step/100)) // shares outgrow their slots
		for k := range months {
			months[k] = monthSums{month: int32(step), adds: int32(i), deltas: int32(k), reports: int32(rng.IntN(5))}
		}
		before := len(g.arena)
		g.keep(&g.shares[i], months)
		if len(g.arena) < before {
			compactions++
		}
		want[i] = months
		if step%997 == 0 || step == 19999 {
			for r := range rows {
				if got := g.months(&g.shares[r]); !slices.Equal(got, want[r]) && (len(got) != 0 || len(want[r]) != 0) {
					t.Fatalf("step %d: row %d holds %v, kept %v", step, r, got, want[r])
				}
			}
		}
	}
	if compactions == 0 {
		t.Fatal("the arena was never compacted")
	}
	live := 0
	for _, sh := range g.shares {
		live += int(sh.size)
	}
	if live+g.wasted != len(g.arena) || 4*g.wasted > len(g.arena)+4*1024 {
		t.Fatalf("the arena holds %d months: %d in slots, %d wasted", len(g.arena), live, g.wasted)
	}
}

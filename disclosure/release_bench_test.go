package disclosure

import (
	"math/rand/v2"
	"testing"
)

// referralLike is a release shaped as referral figures are: network,
// category, provider, month, status, age band, in every two-way table; n
// records over 12 months.
func referralLike(n int) ([]Dim, [][]int, [][]int) {
	ds := []Dim{{"network", 3}, {"category", 9}, {"provider", 15}, {"month", 12}, {"status", 6}, {"age", 4}}
	rng := rand.New(rand.NewPCG(3, 5))
	recs := make([][]int, n)
	for i := range recs {
		net, cat := rng.IntN(3), min(8, int(rng.ExpFloat64()*3))
		recs[i] = []int{net, cat, (cat*5 + rng.IntN(3)) % 15, rng.IntN(12), min(5, int(rng.ExpFloat64()*2)), rng.IntN(4)}
	}
	var pairs [][]int
	for a := range ds {
		for b := a + 1; b < len(ds); b++ {
			pairs = append(pairs, []int{a, b})
		}
	}
	return ds, pairs, recs
}

func BenchmarkReferralRelease(b *testing.B) {
	ds, finest, recs := referralLike(300)
	for b.Loop() {
		if _, err := New(ds, finest, recs); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReferralLikeRelease: at the demo's size, the release publishes the
// one-way figures and safely withholds what it must.
func TestReferralLikeRelease(t *testing.T) {
	ds, finest, recs := referralLike(300)
	r := mustNew(t, ds, finest, recs)
	if n, ok := r.Count(nil); !ok || n != 300 {
		t.Errorf("total %d, %v", n, ok)
	}
	for d, dim := range ds {
		published := 0
		for v := range dim.Size {
			sel := make([][]int, len(ds))
			sel[d] = []int{v}
			if _, ok := r.Count(sel); ok {
				published++
			}
		}
		if published < dim.Size/2 {
			t.Errorf("%s: %d of %d values published", dim.Name, published, dim.Size)
		}
	}
	if leaks := r.audit(); len(leaks) > 0 {
		t.Errorf("%d withheld cells recovered", len(leaks))
	}
	if leaks := r.pinnedByBounds(); len(leaks) > 0 {
		t.Errorf("%d withheld cells pinned by bounds", len(leaks))
	}
}

package resolvers

import (
	"fmt"
	"sort"
	"testing"

	"convene/hub"
)

// Micro-benchmarks of the cursor codec and of paging a long list, the work
// every connection field does per request. Run briefly with
// `go test -run '^$' -bench . -benchtime 100x ./resolvers`.

func BenchmarkEncodeCursor(b *testing.B) {
	key := hub.CommitmentOrder{}.Key(&hub.Commitment{Meta: hub.Meta{ID: "C-2.1-004"}})
	b.ReportAllocs()
	for b.Loop() {
		_ = encodeCursor(key)
	}
}

func BenchmarkDecodeCursor(b *testing.B) {
	c := encodeCursor(hub.CommitmentOrder{}.Key(&hub.Commitment{Meta: hub.Meta{ID: "C-2.1-004"}}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeCursor(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPaginateCommitments cuts a page of 50 out of 10,000 commitments
// in reference order after a cursor, as `commitments(first: 50, after:)`
// does.
func BenchmarkPaginateCommitments(b *testing.B) {
	items := make([]*hub.Commitment, 10_000)
	for i := range items {
		items[i] = &hub.Commitment{Meta: hub.Meta{ID: fmt.Sprintf("C-%d.%d-%03d", i/2500+1, i/500%5+1, i%500+1)}}
	}
	o := hub.CommitmentOrder{}
	sort.Slice(items, func(i, j int) bool { return o.Key(items[i]) < o.Key(items[j]) })
	first := 50
	after := encodeCursor(o.Key(items[5000]))
	b.ReportAllocs()
	for b.Loop() {
		p, err := paginate(items, o.Key, false, pageArgs{first: &first, after: &after})
		if err != nil || len(p.items) != 50 {
			b.Fatalf("page of %d: %v", len(p.items), err)
		}
	}
}

package resolvers

import (
	"fmt"
	"sort"
	"testing"

	"convene/hub"
	"convene/opaque"
)

// A micro-benchmark of paging a long list, the work every connection
// field does per request (the cursor codec's are in opaque). Run briefly
// with `go test -run '^$' -bench . -benchtime 100x ./resolvers`.

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
	after := opaque.ListCursor(o.Key(items[5000]))
	b.ReportAllocs()
	for b.Loop() {
		p, err := paginate(items, o.Key, false, pageArgs{first: &first, after: &after})
		if err != nil || len(p.items) != 50 {
			b.Fatalf("page of %d: %v", len(p.items), err)
		}
	}
}

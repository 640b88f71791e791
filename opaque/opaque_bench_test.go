package opaque

import (
	"testing"

	"convene/hub"
)

// Micro-benchmarks of the list cursor codec, which every connection field
// runs per item of its page. Run briefly with
// `go test -run '^$' -bench . -benchtime 100x ./opaque`.

func BenchmarkListCursor(b *testing.B) {
	key := hub.CommitmentOrder{}.Key(&hub.Commitment{Meta: hub.Meta{ID: "C-2.1-004"}})
	b.ReportAllocs()
	for b.Loop() {
		_ = ListCursor(key)
	}
}

func BenchmarkParseListCursor(b *testing.B) {
	c := ListCursor(hub.CommitmentOrder{}.Key(&hub.Commitment{Meta: hub.Meta{ID: "C-2.1-004"}}))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ParseListCursor(c); !ok {
			b.Fatal("not a cursor")
		}
	}
}

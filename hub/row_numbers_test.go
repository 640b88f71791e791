package hub

import (
	"hash/maphash"
	"testing"
)

// TestRowNumbersClash numbers an id whose hash an earlier id holds (made
// to, as real clashes of 64-bit hashes are not to be found): each id
// still finds its own number, and an id never numbered finds none.
func TestRowNumbersClash(t *testing.T) {
	r := newRowNumbers(0)
	if n := r.add("a"); n != 0 {
		t.Fatalf("a: %d", n)
	}
	r.byHash[maphash.String(rowSeed, "b")] = 0 // "b" hashes as "a" does
	if n := r.add("b"); n != 1 {
		t.Fatalf("b: %d", n)
	}
	r.add("c")
	c := r.clone()
	r.add("d")
	for _, want := range []struct {
		r    *rowNumbers
		id   string
		n    int32
		have bool
	}{{&r, "a", 0, true}, {&r, "b", 1, true}, {&r, "c", 2, true}, {&r, "d", 3, true}, {&r, "e", 0, false},
		{&c, "b", 1, true}, {&c, "c", 2, true}, {&c, "d", 0, false}} {
		if n, ok := want.r.lookup(want.id); n != want.n || ok != want.have {
			t.Errorf("lookup(%q) = %d, %v; want %d, %v", want.id, n, ok, want.n, want.have)
		}
	}
	if len(r.clash) != 1 || len(c.ids) != 3 || len(r.ids) != 4 {
		t.Errorf("clash %v, ids %v and the clone's %v", r.clash, r.ids, c.ids)
	}
}

package hub

import (
	"hash/maphash"
	"maps"
	"strings"
)

// rowNumbers numbers a table's ids in the order they come, and finds an
// id's number without a map the garbage collector reads: the map is keyed
// by each id's 64-bit hash (holding no pointer, it is never scanned), and
// the number found is checked against the id it numbers. An id whose hash
// an earlier one holds, which practically never happens, is kept in clash.
type rowNumbers struct {
	byHash map[uint64]int32
	ids    []string // by number
	clash  map[string]int32
}

var rowSeed = maphash.MakeSeed()

func newRowNumbers(size int) rowNumbers {
	return rowNumbers{byHash: make(map[uint64]int32, size), ids: make([]string, 0, size)}
}

// lookup returns id's number, if it has one.
func (r *rowNumbers) lookup(id string) (int32, bool) {
	if n, ok := r.byHash[maphash.String(rowSeed, id)]; ok && r.ids[n] == id {
		return n, true
	}
	n, ok := r.clash[id]
	return n, ok
}

// add gives id, which has no number, the next one.
func (r *rowNumbers) add(id string) int32 {
	n := int32(len(r.ids))
	id = strings.Clone(id) // not the entity's: that may be in an arena chunk, which it would keep
	r.ids = append(r.ids, id)
	h := maphash.String(rowSeed, id)
	if _, taken := r.byHash[h]; !taken {
		r.byHash[h] = n
		return n
	}
	if r.clash == nil {
		r.clash = map[string]int32{}
	}
	r.clash[id] = n
	return n
}

// clone returns a copy that later adds to r do not change.
func (r *rowNumbers) clone() rowNumbers {
	// Appends never change the ids already numbered: the copy shares them.
	return rowNumbers{byHash: maps.Clone(r.byHash), ids: r.ids[:len(r.ids):len(r.ids)], clash: maps.Clone(r.clash)}
}

package store

import (
	"bytes"
	"testing"
	"unsafe"

	"convene/hub"
)

// TestDecodedPartPacksHistories: a part's histories and reports come back
// equal to what was encoded, in one allocation that holds no state's
// bytes, each slice full so an append copies it instead of overwriting
// the next one.
func TestDecodedPartPacksHistories(t *testing.T) {
	snaps := benchSnapshots(300)
	for i := range snaps {
		if i%3 == 0 {
			snaps[i].Reports = hub.ReportsOf([]hub.ProgressReport{{Progress: i % 100, Status: hub.OnTrack, Note: "on track", ReportedBy: hub.SystemActor}})
		}
	}
	blobs, counts, sizes, err := encodeParts(snaps)
	if err != nil {
		t.Fatal(err)
	}
	var got []hub.Snapshot
	for i, blob := range blobs {
		part, err := decodePart(checkpointDoc{States: blob, Count: counts[i], Size: sizes[i]})
		if err != nil {
			t.Fatal(err)
		}
		var total int
		for _, sn := range part {
			total += len(sn.History) + len(sn.Reports)
		}
		start := uintptr(unsafe.Pointer(unsafe.SliceData(part[0].History)))
		for _, sn := range part {
			for _, b := range [][]byte{sn.History, sn.Reports} {
				if len(b) == 0 {
					continue
				}
				if cap(b) != len(b) {
					t.Fatal("a packed slice has room to append in place")
				}
				if p := uintptr(unsafe.Pointer(unsafe.SliceData(b))); p < start || p+uintptr(len(b)) > start+uintptr(total) {
					t.Fatal("a packed slice is outside the part's one allocation")
				}
			}
		}
		got = append(got, part...)
	}
	if len(got) != len(snaps) {
		t.Fatalf("decoded %d snapshots, encoded %d", len(got), len(snaps))
	}
	byID := map[string]hub.Snapshot{}
	for _, sn := range got {
		byID[hub.Commitments.Of(sn.State).ID] = sn
	}
	for _, want := range snaps {
		id := hub.Commitments.Of(want.State).ID
		if sn := byID[id]; !bytes.Equal(sn.History, want.History) || !bytes.Equal(sn.Reports, want.Reports) {
			t.Fatalf("%s: history or reports differ after decoding", id)
		}
	}
	next := bytes.Clone(got[1].History)
	_ = got[0].History.Append(hub.Change{Seq: 1, Kind: "Changed", Actor: hub.SystemActor})
	if !bytes.Equal(got[1].History, next) {
		t.Fatal("an append to one history changed the next")
	}
}

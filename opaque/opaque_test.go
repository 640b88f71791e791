package opaque

import (
	"strings"
	"testing"

	"convene/hub"
)

func TestRoundTrips(t *testing.T) {
	for _, id := range []string{"C-2.1-003", "a:b", "ü"} {
		g := GlobalID(hub.TypeCommitment, id)
		if typ, got, ok := ParseGlobalID(g); !ok || typ != hub.TypeCommitment || got != id {
			t.Errorf("global ID of %q: %q gives %s %q %v", id, g, typ, got, ok)
		}
		if got, ok := ParseListCursor(ListCursor(id)); !ok || got != id {
			t.Errorf("list cursor of %q gives %q %v", id, got, ok)
		}
	}
	for _, seq := range []int64{0, 1, 1 << 40} {
		if got, ok := ParseEventCursor(EventCursor(seq)); !ok || got != seq {
			t.Errorf("event cursor of %d gives %d %v", seq, got, ok)
		}
	}
	// Padded base64 is accepted for global IDs, as some clients add it.
	if _, id, ok := ParseGlobalID(GlobalID(hub.TypePillar, "p2") + "=="); !ok || id != "p2" {
		t.Errorf("padded global ID: %q %v", id, ok)
	}
}

func TestRejects(t *testing.T) {
	for _, g := range []string{"", "!!", GlobalID("Pillar", "")[:4], "UGlsbGFy"} { // "Pillar" has no ':'
		if typ, id, ok := ParseGlobalID(g); ok {
			t.Errorf("ParseGlobalID(%q) = %s %q", g, typ, id)
		}
	}
	for _, c := range []string{"", "!!", EventCursor(3), "djE"} { // "v1" without ':'
		if k, ok := ParseListCursor(c); ok {
			t.Errorf("ParseListCursor(%q) = %q", c, k)
		}
	}
	for _, c := range []string{"", "!!", ListCursor("3"), "ZTotMQ", "ZTp4"} { // "e:-1", "e:x"
		if n, ok := ParseEventCursor(c); ok {
			t.Errorf("ParseEventCursor(%q) = %d", c, n)
		}
	}
}

// TestAppendGlobalID: AppendGlobalID appends what GlobalID returns, for
// IDs short and long, and allocates nothing for a short one into room.
func TestAppendGlobalID(t *testing.T) {
	for _, id := range []string{"", "p1", "C-1.2-003", strings.Repeat("long/ïd ", 20)} {
		for _, typ := range []hub.EntityType{hub.TypePillar, hub.TypeCommitment} {
			if got, want := string(AppendGlobalID([]byte("x"), typ, id)), "x"+GlobalID(typ, id); got != want {
				t.Errorf("AppendGlobalID(%s, %q) = %q, want %q", typ, id, got, want)
			}
		}
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(50, func() { buf = AppendGlobalID(buf[:0], hub.TypePillar, "pillar-2") }); n != 0 {
		t.Errorf("AppendGlobalID allocates %v times, want 0", n)
	}
}

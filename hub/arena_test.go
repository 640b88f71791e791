package hub

import (
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// heldCommitment is a commitment using every part a layout copies: strings,
// slices (nil, empty and full, of structs with strings and pointers),
// pointers, and times in UTC and in another zone.
func heldCommitment() *Commitment {
	latest, rolled := 42.5, 61.0
	done := time.Date(2024, 5, 1, 9, 30, 0, 0, time.FixedZone("CST", -6*3600))
	return &Commitment{
		Meta:  Meta{ID: "C-1.2-003", Version: 7, CreatedAt: time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC), UpdatedAt: done},
		Title: "Youth–police dialogues in Southside", Description: strings.Repeat("Referral networks. ", 40),
		ObjectiveID: "objective-1-2", PillarID: "pillar-1", LeadID: "sh-0001",
		Participants: []Participant{{StakeholderID: "sh-0001", Role: RoleLead}, {StakeholderID: "sh-0002", Role: RoleImplementing}},
		Status:       OnTrack, Progress: 40, StartDate: "2023-01-01", DueDate: "2025-12-31", CompletedAt: &done,
		CommunityIDs: []string{},
		Indicators: []Indicator{{Name: "People reached", Unit: "people", Target: 300, LatestValue: &latest,
			Periods: []IndicatorPeriod{{}}}},
		RolledUp: &rolled,
	}
}

func TestArenaCopiesWhole(t *testing.T) {
	a := &arena{}
	src := heldCommitment()
	want := *src
	held := a.hold(Commitments.kind, src).(*Commitment)
	if !reflect.DeepEqual(held, &want) {
		t.Fatalf("held copy differs:\n got %+v\nwant %+v", held, &want)
	}
	if held.CommunityIDs == nil || held.Participants[1].StakeholderID != "sh-0002" || *held.RolledUp != 61 {
		t.Fatalf("held copy lost an empty slice or a value: %+v", held)
	}
	if _, off := held.CompletedAt.Zone(); off != -6*3600 || !held.CompletedAt.Equal(*src.CompletedAt) {
		t.Fatalf("held time %v, want %v", held.CompletedAt, src.CompletedAt)
	}
	if err := a.checkHeld(Commitments.kind, held); err != nil {
		t.Fatal(err)
	}
	if cap(held.Participants) != len(held.Participants) {
		t.Fatal("a held slice has room to append in place")
	}
	src.Title, src.Participants[0].Role = "changed", RoleImplementing
	if held.Title == "changed" || held.Participants[0].Role != RoleLead {
		t.Fatal("the held copy shares memory with its source")
	}
}

// TestArenaCheckFindsChangesInPlace: the check the tests rely on finds a
// heap pointer written into a held entity, in each kind of part.
func TestArenaCheckFindsChangesInPlace(t *testing.T) {
	for name, change := range map[string]func(c *Commitment){
		"string":         func(c *Commitment) { c.Title = fmt.Sprint("heap ", 1) },
		"nested string":  func(c *Commitment) { c.Participants[0].StakeholderID = fmt.Sprint("sh-", 9) },
		"slice":          func(c *Commitment) { c.CommunityIDs = []string{"community-01"} },
		"pointer":        func(c *Commitment) { v := 1.0; c.RolledUp = &v },
		"nested pointer": func(c *Commitment) { v := 2.0; c.Indicators[0].LatestValue = &v },
		"zone not held":  func(c *Commitment) { c.UpdatedAt = c.UpdatedAt.In(time.FixedZone("X", 3600)) },
		"appended in place": func(c *Commitment) {
			c.Participants = append(c.Participants[:1:2], Participant{StakeholderID: fmt.Sprint("sh-", 7)})
		},
	} {
		a := &arena{}
		held := a.hold(Commitments.kind, heldCommitment()).(*Commitment)
		change(held)
		if err := a.checkHeld(Commitments.kind, held); err == nil {
			t.Errorf("%s: a change in place went unnoticed", name)
		}
	}
}

// TestArenaLeavesDeadChunks writes many versions of a few commitments:
// the chunks their old versions filled are emptied and dropped, so the
// arena stays near the live entities' size, and every entity, moved or
// not, is the last version written.
func TestArenaLeavesDeadChunks(t *testing.T) {
	m := NewReadModel()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var seq int64
	apply := func(e entity) {
		seq++
		if err := m.Apply(&Event{Seq: seq, Type: StateOf(e).Type(), EntityID: e.meta().ID, Version: e.meta().Version,
			Kind: "Changed", Actor: SystemActor, At: at, State: StateOf(e)}); err != nil {
			t.Fatal(err)
		}
	}
	apply(&Stakeholder{Meta: Meta{ID: "sh-0001", Version: 1}, Name: "Lead", Sector: AllSectors[0]})
	last := map[string]*Commitment{}
	for round := range 60 {
		for i := range 200 {
			c := heldCommitment()
			c.ID, c.Version, c.Progress = fmt.Sprintf("C-%03d", i), round+1, round%101
			c.Title = fmt.Sprintf("Commitment %d, version %d", i, round+1)
			apply(c)
			last[c.ID] = c
		}
	}
	var chunks int
	var used, live uintptr
	for _, c := range m.arena.chunks {
		if c != nil {
			chunks++
			used += c.used
			live += c.live
		}
	}
	var want uintptr
	for _, e := range m.tables[Commitments.n].byNum {
		if e != nil {
			_, size := blockOf(Commitments.kind, e)
			want += size
			if err := m.arena.checkHeld(Commitments.kind, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, size := blockOf(Stakeholders.kind, m.tables[Stakeholders.n].byNum[0])
	want += size
	if live != want {
		t.Errorf("chunks count %d live bytes, the tables hold %d", live, want)
	}
	if len(m.arena.free) == 0 {
		t.Fatal("no chunk was emptied")
	}
	if used > 8*want+2*chunkSize || chunks > 8 {
		t.Errorf("%d chunks hold %d bytes for %d live: dead versions were kept", chunks, used, want)
	}
	for id, c := range last {
		if got := Commitments.get(m, id); !reflect.DeepEqual(got, c) {
			t.Fatalf("%s after the chunks were emptied:\n got %+v\nwant %+v", id, got, c)
		}
		i, _ := m.commitmentIndex.row(m.tables[Commitments.n].number(id))
		if m.commitmentIndex.rows[i].c != Commitments.get(m, id) {
			t.Fatalf("%s: the commitment index still points at a moved copy", id)
		}
	}
}

// TestArenaFillsChunksToTheirLastByte holds, in each of many chunks, a
// last commitment whose block ends exactly where the chunk does: copying
// it must not make a pointer past the chunk (the collector throws on one
// that points at freed memory). TestArenaUnderCheckptr runs it where the
// compiler checks every pointer the arena computes.
func TestArenaFillsChunksToTheirLastByte(t *testing.T) {
	a := &arena{}
	k := Commitments.kind
	var last []*Commitment
	for range 24 {
		filler := heldCommitment()
		a.hold(k, filler)
		c := heldCommitment()
		c.Description = ""
		size := 8 + round8(k.layout.size) + k.layout.extra(k.addr(c))
		left := uintptr(len(a.cur.mem)) - a.cur.used
		for left >= size+chunkSize/2 { // leave one block's room
			a.hold(k, filler)
			left = uintptr(len(a.cur.mem)) - a.cur.used
		}
		c.Description = strings.Repeat("d", int(left-size))
		cur := a.cur
		held := a.hold(k, c).(*Commitment)
		if a.cur != cur || cur.used != uintptr(len(cur.mem)) {
			t.Fatalf("the block did not end at its chunk's end: %d of %d used", cur.used, len(cur.mem))
		}
		if err := a.checkHeld(k, held); err != nil {
			t.Fatal(err)
		}
		last = append(last, held)
	}
	runtime.GC()
	for _, held := range last {
		if len(held.Description) == 0 || held.Indicators[0].Periods == nil || *held.RolledUp != 61 {
			t.Fatalf("a chunk's last block lost its parts: %+v", held)
		}
	}
}

// TestArenaUnderCheckptr runs the package's short tests again compiled
// with -d=checkptr, which checks that each pointer the arena and the read
// model compute stays in the allocation it started from (about 35 s).
func TestArenaUnderCheckptr(t *testing.T) {
	if os.Getenv("CONVENE_CHECKPTR") != "" || testing.Short() {
		t.Skip("already under checkptr, or short")
	}
	cmd := exec.Command("go", "test", "-count=1", "-short", "-gcflags=convene/hub=-d=checkptr", ".")
	cmd.Env = append(os.Environ(), "CONVENE_CHECKPTR=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the short tests under checkptr: %v\n%s", err, out)
	}
}

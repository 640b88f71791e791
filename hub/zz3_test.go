package hub

import (
	"runtime"
	"sync/atomic"
	"testing"
	"unsafe"
)

func TestZZRetained(t *testing.T) {
	snaps := defaultShapeSnapshots()
	var decoded []Snapshot
	var freed, total atomic.Int64
	for _, s := range snaps {
		b, err := s.State.MarshalBSON()
		if err != nil {
			t.Fatal(err)
		}
		var st State
		if err := st.UnmarshalBSON(b); err != nil {
			t.Fatal(err)
		}
		if st.k == Commitments.kind {
			total.Add(1)
			runtime.SetFinalizer((*Commitment)(st.k.addr(st.e)), func(*Commitment) { freed.Add(1) })
		}
		decoded = append(decoded, Snapshot{State: st, History: s.History, Reports: s.Reports})
	}
	snaps = nil
	m := NewReadModel()
	m.restore(decoded, 100_000)
	decoded = nil
	for range 4 {
		runtime.GC()
	}
	t.Logf("freed %d of %d", freed.Load(), total.Load())
	_ = unsafe.Pointer(nil)
	runtime.KeepAlive(m)
}

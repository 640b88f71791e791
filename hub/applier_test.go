package hub

import "testing"

// applier returns a function that applies an entity's state to m as the
// log's next event, failing the test on an error.
func applier(t testing.TB, m *ReadModel) func(entity) {
	var seq int64
	return func(e entity) {
		t.Helper()
		seq++
		st := StateOf(e)
		if err := m.Apply(&Event{Seq: seq, Type: st.Type(), EntityID: e.meta().ID, Version: e.meta().Version, State: st}); err != nil {
			t.Fatal(err)
		}
	}
}

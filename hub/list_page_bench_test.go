package hub

import (
	"sync"
	"testing"
	"time"
)

var listPageModel = sync.OnceValue(func() *ReadModel {
	m := NewReadModel()
	if err := m.Apply(listPageEvents(2000, 1)...); err != nil {
		panic(err)
	}
	return m
})

// BenchmarkListPage is the first page of the golden queries' meetings
// and outcomes (meetings_from_date, outcomes_filter) at the harness's
// default size (2,000 meetings, 20,000 outcomes): "page" selects the
// window as the matches pass, "sorted" sorts every match and pages the
// list, as the list functions do.
func BenchmarkListPage(b *testing.B) {
	m := listPageModel()
	admin := Viewer{Role: RoleAdmin}
	from := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	three, five := 3, 5
	mf, mo, mw := MeetingFilter{From: &from, Viewer: admin}, NewestMeetingsFirst, Window{First: &three}
	of := OutcomeFilter{Kinds: []OutcomeKind{ActionItem}, Statuses: []OutcomeStatus{OutcomeOpen, OutcomeInProgress}, Viewer: admin}
	oo, ow := NewestOutcomesFirst, Window{First: &five}
	b.Run("meetings/page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.MeetingPage(mf, mo, mw)
		}
	})
	b.Run("meetings/sorted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pageByPositions(m.MeetingsInOrder(mf, mo), mo.Key, mo.Descending, mw)
		}
	})
	b.Run("outcomes/page", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.OutcomePage(of, oo, ow)
		}
	})
	b.Run("outcomes/sorted", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pageByPositions(m.OutcomesInOrder(of, oo), oo.Key, oo.Descending, ow)
		}
	})
}

package hub

import (
	"testing"
	"time"

	"convene/disclosure"
)

// settleRelease waits, bounded, until no build of the release is pending.
func settleRelease(t *testing.T, m *ReadModel) {
	t.Helper()
	for range 3000 {
		m.released.mu.Lock()
		pending := m.released.pending
		m.released.mu.Unlock()
		if !pending {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the release's build did not finish in 30 s")
}

// within fails the test unless done is closed within 30 s: a request
// that waits for an audit the test holds never returns.
func within(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still waiting after 30 s", what)
	}
}

// TestReleaseBuiltOffTheRequestPath: once a release exists, a request
// never waits for an audit: while the next release's audit is held, a
// request after a change answers at once from the previous release, and
// the new release answers once its audit is done. Before the first
// release exists, a request waits for it.
func TestReleaseBuiltOffTheRequestPath(t *testing.T) {
	rs := referralsIn("a", 12, "n", "c", "s", "p", LifeSkills, "2026-01-10")
	m := referralModel(t, rs...)
	started, hold := make(chan struct{}, 10), make(chan struct{})
	m.released.audit = func(dims []disclosure.Dim, pairs, records [][]int) (*disclosure.Release, error) {
		started <- struct{}{}
		<-hold
		return disclosure.New(dims, pairs, records)
	}
	const today = "2026-03-15"

	// The first request waits for the first release.
	answered := make(chan ReferralStats, 1)
	go func() { answered <- m.ReferralStats(Viewer{}, ReferralStatsFilter{}, today) }()
	within(t, "the first audit", started)
	select {
	case s := <-answered:
		t.Fatalf("answered %v before the first release existed", s.Total)
	default:
	}
	close(hold)
	var s ReferralStats
	select {
	case s = <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("no answer 30 s after the first audit")
	}
	if s.Total == nil || *s.Total != 12 {
		t.Fatalf("first release: total %v, want 12", s.Total)
	}
	settleRelease(t, m)

	// A change in a closed month: its audit is held, the old release answers.
	hold = make(chan struct{})
	m.released.mu.Lock()
	m.released.audit = func(dims []disclosure.Dim, pairs, records [][]int) (*disclosure.Release, error) {
		started <- struct{}{}
		<-hold
		return disclosure.New(dims, pairs, records)
	}
	m.released.mu.Unlock()
	more := referralsIn("b", 6, "n", "c", "s", "p", LifeSkills, "2026-02-10")
	for i, r := range more {
		r.Version = 1
		if err := m.Apply(&Event{Seq: int64(len(rs) + i + 1), Type: TypeReferral, EntityID: r.ID, Version: 1, State: StateOf(r)}); err != nil {
			t.Fatal(err)
		}
	}
	within(t, "the audit after the change", started)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s = m.ReferralStats(Viewer{}, ReferralStatsFilter{}, today)
	}()
	within(t, "a request while the audit is held", done)
	if s.Total == nil || *s.Total != 12 {
		t.Errorf("while the next release is built: total %v, want the previous release's 12", s.Total)
	}
	close(hold)
	settleRelease(t, m)
	if s = m.ReferralStats(Viewer{}, ReferralStatsFilter{}, today); s.Total == nil || *s.Total != 18 {
		t.Errorf("after the build: total %v, want 18", s.Total)
	}

	// A change the release does not count (this month's) costs no audit.
	before := m.released.last
	late := referralsIn("c", 3, "n", "c", "s", "p", LifeSkills, "2026-03-02")
	for i, r := range late {
		r.Version = 1
		if err := m.Apply(&Event{Seq: int64(len(rs) + len(more) + i + 1), Type: TypeReferral, EntityID: r.ID, Version: 1, State: StateOf(r)}); err != nil {
			t.Fatal(err)
		}
	}
	settleRelease(t, m)
	if m.released.last != before {
		t.Error("a referral of the current month rebuilt the release")
	}
	select {
	case <-started:
		t.Error("a referral of the current month was audited")
	default:
	}
}

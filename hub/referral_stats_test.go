package hub

import (
	"fmt"
	"testing"
)

// referralModel is a read model holding these referrals.
func referralModel(t *testing.T, rs ...*Referral) *ReadModel {
	t.Helper()
	m := NewReadModel()
	for i, r := range rs {
		r.Version = 1
		if err := m.Apply(&Event{Seq: int64(i + 1), Type: TypeReferral, EntityID: r.ID, Version: 1, State: StateOf(r)}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func dateP(s string) *Date { d := Date(s); return &d }

// referralsIn makes n referrals in a network and month, sent by from to
// provider to, in a category, all SENT and 15–17.
func referralsIn(prefix string, n int, network, community, from, to string, cat ServiceCategory, date string) []*Referral {
	var rs []*Referral
	for i := range n {
		rs = append(rs, &Referral{Meta: Meta{ID: fmt.Sprintf("%s-%d", prefix, i)}, NetworkID: network, CommunityID: community,
			FromID: from, ToID: to, Category: cat, Date: Date(date), AgeBand: Age15To17, Status: ReferralSent})
	}
	return rs
}

// TestWhoSeesExactReferralFigures: the rule of the read policy. Admins
// always; an editor when its filter counts only referrals its stakeholder
// received; viewers and anonymous callers never.
func TestWhoSeesExactReferralFigures(t *testing.T) {
	for _, c := range []struct {
		name      string
		v         Viewer
		providers []string
		exact     bool
	}{
		{"an admin", Viewer{Role: RoleAdmin}, nil, true},
		{"an admin, some providers", Viewer{Role: RoleAdmin}, []string{"bfla", "ymca"}, true},
		{"a provider's editor, its own", Viewer{Role: RoleEditor, StakeholderID: "bfla"}, []string{"bfla"}, true},
		{"a provider's editor, its own twice", Viewer{Role: RoleEditor, StakeholderID: "bfla"}, []string{"bfla", "bfla"}, true},
		{"a provider's editor, with another", Viewer{Role: RoleEditor, StakeholderID: "bfla"}, []string{"bfla", "ymca"}, false},
		{"a provider's editor, every provider", Viewer{Role: RoleEditor, StakeholderID: "bfla"}, nil, false},
		{"an editor of another provider", Viewer{Role: RoleEditor, StakeholderID: "bcci"}, []string{"bfla"}, false},
		{"an editor of no stakeholder", Viewer{Role: RoleEditor}, []string{""}, false},
		{"a viewer", Viewer{Role: RoleViewer}, []string{"bfla"}, false},
		{"anonymous", Viewer{}, nil, false},
	} {
		if got := c.v.seesExactReferralFigures(c.providers); got != c.exact {
			t.Errorf("%s: exact %v, want %v", c.name, got, c.exact)
		}
	}
}

// TestReleasedReferralFigures: under disclosure control, small counts
// are withheld with a complement, dates snap to whole months and stop at
// the end of the last complete month, a status is the one its steps'
// dates give at that end, and the median needs 5 referrals served.
func TestReleasedReferralFigures(t *testing.T) {
	var rs []*Referral
	rs = append(rs, referralsIn("a", 12, "n1", "c1", "s1", "p1", LifeSkills, "2026-01-10")...)
	rs = append(rs, referralsIn("b", 3, "n1", "c1", "s1", "p2", Counselling, "2026-01-20")...)
	rs = append(rs, referralsIn("c", 9, "n2", "c2", "s2", "p1", LifeSkills, "2026-02-05")...)
	rs = append(rs, referralsIn("d", 7, "n2", "c2", "s2", "p2", Counselling, "2026-02-25")...)
	rs = append(rs, referralsIn("now", 6, "n1", "c1", "s1", "p1", LifeSkills, "2026-03-03")...) // this month: not released
	for i, r := range rs[:8] {
		served := Date(fmt.Sprintf("2026-01-%02d", 11+i))
		r.Status, r.AcceptedOn, r.ServedOn, r.ClosedOn = ReferralServed, &r.Date, &served, &served
	}
	late := Date("2026-03-02") // accepted in January, served this month: ACCEPTED at the release's end
	rs[8].Status, rs[8].AcceptedOn, rs[8].ServedOn, rs[8].ClosedOn = ReferralServed, &rs[8].Date, &late, &late
	m := referralModel(t, rs...)
	today := Date("2026-03-15")

	s := m.ReferralStats(Viewer{}, ReferralStatsFilter{From: dateP("2026-01-15")}, today)
	if s.Exact || s.From == nil || *s.From != "2026-01-01" || s.To == nil || *s.To != "2026-02-28" {
		t.Fatalf("period %v–%v exact %v, want 2026-01-01–2026-02-28 under disclosure control", s.From, s.To, s.Exact)
	}
	if s.Total == nil || *s.Total != 31 {
		t.Errorf("total %v, want 31 (this month's 6 not released)", s.Total)
	}
	for _, c := range s.ByStatus {
		switch c.Status {
		case ReferralAccepted, ReferralServed: // 1, and its complement, the smallest other (8)
			if c.Count != nil || !c.Suppressed {
				t.Errorf("%s published as %d", c.Status, *c.Count)
			}
		case ReferralSent:
			if c.Count == nil || *c.Count != 22 {
				t.Errorf("SENT: %v, want 22", c.Count)
			}
		default:
			if c.Count == nil || *c.Count != 0 {
				t.Errorf("%s: %v, want 0", c.Status, c.Count)
			}
		}
	}
	if s.MedianDaysToService == nil || *s.MedianDaysToService != 4.5 {
		t.Errorf("median %v, want 4.5 (days 1…8)", s.MedianDaysToService)
	}
	for _, f := range []ReferralStatsFilter{
		{}, {NetworkIDs: []string{"n1"}}, {CommunityIDs: []string{"c2"}}, {ProviderIDs: []string{"p2"}},
		{Categories: []ServiceCategory{Counselling}}, {From: dateP("2026-02-10"), To: dateP("2026-02-11")},
		{NetworkIDs: []string{"n1", "n2"}, Categories: []ServiceCategory{LifeSkills}},
	} {
		checkReleased(t, m, f, today)
	}
	// Few served, no median.
	s = m.ReferralStats(Viewer{}, ReferralStatsFilter{ProviderIDs: []string{"p2"}, Categories: []ServiceCategory{Counselling}}, today)
	if s.MedianDaysToService != nil || len(s.ByCategory) != 1 {
		t.Errorf("p2's counselling: median %v, %d categories", s.MedianDaysToService, len(s.ByCategory))
	}
	// An unknown network counts nothing; a period after the release too.
	for _, f := range []ReferralStatsFilter{{NetworkIDs: []string{"nowhere"}}, {From: dateP("2026-03-01")}} {
		s = m.ReferralStats(Viewer{}, f, today)
		if s.Total == nil || *s.Total != 0 {
			t.Errorf("%+v: total %v, want 0", f, s.Total)
		}
	}

	// Exact figures: everything, to the day, including this month.
	s = m.ReferralStats(Viewer{Role: RoleAdmin}, ReferralStatsFilter{From: dateP("2026-01-15")}, today)
	if !s.Exact || *s.From != "2026-01-15" || s.To != nil || *s.Total != 25 {
		t.Errorf("admin: exact %v, from %v, to %v, total %v; want exact from 2026-01-15, 25", s.Exact, *s.From, s.To, *s.Total)
	}
	for _, c := range append(s.ByStatus, ReferralStatusCount{}) {
		if c.Status != "" && (c.Count == nil || c.Suppressed) {
			t.Errorf("admin: %s withheld", c.Status)
		}
	}
	// A provider's editor, counting what it received: exact; with
	// another provider, or as a sender: under disclosure control.
	s = m.ReferralStats(Viewer{Role: RoleEditor, StakeholderID: "p2"}, ReferralStatsFilter{ProviderIDs: []string{"p2"}, From: dateP("2026-01-20"), To: dateP("2026-01-20")}, today)
	if !s.Exact || *s.Total != 3 {
		t.Errorf("p2's editor, its own on one day: exact %v, total %v", s.Exact, *s.Total)
	}
	for _, f := range []ReferralStatsFilter{{ProviderIDs: []string{"p2", "p1"}}, {NetworkIDs: []string{"n2"}}} {
		if s = m.ReferralStats(Viewer{Role: RoleEditor, StakeholderID: "p2"}, f, today); s.Exact {
			t.Errorf("p2's editor, %+v: exact", f)
		}
	}
}

// TestReleaseIsCached: the release is rebuilt only when what it counts
// changes, in the background when a month closes.
func TestReleaseIsCached(t *testing.T) {
	m := referralModel(t, referralsIn("a", 8, "n", "c", "s", "p", LifeSkills, "2026-01-10")...)
	m.ReferralStats(Viewer{}, ReferralStatsFilter{}, "2026-03-01")
	first := m.released.last
	m.ReferralStats(Viewer{}, ReferralStatsFilter{NetworkIDs: []string{"n"}}, "2026-03-31")
	settleRelease(t, m)
	if m.released.last != first {
		t.Error("rebuilt with nothing changed")
	}
	if s := m.ReferralStats(Viewer{}, ReferralStatsFilter{}, "2026-04-01"); *s.To != "2026-02-28" {
		t.Errorf("the release to %s answered while the next was built, want the previous one's (2026-02-28)", *s.To)
	}
	settleRelease(t, m)
	if m.released.last == first || m.released.last.end != "2026-03-31" {
		t.Error("not rebuilt when a month closed")
	}
}

// TestNoReferralsNoFigures: with nothing to count, every figure is 0.
func TestNoReferralsNoFigures(t *testing.T) {
	s := NewReadModel().ReferralStats(Viewer{}, ReferralStatsFilter{}, "2026-03-01")
	if s.Total == nil || *s.Total != 0 || s.TotalSuppressed || len(s.ByMonth) != 0 || len(s.ByStatus) != len(AllReferralStatuses) {
		t.Errorf("%+v", s)
	}
}

// checkReleased: each published figure for an anonymous caller is the
// exact count of the referrals in the snapped period up to the release's
// end; every count from 1 to 4 is withheld; and no breakdown with a
// published total has a lone withheld cell.
func checkReleased(t *testing.T, m *ReadModel, f ReferralStatsFilter, today Date) {
	t.Helper()
	got := m.ReferralStats(Viewer{}, f, today)
	exactF := f
	exactF.From, exactF.To = got.From, got.To
	want := m.ReferralStats(Viewer{Role: RoleAdmin}, exactF, today)
	check := func(what string, count *int, suppressed bool, exact *int) {
		t.Helper()
		switch {
		case count == nil && !suppressed, count != nil && suppressed:
			t.Errorf("%+v %s: count %v, suppressed %v", f, what, count, suppressed)
		case count != nil && *count != *exact:
			t.Errorf("%+v %s: %d published, %d exact", f, what, *count, *exact)
		case count != nil && *count > 0 && *count < 5:
			t.Errorf("%+v %s: %d published", f, what, *count)
		}
	}
	check("total", got.Total, got.TotalSuppressed, want.Total)
	type cell struct {
		count      *int
		suppressed bool
	}
	breakdown := func(what string, cells []cell, exact map[int]*int) {
		t.Helper()
		withheld := 0
		for i, c := range cells {
			check(fmt.Sprintf("%s[%d]", what, i), c.count, c.suppressed, exact[i])
			if c.suppressed {
				withheld++
			}
		}
		if withheld == 1 && got.Total != nil {
			t.Errorf("%+v %s: one cell withheld beside a published total", f, what)
		}
	}
	var cells []cell
	exact := map[int]*int{}
	for i, c := range got.ByStatus {
		cells, exact[i] = append(cells, cell{c.Count, c.Suppressed}), want.ByStatus[i].Count
	}
	breakdown("byStatus", cells, exact)
	cells, exact = nil, map[int]*int{}
	for i, c := range got.ByAgeBand {
		cells, exact[i] = append(cells, cell{c.Count, c.Suppressed}), want.ByAgeBand[i].Count
	}
	breakdown("byAgeBand", cells, exact)
	cells, exact = nil, map[int]*int{}
	for i, c := range got.ByCategory {
		cells, exact[i] = append(cells, cell{c.Count, c.Suppressed}), want.ByCategory[i].Count
	}
	breakdown("byCategory", cells, exact)
	months := map[string]*int{}
	for _, c := range want.ByMonth {
		months[c.Month] = c.Count
	}
	cells, exact = nil, map[int]*int{}
	for i, c := range got.ByMonth {
		zero := 0
		exact[i] = months[c.Month]
		if exact[i] == nil {
			exact[i] = &zero
		}
		cells = append(cells, cell{c.Count, c.Suppressed})
	}
	breakdown("byMonth", cells, exact)
}

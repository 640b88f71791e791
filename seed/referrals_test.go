package seed

import (
	"context"
	"testing"
	"time"

	"convene/hub"
)

// TestDemoReferrals: the demo's three Southside networks, its directory
// and at least 300 referrals over twelve months, in every status, made
// and moved by the side entitled to each step.
func TestDemoReferrals(t *testing.T) {
	h, _ := openHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := Load(ctx, h); err != nil {
		t.Fatal(err)
	}
	m := h.Model()
	admin := hub.Viewer{Role: hub.RoleAdmin}
	networks := m.ReferralNetworks(hub.ReferralNetworkFilter{})
	communities := map[string]bool{}
	for _, n := range networks {
		communities[n.CommunityID] = true
	}
	if len(networks) != 3 || !communities["lake-i"] || !communities["collet"] || !communities["port-loyola"] {
		t.Errorf("networks: %d in %v, want the three CPC communities", len(networks), communities)
	}
	if n := len(m.Services(hub.ServiceFilter{})); n < 15 {
		t.Errorf("%d services, want at least 15", n)
	}
	referrals := m.Referrals(hub.ReferralFilter{Viewer: admin})
	if len(referrals) < 300 {
		t.Errorf("%d referrals, want at least 300", len(referrals))
	}
	statuses, months, bands, reasons := map[hub.ReferralStatus]int{}, map[string]int{}, map[hub.AgeBand]int{}, map[hub.DeclineReason]int{}
	for _, r := range referrals {
		statuses[r.Status]++
		months[string(r.Date[:7])]++
		bands[r.AgeBand]++
		if r.DeclineReason != "" {
			reasons[r.DeclineReason]++
		}
		if r.Date < referralsFrom || r.Date > referralsUntil || (r.ClosedOn != nil && *r.ClosedOn > referralsUntil) {
			t.Errorf("%s: dated %s, closed %v: outside the twelve months", r.ID, r.Date, r.ClosedOn)
		}
		history, err := m.History(hub.TypeReferral, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range history {
			if c.Actor.Role != hub.ActorEditor || !r.Involves(c.Actor.StakeholderID) {
				t.Errorf("%s: %s by %+v, not by an editor of its stakeholders", r.ID, c.Kind, c.Actor)
			}
		}
	}
	for _, s := range hub.AllReferralStatuses {
		if statuses[s] == 0 {
			t.Errorf("no referral is %s", s)
		}
	}
	for _, b := range hub.AllAgeBands[:3] {
		if bands[b] == 0 {
			t.Errorf("no referral in age band %s", b)
		}
	}
	if len(months) != 12 || len(reasons) < 3 {
		t.Errorf("referrals in %d months (%v), %d decline reasons, want 12 and several", len(months), months, len(reasons))
	}
	t.Logf("%d referrals %v; the log holds %d events", len(referrals), statuses, m.Seq())
	// The same referrals on every load: generated from a fixed seed.
	f, _ := parseReferrals()
	services := map[string]*serviceData{}
	for i := range f.Services {
		services[f.Services[i].Key] = &f.Services[i]
	}
	a, b := referralSteps(f, services, nil, nil), referralSteps(f, services, nil, nil)
	if len(a) != len(b) {
		t.Fatalf("two generations differ: %d and %d steps", len(a), len(b))
	}
	for i := range a {
		if a[i].date != b[i].date {
			t.Fatalf("two generations differ at step %d: %s and %s", i, a[i].date, b[i].date)
		}
	}
}

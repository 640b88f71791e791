package app

import (
	"slices"
	"testing"
	"time"

	"convene/hub"
)

// TestReferralWebhook: a provider's editor registers a webhook of the
// referrals it receives; deliveries carry those, in log order, and not a
// referral to another provider made between them.
func TestReferralWebhook(t *testing.T) {
	s := startServerConfig(t, webhookConfig(t.TempDir()), hub.Options{})
	_, yff := issueToken(t, s, "EDITOR", "YFF officer", "yff", nil)
	_, cpu := issueToken(t, s, "EDITOR", "CPU officer", "cpu", nil)
	rcv := newReceiver(t, "127.0.0.1:0")
	w, r := createWebhook(t, s, yff, rcv.url(), map[string]any{"referrals": map[string]any{}})
	if w.ID == "" {
		t.Fatalf("createWebhook: %s", r.body)
	}
	rcv.mu.Lock()
	rcv.secret = w.Secret
	rcv.mu.Unlock()
	if _, r := createWebhook(t, s, yff, rcv.url(), map[string]any{"referrals": map[string]any{"providerIds": []any{"nonsense"}}}); r.code() != "BAD_USER_INPUT" {
		t.Errorf("a referrals webhook with a bad ID: %s", r.body)
	}

	first := makeReferralAs(s, cpu, "net-port-loyola", "", "yff-life-skills")
	makeReferralAs(s, cpu, "net-port-loyola", "", "ymca-league")
	second := makeReferralAs(s, cpu, "net-port-loyola", "", "yff-life-skills")
	rcv.waitFor(2, 20*time.Second)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var got []string
	for _, d := range rcv.got[:2] {
		ev, _ := d.body["data"].(map[string]any)["referralReceived"].(map[string]any)
		ref, _ := ev["referral"].(map[string]any)
		id, _ := ref["id"].(string)
		got = append(got, localOf(id))
	}
	if !slices.Equal(got, []string{first, second}) {
		t.Errorf("delivered %v, want %v", got, []string{first, second})
	}
}

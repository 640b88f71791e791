package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSign checks the signature against the specification's own example
// (standard-webhooks/spec, "Verifying webhook authenticity") and a
// signature computed here from the definition.
func TestSign(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	id, ts := "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	got, err := Sign(secret, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want the spec's %s", got, want)
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + ".1614265330." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if _, err := Sign("not-a-secret", id, ts, body); err == nil {
		t.Error("signed with a secret without whsec_")
	}
	s := NewSecret()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) != 32 {
		t.Errorf("NewSecret = %q", s)
	}
}

func TestBox(t *testing.T) {
	dir := t.TempDir()
	box, generated, err := LoadBox("", dir)
	if err != nil || !generated {
		t.Fatalf("LoadBox: %v %v", generated, err)
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	sealed := box.Seal("whsec_secret")
	if strings.Contains(sealed, "whsec_secret") || sealed == box.Seal("whsec_secret") {
		t.Errorf("sealed %q", sealed)
	}
	again, generated, err := LoadBox("", dir)
	if err != nil || generated {
		t.Fatalf("LoadBox again: %v %v", generated, err)
	}
	if plain, err := again.Open(sealed); err != nil || plain != "whsec_secret" {
		t.Errorf("Open = %q, %v", plain, err)
	}
	other, _, _ := LoadBox(base64.StdEncoding.EncodeToString(make([]byte, 32)), "")
	if _, err := other.Open(sealed); err == nil {
		t.Error("opened under another key")
	}
	if _, err := NewBox("c2hvcnQ="); err == nil {
		t.Error("took a 5-byte key")
	}
}

// TestSchedule: a fake clock and fixed jitter walk the retry schedule
// through three days.
func TestSchedule(t *testing.T) {
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, j := range []float64{0, 0.5, 0.999} {
		s := Schedule{Jitter: func() float64 { return j }}
		now, attempts := first, 1
		var waits []time.Duration
		for {
			next, ok := s.Next(attempts, first, now)
			if !ok {
				break
			}
			waits = append(waits, next.Sub(now))
			now, attempts = next, attempts+1
			if attempts > 100 {
				t.Fatal("never gives up")
			}
		}
		lo, hi := 0.8, 1.2
		if w := waits[0]; w < time.Duration(lo*float64(firstRetry)) || w > time.Duration(hi*float64(firstRetry)) {
			t.Errorf("jitter %v: first wait %v", j, w)
		}
		for i := 1; i < len(waits); i++ {
			if waits[i] < waits[i-1] && waits[i-1] < time.Duration(lo*float64(maxRetry)) {
				t.Errorf("jitter %v: waits shrink before the cap: %v", j, waits)
			}
			if waits[i] > time.Duration(hi*float64(maxRetry)) {
				t.Errorf("jitter %v: a wait above the cap: %v", j, waits[i])
			}
		}
		if total := now.Sub(first); total > giveUp || total < giveUp-time.Duration(hi*float64(maxRetry)) {
			t.Errorf("jitter %v: gave up after %v (%d attempts)", j, total, attempts)
		}
	}
	if got := retryAfter(3, 0.5); got != 20*time.Second {
		t.Errorf("third retry after %v, want 20s", got)
	}
}

func TestRefusedAddresses(t *testing.T) {
	var p Policy
	for _, a := range []string{"127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "fe80::1", "fd00:ec2::254", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1"} {
		if p.refused(netip.MustParseAddr(a)) == "" {
			t.Errorf("%s not refused", a)
		}
		if (Policy{AllowPrivate: true}).refused(netip.MustParseAddr(a)) != "" {
			t.Errorf("%s refused with AllowPrivate", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "2606:4700::1111"} {
		if why := p.refused(netip.MustParseAddr(a)); why != "" {
			t.Errorf("%s refused: %s", a, why)
		}
	}
	ctx := context.Background()
	for _, u := range []string{"http://93.184.216.34/x", "https://127.0.0.1/x", "https://[::1]/", "https://169.254.169.254/latest/meta-data", "https://localhost/x", "ftp://93.184.216.34/", "https://user:pw@93.184.216.34/", "/relative"} {
		if err := p.CheckURL(ctx, u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	if err := p.CheckURL(ctx, "https://93.184.216.34/hook"); err != nil {
		t.Errorf("a public https URL refused: %v", err)
	}
	if err := (Policy{AllowHTTP: true}).CheckURL(ctx, "http://93.184.216.34/hook"); err != nil {
		t.Errorf("http refused with AllowHTTP: %v", err)
	}
}

// TestClient: the dial-time check refuses loopback (a name that resolves
// there, whatever it resolved to when checked), and redirects are not
// followed.
func TestClient(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/target", http.StatusFound)
			return
		}
		w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	if _, err := (Policy{AllowHTTP: true}).Client().Get(srv.URL); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("connected to loopback: %v", err)
	}
	c := Policy{AllowHTTP: true, AllowPrivate: true}.Client()
	resp, err := c.Get(srv.URL + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || hits != 1 {
		t.Errorf("redirect: status %d after %d requests", resp.StatusCode, hits)
	}
}

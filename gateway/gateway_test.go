package gateway

import (
	"flag"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"convene/live"
)

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  mediaGraphQLResponse,
		"*/*":                               mediaGraphQLResponse,
		"application/*":                     mediaGraphQLResponse,
		"application/json":                  mediaJSON,
		"application/json; charset=utf-8":   mediaJSON,
		"application/graphql-response+json": mediaGraphQLResponse,
		"application/json, */*":             mediaJSON, // axios: explicit beats wildcard
		"application/json, text/plain, */*": mediaJSON,
		"application/graphql-response+json, application/json;q=0.9": mediaGraphQLResponse,
		"application/json, application/graphql-response+json":       mediaGraphQLResponse,
		"application/graphql-response+json;q=0.5, application/json": mediaJSON,
		"text/html":                       mediaGraphQLResponse,
		"application/json;q=0, */*;q=0.1": mediaGraphQLResponse,
		"garbage;;;":                      mediaGraphQLResponse,
	} {
		if got := negotiate(accept); got != want {
			t.Errorf("Accept %q: %s, want %s", accept, got, want)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	for body, wantErr := range map[string]bool{
		`{"query":"{a}"}`: false,
		`{"query":"{a}","variables":null,"operationName":null,"extensions":null}`: false,
		`{"query":"{a}","variables":{"x":1}}`:                                     false,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"x"}}}`:        false,
		``:                                   true,
		`{"query":`:                          true,
		`[{"query":"{a}"}]`:                  true,
		`{"query":1}`:                        true,
		`{"query":null}`:                     true,
		`{"notquery":"{a}"}`:                 true,
		`{"query":"{a}","operationName":0}`:  true,
		`{"query":"{a}","variables":"x"}`:    true,
		`{"query":"{a}","variables":[1]}`:    true,
		`{"query":"{a}","extensions":false}`: true,
		`{"query":"{a}"} trailing`:           true,
	} {
		_, msg := decodeBody([]byte(body))
		if (msg != "") != wantErr {
			t.Errorf("%q: error %q, want error %v", body, msg, wantErr)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newRateLimiter(2, 3) // 2/s, bursts of 3
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok %v wait %v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another caller shares the bucket")
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("no token after half a second at 2/s")
	}
	now = now.Add(time.Hour)
	l.sweep(now)
	if len(l.buckets) != 0 {
		t.Fatalf("idle buckets kept: %d", len(l.buckets))
	}
}

func TestClientIP(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"not-an-address":             "not-an-address",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr
		if got := ClientIP(r); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
}

func TestRegisterFlags(t *testing.T) {
	env := map[string]string{
		"CONVENE_CORS_ORIGINS":   "https://a.example.org, https://*.example.net/ ,",
		"CONVENE_MAX_COST":       "500",
		"CONVENE_INTROSPECTION":  "false",
		"CONVENE_MAX_BODY_BYTES": "2MiB",
		"CONVENE_RATE_LIMIT":     "oops",
	}
	var c Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse([]string{"--max-cost", "700", "--request-timeout", "3s"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.CORSOrigins, []string{"https://a.example.org", "https://*.example.net"}) {
		t.Errorf("origins %q", c.CORSOrigins)
	}
	if c.MaxCost != 700 || c.Introspection || c.MaxBodyBytes != 2<<20 || c.RequestTimeout != 3*time.Second {
		t.Errorf("config %+v", c)
	}
	if c.RateLimit != DefaultConfig().RateLimit || len(c.envErrs) != 1 {
		t.Errorf("an invalid environment value should keep the default and be reported: %v %v", c.RateLimit, c.envErrs)
	}
	o := c.LiveOptions(live.Options{InitTimeout: time.Second})
	if !slices.Equal(o.OriginPatterns, c.CORSOrigins) || o.ReadLimit != c.WSReadLimit || o.MaxSubscriptions != c.WSMaxSubscriptions || o.InitTimeout != time.Second {
		t.Errorf("live options %+v", o)
	}
}

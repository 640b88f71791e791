package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"convene/auth"
	"convene/gateway"
	"convene/live"

	"github.com/coder/websocket"
)

// CORS over HTTP (rs/cors) and the same origin list on the WebSocket
// upgrade (live.Options.OriginPatterns, which rs/cors does not cover).

const allowedOrigin = "https://app.example.org"

// serveWithOrigins serves s's app with CORS origins set, and a WebSocket
// transport configured from the same settings (gateway.Config.LiveOptions),
// as Open does.
func (s *testServer) serveWithOrigins(t *testing.T, origins ...string) string {
	t.Helper()
	return s.serveWithLive(t, func(c *gateway.Config) { c.CORSOrigins = origins })
}

// serveWithLive serves s's app with a gateway configured by mutate and a
// WebSocket transport configured from the same settings.
func (s *testServer) serveWithLive(t *testing.T, mutate func(*gateway.Config)) string {
	t.Helper()
	cfg := gateway.DefaultConfig()
	mutate(&cfg)
	a := *s.app
	a.live = live.NewServer(cfg.LiveOptions(live.Options{Logger: a.logger, Audience: auth.Audience}))
	t.Cleanup(a.live.Shutdown)
	return s.serveApp(t, &a, cfg)
}

func preflight(t *testing.T, base, origin string) gwReply {
	t.Helper()
	return gwDo(t, "OPTIONS", base+"/graphql", "", "Origin", origin,
		"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type") // as browsers send it: sorted, lower case
}

// dialOrigin opens a graphql-transport-ws connection with an Origin
// header; it returns the handshake's HTTP status on failure, 101 after a
// connection_ack.
func dialOrigin(t *testing.T, base, origin string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": {origin}},
	})
	if err != nil {
		if res == nil {
			t.Fatalf("dialing with Origin %s: %v", origin, err)
		}
		return res.StatusCode
	}
	defer ws.CloseNow()
	c := &wsClient{t: t, ws: ws}
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack")
	return http.StatusSwitchingProtocols
}

func gatewayCORS(t *testing.T, s *testServer) {
	base := s.serveWithOrigins(t, allowedOrigin, "https://*.partner.example")

	r := preflight(t, base, allowedOrigin)
	if r.status/100 != 2 || r.header.Get("Access-Control-Allow-Origin") != allowedOrigin ||
		!strings.Contains(strings.ToLower(r.header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Fatalf("preflight from an allowed origin: %s %v", r, r.header)
	}
	if r := preflight(t, base, "https://team.partner.example"); r.header.Get("Access-Control-Allow-Origin") != "https://team.partner.example" {
		t.Fatalf("preflight from a wildcard origin: %v", r.header)
	}
	if r := preflight(t, base, "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from a denied origin allowed: %v", r.header)
	}
	r = gwPost(t, base, map[string]any{"query": "{ __typename }"}, "Origin", allowedOrigin)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != allowedOrigin ||
		!strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Fatalf("POST from an allowed origin: %s %v", r, r.header)
	}
	if r := gwPost(t, base, map[string]any{"query": "{ __typename }"}, "Origin", "https://evil.example"); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("POST from a denied origin readable: %v", r.header)
	}

	// The WebSocket upgrade checks the same list.
	if got := dialOrigin(t, base, allowedOrigin); got != 101 {
		t.Fatalf("WebSocket from an allowed origin: %d", got)
	}
	if got := dialOrigin(t, base, "https://team.partner.example"); got != 101 {
		t.Fatalf("WebSocket from a wildcard origin: %d", got)
	}
	if got := dialOrigin(t, base, "https://evil.example"); got != http.StatusForbidden {
		t.Fatalf("WebSocket from a denied origin: %d", got)
	}
	if got := dialOrigin(t, base, base); got != 101 {
		t.Fatalf("WebSocket from the server's own origin: %d", got)
	}

	// With no origins configured, only the server's own pages may call.
	closed := s.serveWithOrigins(t)
	if r := preflight(t, closed, allowedOrigin); r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight allowed with no origins configured: %v", r.header)
	}
	if got := dialOrigin(t, closed, allowedOrigin); got != http.StatusForbidden {
		t.Fatalf("cross-origin WebSocket with no origins configured: %d", got)
	}
	if got := dialOrigin(t, closed, closed); got != 101 {
		t.Fatalf("same-origin WebSocket with no origins configured: %d", got)
	}
}

// The WebSocket limits of the gateway's configuration reach the live
// transport: the size of a message, and the operations per connection.
func gatewayWebSocketLimits(t *testing.T, s *testServer) {
	base := s.serveWithLive(t, func(c *gateway.Config) { c.WSReadLimit, c.WSMaxSubscriptions = 2048, 1 })
	c := &wsClient{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	c.ws = ws
	c.send(`{"type":"connection_init"}`)
	c.expect("connection_ack")
	c.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { events { cursor } }"}}`)
	c.send(`{"id":"2","type":"subscribe","payload":{"query":"subscription { events { cursor } }"}}`)
	msg := c.expect("error")
	if msg["id"] != "2" || !strings.Contains(fmt.Sprint(msg["payload"]), "RATE_LIMITED") {
		t.Fatalf("a second operation over a cap of 1: %v", msg)
	}
	c.send(`{"id":"3","type":"subscribe","payload":{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 4096) + `"}}}`)
	c.expectClose(websocket.StatusMessageTooBig)
}

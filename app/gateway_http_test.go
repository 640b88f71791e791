package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"convene/gateway"
	"convene/hub"
)

// The gateway tests drive the real server (embedded database, demo data)
// through the HTTP surface of gateway/: media types and status codes,
// CSRF prevention, body and rate limits, persisted queries, request ids,
// the SDL and metrics. Servers with other gateway settings share one app
// (serveGateway), so only one database starts per test.

// serveGateway serves s's app with the default gateway configuration as
// changed by mutate, on a new loopback server; it returns its URL.
func (s *testServer) serveGateway(t *testing.T, mutate func(*gateway.Config)) string {
	t.Helper()
	return s.serveGatewayLogging(t, nil, mutate)
}

// serveGatewayLogging is serveGateway with the app's log going to logger.
func (s *testServer) serveGatewayLogging(t *testing.T, logger *slog.Logger, mutate func(*gateway.Config)) string {
	t.Helper()
	cfg := gateway.DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	a := *s.app // the same hub, database and WebSocket transport
	if logger != nil {
		a.logger = logger
	}
	return s.serveApp(t, &a, cfg)
}

// serveApp serves a (a copy of s's app) with the gateway configured by cfg.
func (s *testServer) serveApp(t *testing.T, a *App, cfg gateway.Config) string {
	t.Helper()
	srv := httptest.NewServer(a.handlerWith(cfg))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestGateway runs the gateway's tests against one server holding the
// demo data (starting one takes seconds).
func TestGateway(t *testing.T) {
	s := startServer(t, t.TempDir(), hub.Options{})
	for _, c := range []struct {
		name string
		run  func(*testing.T, *testServer)
	}{
		{"MediaTypesAndStatusCodes", gatewayMediaTypes},
		{"RequestID", gatewayRequestID},
		{"CSRFPrevention", gatewayCSRF},
		{"BodyLimit", gatewayBodyLimit},
		{"RateLimit", gatewayRateLimit},
		{"PersistedQueries", gatewayPersistedQueries},
		{"SchemaIntrospectionAndMetrics", gatewaySchemaAndMetrics},
		{"CostLimits", gatewayCostLimits},
		{"CORS", gatewayCORS},
		{"WebSocketLimits", gatewayWebSocketLimits},
		{"ServerSentEvents", gatewaySSE},
		{"GraphQLOverHTTPAudit", gatewayAudit},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, s) })
	}
}

// gwReply is one HTTP response of the gateway.
type gwReply struct {
	status int
	header http.Header
	body   []byte
	fields map[string]json.RawMessage // the top-level entries of the JSON body
	resp   struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
		Extensions map[string]any `json:"extensions"`
	}
}

// code is the extensions.code of the first error, or "".
func (r gwReply) code() string {
	if len(r.resp.Errors) == 0 {
		return ""
	}
	c, _ := r.resp.Errors[0].Extensions["code"].(string)
	return c
}

func (r gwReply) hasData() bool { _, ok := r.fields["data"]; return ok }

func (r gwReply) String() string {
	return strconv.Itoa(r.status) + " " + r.header.Get("Content-Type") + " " + string(r.body)
}

// gwDo sends one request; headers are name, value pairs.
func gwDo(t *testing.T, method, target, body string, headers ...string) gwReply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := gwReply{status: res.StatusCode, header: res.Header}
	r.body, _ = io.ReadAll(res.Body)
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(r.body, &r.fields); err != nil {
			t.Fatalf("%s %s: invalid JSON %s", method, target, r.body)
		}
		_ = json.Unmarshal(r.body, &r.resp)
	}
	return r
}

// gwPost posts a GraphQL request as JSON.
func gwPost(t *testing.T, base string, req map[string]any, headers ...string) gwReply {
	t.Helper()
	body, _ := json.Marshal(req)
	return gwDo(t, http.MethodPost, base+"/graphql", string(body), append([]string{"Content-Type", "application/json"}, headers...)...)
}

// gwGet sends a GraphQL query with GET and the CSRF header.
func gwGet(t *testing.T, base string, params url.Values, headers ...string) gwReply {
	t.Helper()
	return gwDo(t, http.MethodGet, base+"/graphql?"+params.Encode(), "", append([]string{"Apollo-Require-Preflight", "true"}, headers...)...)
}

func gatewayMediaTypes(t *testing.T, s *testServer) {
	base := s.url
	query := map[string]any{"query": "{ commitmentStats { total } }"}

	r := gwPost(t, base, query)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/graphql-response+json") || r.code() != "" {
		t.Fatalf("no Accept: %s", r)
	}
	r = gwPost(t, base, query, "Accept", "application/json")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("Accept: application/json: %s", r)
	}
	cost, _ := r.resp.Extensions["cost"].(map[string]any)
	if cost["requestedQueryCost"] != float64(1) || cost["maximum"] != float64(gateway.DefaultConfig().MaxCost) {
		t.Fatalf("extensions.cost: %s", r.body)
	}

	// Request errors: 400 and no data with graphql-response+json, 200 with JSON.
	for _, bad := range []map[string]any{
		{"query": "{ commitmentStats { total "}, // parse
		{"query": "{ noSuchField }"},            // validation
		{"query": "query($n: Int!) { commitments(first: $n) { totalCount } }", "variables": map[string]any{"n": "x"}}, // coercion
	} {
		r := gwPost(t, base, bad)
		if r.status != 400 || r.hasData() || len(r.resp.Errors) == 0 {
			t.Errorf("%v with graphql-response+json: %s", bad, r)
		}
		r = gwPost(t, base, bad, "Accept", "application/json")
		if r.status != 200 || r.hasData() || len(r.resp.Errors) == 0 {
			t.Errorf("%v with application/json: %s", bad, r)
		}
	}
	// Malformed requests: 400 whatever the media type.
	for _, body := range []string{``, `{"query":`, `{"notquery":"{ __typename }"}`, `{"query":"{ __typename }","variables":"x"}`, `[{"query":"{ __typename }"}]`} {
		r := gwDo(t, "POST", base+"/graphql", body, "Content-Type", "application/json", "Accept", "application/json")
		if r.status != 400 || r.code() != gateway.CodeBadRequest {
			t.Errorf("body %q: %s", body, r)
		}
	}

	// GET: queries only.
	seq := s.app.hub.Model().Seq()
	r = gwGet(t, base, url.Values{"query": {"query Q($n: Int) { commitments(first: $n) { totalCount } }"}, "variables": {`{"n": 2}`}})
	if r.status != 200 || r.code() != "" || !r.hasData() {
		t.Fatalf("GET query: %s", r)
	}
	r = gwGet(t, base, url.Values{"query": {`mutation { createStakeholder(input: {name: "Via GET", sector: GOVERNMENT}) { userErrors { field } } }`}},
		"Authorization", "Bearer "+testAdminToken)
	if r.status != 405 || r.header.Get("Allow") != "POST" || r.hasData() {
		t.Fatalf("GET mutation: %s", r)
	}
	if s.app.hub.Model().Seq() != seq {
		t.Fatal("a mutation sent with GET changed the event log")
	}

	// A subscription needs a WebSocket or server-sent events.
	r = gwPost(t, base, map[string]any{"query": "subscription { events { cursor } }"})
	if r.status != 400 || r.code() != gateway.CodeBadRequest {
		t.Fatalf("subscription over plain POST: %s", r)
	}
	// Other methods and media types.
	r = gwDo(t, "PUT", base+"/graphql", `{"query":"{ __typename }"}`, "Content-Type", "application/json")
	if r.status != 405 || !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Fatalf("PUT: %s", r)
	}
	r = gwDo(t, "POST", base+"/graphql", `<query/>`, "Content-Type", "application/xml")
	if r.status != 415 {
		t.Fatalf("POST application/xml: %s", r)
	}
}

func gatewayRequestID(t *testing.T, s *testServer) {
	r := gwPost(t, s.url, map[string]any{"query": "{ __typename }"}, "X-Request-Id", "trace-42.a_b")
	if got := r.header.Get("X-Request-Id"); got != "trace-42.a_b" {
		t.Fatalf("X-Request-Id %q, want the client's", got)
	}
	r = gwPost(t, s.url, map[string]any{"query": "{ __typename }"}, "X-Request-Id", "bad id\twith spaces")
	if got := r.header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Fatalf("X-Request-Id %q, want a generated one", got)
	}
	// The id reaches the log lines of the request.
	var buf lockedBuffer
	base := s.serveGatewayLogging(t, slog.New(slog.NewTextHandler(&buf, nil)), nil)
	gwPost(t, base, map[string]any{"query": "query Named { commitmentStats { total } }"}, "X-Request-Id", "log-me-7")
	// The line is written once the response has gone out.
	eventually(t, "the request's log line", func() bool { return strings.Contains(buf.String(), "request_id=log-me-7") })
	line := buf.String()
	for _, want := range []string{"request_id=log-me-7", "operation=Named", "cost=1", "status=200", "code=OK", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line lacks %s:\n%s", want, line)
		}
	}
}

func gatewayCSRF(t *testing.T, s *testServer) {
	body := `{"query":"{ commitmentStats { total } }"}`
	for _, c := range []struct {
		name, method, target, body string
		headers                    []string
		want                       int
	}{
		{"simple POST as text/plain", "POST", "/graphql", body, []string{"Content-Type", "text/plain"}, 400},
		{"simple POST as a form", "POST", "/graphql", "query=" + url.QueryEscape("{ __typename }"), []string{"Content-Type", "application/x-www-form-urlencoded"}, 400},
		{"simple POST as multipart", "POST", "/graphql", body, []string{"Content-Type", "multipart/form-data; boundary=x"}, 400},
		{"POST without a content type", "POST", "/graphql", body, nil, 400},
		{"GET without a header", "GET", "/graphql?query=" + url.QueryEscape("{ __typename }"), "", nil, 400},
		{"JSON POST", "POST", "/graphql", body, []string{"Content-Type", "application/json"}, 200},
		{"GET with Apollo-Require-Preflight", "GET", "/graphql?query=" + url.QueryEscape("{ __typename }"), "", []string{"Apollo-Require-Preflight", "true"}, 200},
		{"GET with X-Apollo-Operation-Name", "GET", "/graphql?query=" + url.QueryEscape("query Q { __typename }"), "", []string{"X-Apollo-Operation-Name", "Q"}, 200},
		{"text/plain with the header (then 415)", "POST", "/graphql", body, []string{"Content-Type", "text/plain", "Apollo-Require-Preflight", "1"}, 415},
	} {
		r := gwDo(t, c.method, s.url+c.target, c.body, c.headers...)
		if r.status != c.want {
			t.Errorf("%s: %s, want %d", c.name, r, c.want)
		}
		if c.want == 400 && (r.code() != gateway.CodeBadRequest || !strings.Contains(r.resp.Errors[0].Message, "Cross-Site Request Forgery")) {
			t.Errorf("%s: %s, want a CSRF error", c.name, r)
		}
	}
}

func gatewayBodyLimit(t *testing.T, s *testServer) {
	base := s.serveGateway(t, func(c *gateway.Config) { c.MaxBodyBytes = 1024 })
	big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 2000) + `"}}`
	r := gwDo(t, "POST", base+"/graphql", big, "Content-Type", "application/json")
	if r.status != 413 || r.code() != gateway.CodeRequestTooLarge {
		t.Fatalf("oversized body with Content-Length: %s", r)
	}
	// Without Content-Length (chunked), the limit holds as the body is read.
	req, _ := http.NewRequest("POST", base+"/graphql", io.MultiReader(strings.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = -1
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("oversized chunked body: %d", res.StatusCode)
	}
	if r := gwPost(t, base, map[string]any{"query": "{ __typename }"}); r.status != 200 {
		t.Fatalf("small body: %s", r)
	}
}

func gatewayRateLimit(t *testing.T, s *testServer) {
	base := s.serveGateway(t, func(c *gateway.Config) { c.RateLimit, c.RateBurst = 0.1, 3 })
	q := map[string]any{"query": "{ __typename }"}
	for i := range 3 {
		if r := gwPost(t, base, q); r.status != 200 {
			t.Fatalf("request %d within the burst: %s", i, r)
		}
	}
	r := gwPost(t, base, q)
	if r.status != 429 || r.code() != gateway.CodeRateLimited {
		t.Fatalf("over the limit: %s", r)
	}
	if after, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || after < 1 || after > 10 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// Another caller (a token) has its own bucket.
	if r := gwPost(t, base, q, "Authorization", "Bearer "+testAdminToken); r.status != 200 {
		t.Fatalf("the admin token shares the anonymous bucket: %s", r)
	}
	// A WebSocket upgrade counts too.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/graphql", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 429 {
		t.Fatalf("WebSocket upgrade over the limit: %d", res.StatusCode)
	}
}

func gatewayPersistedQueries(t *testing.T, s *testServer) {
	query := "query Persisted { commitmentStats { total } }"
	sum := sha256.Sum256([]byte(query))
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}

	r := gwPost(t, s.url, map[string]any{"extensions": ext})
	if r.status != 404 || r.code() != "PERSISTED_QUERY_NOT_FOUND" || r.hasData() {
		t.Fatalf("unknown hash: %s", r)
	}
	if r := gwPost(t, s.url, map[string]any{"extensions": ext}, "Accept", "application/json"); r.status != 200 || r.code() != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("unknown hash, application/json: %s", r)
	}
	if r := gwPost(t, s.url, map[string]any{"query": query, "extensions": ext}); r.status != 200 || r.code() != "" {
		t.Fatalf("registering: %s", r)
	}
	r = gwPost(t, s.url, map[string]any{"extensions": ext})
	if r.status != 200 || !bytes.Contains(r.resp.Data, []byte(`"total"`)) {
		t.Fatalf("by hash: %s", r)
	}
	extJSON, _ := json.Marshal(ext)
	if r := gwGet(t, s.url, url.Values{"extensions": {string(extJSON)}}); r.status != 200 || !r.hasData() {
		t.Fatalf("by hash with GET: %s", r)
	}
	wrong := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": strings.Repeat("0", 64)}}
	if r := gwPost(t, s.url, map[string]any{"query": query, "extensions": wrong}); r.status != 400 || r.code() != gateway.CodeBadRequest {
		t.Fatalf("hash that does not match: %s", r)
	}
}

func gatewaySchemaAndMetrics(t *testing.T, s *testServer) {
	r := gwDo(t, "GET", s.url+"/schema.graphql", "")
	if r.status != 200 || !strings.Contains(string(r.body), "type Query {") || !strings.Contains(string(r.body), "commitmentStats") {
		t.Fatalf("/schema.graphql: %d %.200s", r.status, r.body)
	}
	introspect := map[string]any{"query": "{ __schema { queryType { name } } }"}
	if r := gwPost(t, s.url, introspect); r.status != 200 || r.code() != "" {
		t.Fatalf("introspection on: %s", r)
	}

	closed := s.serveGateway(t, func(c *gateway.Config) { c.Introspection = false })
	if r := gwDo(t, "GET", closed+"/schema.graphql", ""); r.status != 404 {
		t.Fatalf("/schema.graphql with introspection off: %d", r.status)
	}
	if r := gwPost(t, closed, introspect); len(r.resp.Errors) == 0 || bytes.Contains(r.resp.Data, []byte("Query")) {
		t.Fatalf("introspection off: %s", r)
	}
	if r := gwPost(t, closed, map[string]any{"query": "{ commitmentStats { total } }"}); r.status != 200 || r.code() != "" {
		t.Fatalf("a query with introspection off: %s", r)
	}

	gwPost(t, s.url, map[string]any{"query": "query Counted { commitmentStats { total } }"})
	gwPost(t, s.url, map[string]any{"query": "{ nope }"})
	var m string
	// Requests are counted once their response has gone out.
	eventually(t, "the requests counted", func() bool {
		m = string(gwDo(t, "GET", s.url+"/metrics", "").body)
		return strings.Contains(m, `operation="Counted"`) && strings.Contains(m, `code="GRAPHQL_VALIDATION_FAILED"`)
	})
	for _, want := range []string{
		`convene_graphql_requests_total{code="OK",operation="Counted",transport="http",type="query"} 1`,
		`convene_graphql_requests_total{code="GRAPHQL_VALIDATION_FAILED",operation="(anonymous)",transport="http",type="none"} `,
		`convene_graphql_request_duration_seconds_bucket{type="query",le="+Inf"}`,
		"convene_events_total " + strconv.FormatInt(s.app.hub.Model().Seq(), 10),
		"convene_read_model_lag_events ",
		"convene_websocket_connections ",
		"convene_subscriptions_active ",
		"convene_sse_streams 0",
		"convene_rate_limited_total ",
		"go_goroutines",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", m)
	}
}

// A subscription over server-sent events streams through every middleware
// (flushes pass the status recorder) and is counted while open.
func gatewaySSE(t *testing.T, s *testServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", s.url+"/graphql", strings.NewReader(`{"query":"subscription { events { cursor } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") || res.Header.Get("X-Request-Id") == "" {
		t.Fatalf("SSE: %d %v", res.StatusCode, res.Header)
	}
	first := make([]byte, 1)
	if _, err := io.ReadFull(res.Body, first); err != nil || first[0] != ':' {
		t.Fatalf("the stream's first bytes were not flushed: %q %v", first, err)
	}
	if m := string(gwDo(t, "GET", s.url+"/metrics", "").body); !strings.Contains(m, "convene_sse_streams 1") {
		t.Fatalf("an open stream is not counted:\n%s", m)
	}
}

// eventually waits up to 15 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"convene/gateway"
)

// FuzzGraphQLHandler sends arbitrary bodies, queries and variables to the
// whole HTTP handler (authentication, gateway, gqlgen, resolvers) of a
// server holding the demo data: it must never panic, answer 5xx, or
// answer JSON that does not parse. The seed corpus in
// testdata/fuzz/FuzzGraphQLHandler runs with every `go test`; fuzz with
//
//	go test -run '^$' -fuzz FuzzGraphQLHandler -fuzztime 30s .
//
// mode picks the request's shape: 0 the body as is, 1 a JSON POST of
// query and variables (spliced in as raw JSON text), 2 a GET of them, 3
// a JSON POST with the variables as a JSON string, accepting application/json.
func FuzzGraphQLHandler(f *testing.F) {
	h := fuzzHandler(f)
	f.Add(byte(0), []byte(`{"query":"{ __typename }"}`), "", "")
	f.Fuzz(func(t *testing.T, mode byte, body []byte, query, variables string) {
		var req *http.Request
		quoted, _ := json.Marshal(query)
		switch mode % 4 {
		case 0:
			req = httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		case 1:
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":`+string(quoted)+`,"variables":`+variables+`}`))
			req.Header.Set("Content-Type", "application/json")
		case 2:
			req = httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {query}, "variables": {variables}}.Encode(), nil)
			req.Header.Set("Apollo-Require-Preflight", "true")
		case 3:
			vars, _ := json.Marshal(variables)
			req = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":`+string(quoted)+`,"variables":`+string(vars)+`}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
		}
		if strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d, invalid JSON: %q", rec.Code, rec.Body.Bytes())
		}
	})
}

// fuzzHandler opens an app on the demo data (once per fuzzing process)
// and returns its handler, without rate limiting.
func fuzzHandler(tb testing.TB) http.Handler {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Open(ctx, testConfig(tb.TempDir()), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		a.live.Shutdown()
		a.Close(context.Background())
	})
	cfg := gateway.DefaultConfig()
	cfg.RateLimit = 0
	return a.handlerWith(cfg)
}
